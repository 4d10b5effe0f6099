"""GET/DELETE /api/auth/sessions and POST /api/auth/logout_all."""

import pytest

from authd_testlib import (
    BODY_NOT_AUTHENTICATED, BODY_NOT_FOUND, ISO_UTC, assert_refresh_invalid,
    assert_token_not_valid,
)

SESSION_KEYS = {"id", "created", "last_used", "user_agent", "ip", "current"}


def sessions(client, user):
    r = client.get("/api/auth/sessions", token=user.access)
    assert r.status_code == 200, r.text
    return r.json()["sessions"]


def test_sessions_lists_each_login(client):
    registered = client.register()
    a = client.login(registered, headers={"User-Agent": "functional-test-A/1.0"})
    client.login(registered, headers={"User-Agent": "functional-test-B/2.0"})
    listed = sessions(client, a)
    assert len(listed) == 2, listed
    for s in listed:
        assert SESSION_KEYS <= set(s), s
        assert ISO_UTC.match(s["created"]), s
        assert ISO_UTC.match(s["last_used"]), s
        assert s["ip"] == "127.0.0.1"
    assert [s["current"] for s in listed].count(True) == 1
    current = next(s for s in listed if s["current"])
    other = next(s for s in listed if not s["current"])
    assert current["user_agent"] == "functional-test-A/1.0"
    assert other["user_agent"] == "functional-test-B/2.0"
    assert current["id"] != other["id"]


@pytest.mark.parametrize("path", ["/api/auth/sessions", "/api/auth/sessions/"])
def test_sessions_paths(client, path):
    user = client.new_user()
    r = client.get(path, token=user.access)
    assert r.status_code == 200, r.text
    assert len(r.json()["sessions"]) == 1
    assert r.json()["sessions"][0]["current"] is True


def test_sessions_do_not_show_other_users(client):
    alice = client.new_user()
    client.new_user()
    assert len(sessions(client, alice)) == 1


def test_sessions_logout_removes_it(client):
    registered = client.register()
    a = client.login(registered)
    b = client.login(registered)
    assert client.logout(b.refresh).status_code == 200
    assert len(sessions(client, a)) == 1


def test_delete_session_ends_it(client):
    registered = client.register()
    a = client.login(registered)
    b = client.login(registered)
    other = next(s for s in sessions(client, a) if not s["current"])
    r = client.delete(f"/api/auth/sessions/{other['id']}", token=a.access)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_token_not_valid(client.account(b.username, b.access))
    assert_refresh_invalid(client.refresh(b.refresh))
    assert client.account(a.username, a.access).status_code == 200
    listed = sessions(client, a)
    assert len(listed) == 1 and listed[0]["current"] is True


def test_delete_own_current_session(client):
    user = client.new_user()
    current = sessions(client, user)[0]
    r = client.delete(f"/api/auth/sessions/{current['id']}/", token=user.access)
    assert r.status_code == 204, r.text
    assert_token_not_valid(client.account(user.username, user.access))


def test_delete_unknown_session(client):
    user = client.new_user()
    for sid in ("does-not-exist", "00000000-0000-0000-0000-000000000000", "12345"):
        r = client.delete(f"/api/auth/sessions/{sid}", token=user.access)
        assert r.status_code == 404, r.text
        assert r.json() == BODY_NOT_FOUND


def test_delete_another_users_session_is_not_found(client):
    alice = client.new_user()
    bob = client.new_user()
    bobs = sessions(client, bob)[0]
    r = client.delete(f"/api/auth/sessions/{bobs['id']}", token=alice.access)
    assert r.status_code == 404, r.text
    assert r.json() == BODY_NOT_FOUND
    assert client.account(bob.username, bob.access).status_code == 200


def test_sessions_without_authorization(client):
    r = client.get("/api/auth/sessions")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_logout_all_ends_every_session(client):
    registered = client.register()
    a = client.login(registered)
    b = client.login(registered)
    r = client.post("/api/auth/logout_all", token=a.access)
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert_token_not_valid(client.account(a.username, a.access))
    assert_token_not_valid(client.account(b.username, b.access))
    assert_refresh_invalid(client.refresh(a.refresh))
    assert_refresh_invalid(client.refresh(b.refresh))
    # A new login still works.
    assert client.login_raw(registered.username, registered.password).status_code == 200


def test_logout_all_with_trailing_slash_and_json_body(client):
    user = client.new_user()
    r = client.post("/api/auth/logout_all/", token=user.access, json={})
    assert r.status_code == 200, r.text


def test_logout_all_without_authorization(client):
    r = client.post("/api/auth/logout_all")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
