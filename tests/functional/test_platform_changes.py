"""Account hooks (docs/HOOKS.md): account creation, rename and deletion kept all or nothing
across the platform's services (exact calls, tokens, headers, order, undo), and one change at a
time per account."""

import threading
import time

import pytest

from authd_testlib import (BODY_BAD_LOGIN, MSG_EMAIL_TAKEN, MSG_USERNAME_TAKEN, Client,
                           assert_token_not_valid, assert_tokens, jwt_claims, random_password,
                           unique_name)
from hook_stubs import (CREATE, RENAME, assert_platform_error, check_call, expected_create,
                        expected_create_undo, expected_delete, expected_rename,
                        expected_rename_undo, in_thread, join, poll, shape, start_platform)

TIMEOUT = 4  # seconds per call in the hooks file: a hung call holds its change this long,
# which the one-change-at-a-time test needs to outlast a slow machine
RENAME_REFUSED = {"detail": "Unable to update username. Please wait until you are not in a game",
                  "code": "username_change_refused"}


@pytest.fixture(scope="module")
def platform(module_factory, tmp_path_factory):
    platform = start_platform(module_factory, tmp_path_factory.mktemp("hooks"), TIMEOUT)
    yield platform
    platform.stop()


@pytest.fixture
def plat(platform):
    platform.reset()
    yield platform
    platform.reset()


def rename(c, user, new, token=None, **kw):
    return c.patch("/api/auth/update/" + user.username, json={"username": new},
                   token=token or user.access, **kw)


def login_status(c, name, password):
    r = c.login_raw(name, password)
    return r.status_code, r.json()


# ----------------------------------------------------------------------------------------------
# create: all or nothing

def new_email(name):
    return f"{name.lower()}@example.com"


def register_raw(c, name, email=None, password=None, **extra):
    password = password or random_password()
    return c.register_raw({"username": name, "email": email or new_email(name),
                           "password": password, "password2": password, **extra}), password


def test_create_calls_every_service_in_order(plat):
    c = plat.client()
    name = unique_name()
    r, password = register_raw(c, name, lang="fr")
    assert r.status_code == 201, r.text
    assert r.json()["username"] == name
    calls = plat.stubs.calls(name)
    assert shape(calls) == expected_create(name)
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks, lang="fr")
    # One after the other: a call starts once the previous one was answered.
    for before, after in zip(calls, calls[1:]):
        assert before.answered_at is not None and after.time >= before.answered_at
    assert_tokens(c.login_raw(name, password), name)

    # Another account (English): its own Idempotency-Keys.
    other = c.register()
    other_calls = plat.stubs.calls(other.username)
    assert shape(other_calls) == expected_create(other.username)
    for call in other_calls:
        check_call(call, jwks, lang="en")
    assert not ({x.headers["Idempotency-Key"] for x in calls}
                & {x.headers["Idempotency-Key"] for x in other_calls})


@pytest.mark.parametrize("position", [0, 1, 2])
def test_create_refused_is_undone_in_reverse_order(plat, position):
    c = plat.client()
    service = CREATE[position][0]
    plat.stubs[service].refuse(400, match=("POST", "/create/"))
    name = unique_name()
    r, password = register_raw(c, name)
    assert_platform_error(r, 409, "platform_refused", plat.stubs)
    done = [s for s, *_ in CREATE[:position]]
    expected = expected_create(name, position + 1) + expected_create_undo(name, done[::-1])
    calls = plat.stubs.wait_for(len(expected), name)
    assert shape(calls) == expected
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks)
    assert c.login_raw(name, password).json() == BODY_BAD_LOGIN

    # The name and the address are free again once the services accept.
    plat.stubs[service].accept()
    r, password = register_raw(c, name)
    assert r.status_code == 201, r.text
    assert_tokens(c.login_raw(name, password), name)


def test_create_server_error_answers_503_and_undoes_the_uncertain_call(plat):
    c = plat.client()
    plat.stubs.matchmaking.fail(500, match=("POST", "/create/"))
    name = unique_name()
    r, password = register_raw(c, name)
    assert_platform_error(r, 503, "platform_unavailable", plat.stubs)
    expected = expected_create(name, 2) + expected_create_undo(name, ["matchmaking", "users"])
    assert shape(plat.stubs.wait_for(len(expected), name)) == expected
    r = c.login_raw(name, password)
    assert (r.status_code, r.json()) == (401, BODY_BAD_LOGIN)
    plat.stubs.matchmaking.accept()
    assert register_raw(c, name)[0].status_code == 201


def test_create_hung_call_times_out_and_is_undone(plat):
    """While the call hangs the account is pending: it cannot log in and holds its name and
    address. After the call's time-out: 503, and the hung call is undone too."""
    c = plat.client()
    plat.stubs.matchmaking.hang(match=("POST", "/create/"))
    name = unique_name()
    started = time.monotonic()
    box = in_thread(register_raw, Client(c.base_url), name)
    plat.stubs.wait_for(1, name, service="matchmaking")
    r = c.login_raw(name, "whatever-password-123")
    assert (r.status_code, r.json()) == (401, BODY_BAD_LOGIN)
    r, _ = register_raw(c, name, email=unique_name() + "@example.com")
    assert (r.status_code, r.json()) == (400, {"username": [MSG_USERNAME_TAKEN]})
    r, _ = register_raw(c, unique_name(), email=new_email(name))
    assert (r.status_code, r.json()) == (400, {"email": [MSG_EMAIL_TAKEN]})

    r, password = join(box)
    assert time.monotonic() - started >= TIMEOUT - 0.2
    assert_platform_error(r, 503, "platform_unavailable", plat.stubs)
    expected = expected_create(name, 2) + expected_create_undo(name, ["matchmaking", "users"])
    assert shape(plat.stubs.wait_for(len(expected), name)) == expected
    assert c.login_raw(name, password).json() == BODY_BAD_LOGIN
    plat.stubs.matchmaking.accept()
    assert register_raw(c, name)[0].status_code == 201


def test_create_with_a_service_down_answers_503(plat):
    c = plat.client()
    plat.stubs.history.down()
    name = unique_name()
    r, password = register_raw(c, name)
    assert_platform_error(r, 503, "platform_unavailable", plat.stubs)
    # history never saw the call (no connection): only what succeeded is undone.
    expected = expected_create(name, 2) + expected_create_undo(name, ["matchmaking", "users"])
    assert shape(plat.stubs.wait_for(len(expected), name)) == expected
    assert c.login_raw(name, password).json() == BODY_BAD_LOGIN
    plat.stubs.history.up()
    r, password = register_raw(c, name)
    assert r.status_code == 201, r.text
    assert_tokens(c.login_raw(name, password), name)


def test_ten_parallel_registrations_of_one_name(plat):
    name = unique_name()
    barrier = threading.Barrier(10)

    def attempt(i):
        client = Client(plat.server.base_url)
        barrier.wait(timeout=10)
        return register_raw(client, name, email=f"{name}.{i}@example.com")[0]

    boxes = [in_thread(attempt, i) for i in range(10)]
    results = [join(b, timeout=60) for b in boxes]
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [400] * 9, [(r.status_code, r.text) for r in results]
    for r in results:
        if r.status_code == 400:
            assert r.json() == {"username": [MSG_USERNAME_TAKEN]}
    # The create calls of one registration only.
    assert shape(plat.stubs.calls(name)) == expected_create(name)


# ----------------------------------------------------------------------------------------------
# rename

def test_rename_calls_every_service_and_answers_a_new_pair(plat):
    c = plat.client()
    user = c.login(c.register(lang="fr"))
    old, new = user.username, unique_name()
    plat.stubs.recorder.clear()
    r = rename(c, user, new)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == new
    assert jwt_claims(body["access"])["username"] == new
    assert jwt_claims(body["access"])["sid"] == jwt_claims(user.access)["sid"]
    refreshed = c.refresh(body["refresh"])  # the refresh token is opaque: it names the session
    assert refreshed.status_code == 200, refreshed.text
    assert jwt_claims(refreshed.json()["access"])["username"] == new

    calls = plat.stubs.calls(old)
    assert shape(calls) == expected_rename(old, new)
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks, lang="fr")
    for before, after in zip(calls, calls[1:]):
        assert before.answered_at is not None and after.time >= before.answered_at
    assert_tokens(c.login_raw(new, user.password), new)
    assert login_status(c, old, user.password) == (401, BODY_BAD_LOGIN)
    assert c.account(new, body["access"]).json()["username"] == new


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_rename_refused_renames_the_services_back(plat, position):
    c = plat.client()
    user = c.new_user()
    old, new = user.username, unique_name()
    service = RENAME[position][0]
    plat.stubs[service].refuse(400, match=("PATCH", None))
    plat.stubs.recorder.clear()
    r = rename(c, user, new)
    assert_platform_error(r, 409, "username_change_refused", plat.stubs)
    assert r.json() == RENAME_REFUSED

    done = [s for s, *_ in RENAME[:position]]
    expected = expected_rename(old, new, position + 1) + expected_rename_undo(old, new, done[::-1])
    calls = plat.stubs.wait_for(len(expected), old)
    assert shape(calls) == expected
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks)
    # The old name everywhere: it still logs in, its tokens work, the new name is free.
    assert_tokens(c.login_raw(old, user.password), old)
    assert login_status(c, new, user.password) == (401, BODY_BAD_LOGIN)
    assert c.account(old, user.access).json()["username"] == old
    plat.stubs[service].accept()
    assert c.register(username=new).registered.status_code == 201


def test_rename_refused_in_french(plat):
    c = plat.client()
    user = c.new_user()
    plat.stubs.users.refuse(409, match=("PATCH", None))
    r = rename(c, user, unique_name(), headers={"lang": "fr"})
    body = assert_platform_error(r, 409, "username_change_refused", plat.stubs)
    assert body["detail"] != RENAME_REFUSED["detail"]


def test_rename_server_error_answers_503_and_undoes_the_uncertain_call(plat):
    c = plat.client()
    user = c.new_user()
    old, new = user.username, unique_name()
    # Only the rename fails (its undo goes to /<new>/update/ and is accepted).
    plat.stubs.users.fail(502, match=("PATCH", f"/{old}/update/"))
    plat.stubs.recorder.clear()
    assert_platform_error(rename(c, user, new), 503, "platform_unavailable", plat.stubs)
    # users may have renamed before failing: it is renamed back too, then matchmaking.
    expected = (expected_rename(old, new, 2)
                + expected_rename_undo(old, new, ["users", "matchmaking"]))
    assert shape(plat.stubs.wait_for(len(expected), old)) == expected
    assert_tokens(c.login_raw(old, user.password), old)


def test_rename_with_a_service_down_answers_503(plat):
    c = plat.client()
    user = c.new_user()
    old, new = user.username, unique_name()
    plat.stubs.avatars.down()
    plat.stubs.recorder.clear()
    assert_platform_error(rename(c, user, new), 503, "platform_unavailable", plat.stubs)
    expected = (expected_rename(old, new, 3)
                + expected_rename_undo(old, new, ["history", "users", "matchmaking"]))
    assert shape(plat.stubs.wait_for(len(expected), old)) == expected
    assert_tokens(c.login_raw(old, user.password), old)


# ----------------------------------------------------------------------------------------------
# delete

def delete(c, user, token=None, **kw):
    return c.delete("/api/auth/delete/" + user.username, token=token or user.access, **kw)


def test_delete_calls_every_service(plat):
    c = plat.client()
    user = c.login(c.register(lang="es"))
    plat.stubs.recorder.clear()
    r = delete(c, user)
    assert r.status_code == 204, r.text
    calls = plat.stubs.calls(user.username)
    assert shape(calls) == expected_delete(user.username)
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks, lang="es")
    assert login_status(c, user.username, user.password) == (401, BODY_BAD_LOGIN)
    assert_token_not_valid(c.account(user.username, user.access))


@pytest.mark.parametrize("failure, status, code, reached", [
    (lambda stub: stub.refuse(400, match=("DELETE", None)), 409, "account_deletion_refused", True),
    (lambda stub: stub.fail(500, match=("DELETE", None)), 503, "platform_unavailable", True),
    (lambda stub: stub.down(), 503, "platform_unavailable", False),
], ids=["refused", "failing", "down"])
def test_delete_that_the_first_service_does_not_make_deletes_nothing(plat, failure, status, code,
                                                                    reached):
    c = plat.client()
    user = c.new_user()
    failure(plat.stubs.matchmaking)
    plat.stubs.recorder.clear()
    assert_platform_error(delete(c, user), status, code, plat.stubs)
    expected = expected_delete(user.username, ["matchmaking"]) if reached else []
    assert shape(plat.stubs.calls(user.username)) == expected
    assert_tokens(c.login_raw(user.username, user.password), user.username)
    assert c.account(user.username, user.access).status_code == 200


def test_delete_once_a_service_deleted_is_carried_through(plat):
    """A later call failing does not stop the deletion: 204 at once, the account is gone, and
    the failing call is retried in the background (AUTH_HOOKS_RETRY_BASE=1s), with the same
    Idempotency-Key, until it succeeds."""
    c = plat.client()
    user = c.new_user()
    name = user.username
    plat.stubs.history.fail(500, match=("DELETE", None))
    plat.stubs.recorder.clear()
    started = time.monotonic()
    r = delete(c, user)
    assert r.status_code == 204, r.text
    assert time.monotonic() - started < TIMEOUT * 3
    assert login_status(c, name, user.password) == (401, BODY_BAD_LOGIN)
    assert_token_not_valid(c.account(name, user.access))

    plat.stubs.history.wait_for_calls(2, 15, "DELETE", name)  # a retry came
    plat.stubs.history.accept()
    done = poll(lambda: [x for x in plat.stubs.calls(name, service="history")
                         if x.status == 204], timeout=30, message="history DELETE accepted")
    assert len(done) == 1
    history = plat.stubs.calls(name, service="history")
    assert all(shape([x]) == expected_delete(name, ["history"]) for x in history)
    assert len({x.headers["Idempotency-Key"] for x in history}) == 1
    poll(lambda: [x for x in plat.stubs.calls(name, service="avatars") if x.status == 204],
         timeout=30, message="avatars DELETE accepted")
    for svc in ("matchmaking", "users", "avatars"):
        calls = plat.stubs.calls(name, service=svc)
        assert shape(calls[:1]) == expected_delete(name, [svc]), calls
        assert all(x.status == 204 for x in calls) and len(calls) == 1, calls
    # The name can be registered again.
    assert c.register(username=name).registered.status_code == 201


# ----------------------------------------------------------------------------------------------
# one change at a time

def test_one_change_at_a_time(plat):
    c = plat.client()
    user = c.new_user()
    old, new = user.username, unique_name()
    # Only the rename's own call hangs (its undo goes to /<new>/update/).
    plat.stubs.matchmaking.hang(match=("PATCH", f"/{old}/update/"))
    box = in_thread(rename, Client(c.base_url), user, new)
    # The rename's own call (not the account's create call, which names it too).
    plat.stubs.wait_for(1, old, service="matchmaking", method="PATCH")
    r = delete(c, user)
    assert_platform_error(r, 409, "change_in_progress", plat.stubs)
    r = rename(c, user, unique_name())
    assert_platform_error(r, 409, "change_in_progress", plat.stubs)
    # The rename times out (503) and is undone; then the account takes changes again.
    assert_platform_error(join(box), 503, "platform_unavailable", plat.stubs)
    plat.stubs.matchmaking.accept()
    r = poll(lambda: (lambda r: r if r.status_code != 409 else None)(delete(c, user)),
             timeout=15, message="the account takes a change again")
    assert r.status_code == 204, r.text
    assert shape(plat.stubs.calls(old, method="DELETE")) == expected_delete(old)


# ----------------------------------------------------------------------------------------------
# openapi.json documents these answers

def test_platform_answers_are_documented_in_openapi(plat):
    from test_openapi import Spec  # the same check as the answers of every other route
    c = plat.client()
    spec = Spec(c.get("/api/auth/openapi.json").json())
    user = c.new_user()
    plat.stubs.users.refuse(409, match=("PATCH", None))
    spec.check("PATCH", "/api/auth/update/{username}", rename(c, user, unique_name()))
    plat.stubs.matchmaking.refuse(409, match=("DELETE", None))
    spec.check("DELETE", "/api/auth/delete/{username}", delete(c, user))
    plat.stubs.history.refuse(400, match=("POST", None))
    spec.check("POST", "/api/auth/", register_raw(c, unique_name())[0])
    plat.stubs.history.fail(500, match=("POST", None))
    r = register_raw(c, unique_name())[0]
    assert r.status_code == 503
    spec.check("POST", "/api/auth/", r)
