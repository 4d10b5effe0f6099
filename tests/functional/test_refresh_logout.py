"""POST /api/auth/refresh and /api/auth/logout: rotation, grace window, reuse detection."""

import time

import pytest

from authd_testlib import (
    MSG_REQUIRED, assert_no_store, assert_opaque_refresh, assert_refresh_invalid,
    assert_token_not_valid, jwt_claims,
)


def test_refresh_returns_a_new_pair(client):
    user = client.new_user()
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access", "refresh"}
    assert_no_store(r)
    assert body["refresh"] != user.refresh
    assert body["access"] != user.access
    new_access = jwt_claims(body["access"])
    assert new_access["token_type"] == "access"
    assert_opaque_refresh(body["refresh"], user.username)
    assert new_access["sid"] == user.claims["sid"]
    assert new_access["username"] == user.username
    assert new_access["auth_time"] == user.claims["auth_time"]
    assert client.account(user.username, body["access"]).status_code == 200
    # The old access token stays valid until it expires (the session lives on).
    assert client.account(user.username, user.access).status_code == 200


def test_refresh_with_trailing_slash(client):
    user = client.new_user()
    r = client.post("/api/auth/refresh/", json={"refresh": user.refresh})
    assert r.status_code == 200, r.text


def test_refresh_chain(client):
    user = client.new_user()
    token = user.refresh
    for _ in range(3):
        r = client.refresh(token)
        assert r.status_code == 200, r.text
        token = r.json()["refresh"]


def test_refresh_reuse_within_grace_returns_same_pair(client):
    user = client.new_user()
    first = client.refresh(user.refresh)
    assert first.status_code == 200, first.text
    second = client.refresh(user.refresh)
    assert second.status_code == 200, second.text
    assert second.json()["refresh"] == first.json()["refresh"]
    # The rotated token still works afterwards.
    assert client.refresh(first.json()["refresh"]).status_code == 200


def test_access_token_used_as_refresh_is_refused(client):
    user = client.new_user()
    assert_refresh_invalid(client.refresh(user.access))


def test_service_token_used_as_refresh_is_refused(client):
    assert_refresh_invalid(client.refresh(client.service_token()))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "x" * 2000])
def test_refresh_with_garbage_token(client, token):
    r = client.refresh(token)
    if token == "":
        assert r.status_code in (400, 401), r.text
        return
    assert_refresh_invalid(r)


def test_refresh_missing_field(client):
    r = client.post("/api/auth/refresh", json={})
    assert r.status_code == 400, r.text
    assert r.json() == {"refresh": [MSG_REQUIRED]}


def test_refresh_ignores_authorization_header(client):
    user = client.new_user()
    r = client.refresh(user.refresh, headers={"Authorization": "Bearer expired.garbage.token"})
    assert r.status_code == 200, r.text


def test_logout(client):
    user = client.new_user()
    r = client.logout(user.refresh)
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert_refresh_invalid(client.refresh(user.refresh))
    assert_token_not_valid(client.account(user.username, user.access))
    r = client.logout(user.refresh)
    assert r.status_code == 200, r.text
    assert r.json() == {}


def test_logout_with_trailing_slash_and_garbage_authorization(client):
    user = client.new_user()
    r = client.post("/api/auth/logout/", json={"refresh": user.refresh},
                    headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 200, r.text
    assert r.json() == {}


def test_logout_leaves_other_sessions_alone(client):
    registered = client.register()
    a = client.login(registered)
    b = client.login(registered)
    assert client.logout(a.refresh).status_code == 200
    assert client.account(b.username, b.access).status_code == 200
    assert client.refresh(b.refresh).status_code == 200


def test_logout_after_refresh_kills_rotated_tokens(client):
    user = client.new_user()
    r = client.refresh(user.refresh)
    assert r.status_code == 200
    new = r.json()
    assert client.logout(new["refresh"]).status_code == 200
    assert_token_not_valid(client.account(user.username, new["access"]))
    assert_refresh_invalid(client.refresh(new["refresh"]))


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_logout_with_garbage_token(client, token):
    r = client.logout(token)
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "token_not_valid"


def test_logout_missing_field(client):
    r = client.post("/api/auth/logout", json={})
    assert r.status_code == 400, r.text
    assert r.json() == {"refresh": [MSG_REQUIRED]}


# ---- short lifetimes on a dedicated server

@pytest.fixture(scope="module")
def short_server(module_factory):
    return module_factory({"AUTH_REFRESH_GRACE_PERIOD": "1", "AUTH_REFRESH_IDLE_TIMEOUT": "2s"})


def test_refresh_reuse_after_grace_revokes_session(short_server):
    client = short_server.client()
    user = client.new_user()
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text
    rotated = r.json()
    # Timestamps may be whole seconds: 2.2 s is past a 1 s grace period however it is rounded.
    time.sleep(2.2)
    assert_refresh_invalid(client.refresh(user.refresh))
    # The whole session is gone: the newest refresh token and its access token are refused.
    assert_token_not_valid(client.account(user.username, rotated["access"]))
    assert_token_not_valid(client.account(user.username, user.access))
    assert_refresh_invalid(client.refresh(rotated["refresh"]))


def test_refresh_after_idle_timeout_fails(short_server):
    client = short_server.client()
    user = client.new_user()
    time.sleep(3.2)
    assert_refresh_invalid(client.refresh(user.refresh))


def test_refresh_before_idle_timeout_keeps_session_alive(short_server):
    client = short_server.client()
    user = client.new_user()
    token = user.refresh
    for _ in range(3):
        time.sleep(0.8)
        r = client.refresh(token)
        assert r.status_code == 200, r.text
        token = r.json()["refresh"]


@pytest.fixture(scope="module")
def no_grace_server(module_factory):
    return module_factory({"AUTH_REFRESH_GRACE_PERIOD": "0"})


def test_refresh_reuse_without_grace_period_revokes_session(no_grace_server):
    """AUTH_REFRESH_GRACE_PERIOD=0: a second use of a refresh token, even right away, is reuse."""
    client = no_grace_server.client()
    user = client.new_user()
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert_refresh_invalid(client.refresh(user.refresh))
    assert_token_not_valid(client.account(user.username, rotated["access"]))
    assert_refresh_invalid(client.refresh(rotated["refresh"]))
