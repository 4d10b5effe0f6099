"""Account hooks (docs/HOOKS.md) across failures: an undo retried in the background, authd
killed (SIGKILL) in the middle of a create, a rename or a delete and started again on the same
database, and two instances on one PostgreSQL database taking over crashed work once."""

import time

import pytest
import requests

from authd_testlib import (BODY_BAD_LOGIN, MSG_EMAIL_TAKEN, MSG_USERNAME_TAKEN, Client,
                           assert_tokens, random_password, unique_name)
from hook_stubs import (assert_platform_error, expected_create, expected_create_undo,
                        expected_delete, expected_rename, expected_rename_undo, in_thread, join,
                        poll, shape, start_platform)

TIMEOUT = 2  # seconds per call: a crashed change's claim lapses soon after
RECOVERY = 30  # seconds allowed for the recovery pass to take a crashed change over


@pytest.fixture
def rig(authd_factory, tmp_path):
    platform = start_platform(authd_factory, tmp_path, TIMEOUT)
    yield platform
    platform.stop()


def register_raw(c, name, email=None, password=None):
    password = password or random_password()
    return c.register_raw({"username": name, "email": email or f"{name}@example.com",
                           "password": password, "password2": password}), password


def register_when_free(c, name, timeout=RECOVERY):
    """Registers `name` as soon as it is free again (400 "taken" while the old one is pending:
    its name, and its address, which the new registration uses again)."""
    def attempt():
        r, password = register_raw(c, name)
        if r.status_code == 400 and r.json().get("username") == [MSG_USERNAME_TAKEN]:
            return None
        return r, password
    r, password = poll(attempt, timeout=timeout, interval=0.25, message=f"{name} free again")
    assert r.status_code == 201, r.text
    assert_tokens(c.login_raw(name, password), name)


def crash(server, box):
    """SIGKILL, and the request in flight breaks."""
    server.kill()
    assert server.proc.returncode == -9
    with pytest.raises(requests.RequestException):
        join(box)


def test_undo_that_fails_is_retried_and_the_name_stays_taken(rig):
    c = rig.client()
    stubs = rig.stubs
    stubs.history.refuse(400, match=("POST", "/create/"))
    stubs.users.fail(500, match=("DELETE", None))
    name = unique_name()
    r, password = register_raw(c, name)
    assert_platform_error(r, 409, "platform_refused", stubs)
    expected = expected_create(name) + expected_create_undo(name, ["matchmaking", "users"])
    assert shape(stubs.wait_for(len(expected), name)) == expected

    # The account stays pending, its name and address taken, until the undo is made.
    assert c.login_raw(name, password).json() == BODY_BAD_LOGIN
    r, _ = register_raw(c, name, email=unique_name() + "@example.com")
    assert (r.status_code, r.json()) == (400, {"username": [MSG_USERNAME_TAKEN]})
    r, _ = register_raw(c, unique_name(), email=f"{name}@example.com")
    assert (r.status_code, r.json()) == (400, {"email": [MSG_EMAIL_TAKEN]})

    retries = stubs.users.wait_for_calls(2, 15, "DELETE", name)
    assert all(shape([x]) == expected_create_undo(name, ["users"]) for x in retries)
    assert len({x.headers["Idempotency-Key"] for x in retries}) == 1
    stubs.users.accept()
    stubs.history.accept()
    register_when_free(c, name)
    assert len(stubs.calls(name, service="matchmaking", method="DELETE")) == 1


def test_crash_during_create_is_undone_after_restart(rig):
    server, stubs = rig.server, rig.stubs
    stubs.matchmaking.hang(match=("POST", "/create/"))
    name = unique_name()
    box = in_thread(register_raw, Client(server.base_url), name)
    stubs.wait_for(1, name, service="matchmaking")
    crash(server, box)
    stubs.release()
    stubs.matchmaking.accept()

    server.start()  # the same database, the same keys
    c = server.client()
    # users' create succeeded and matchmaking's may have: both are undone, in reverse order,
    # once the crashed change's claim lapses; history never heard of the account.
    expected = expected_create(name, 2) + expected_create_undo(name, ["matchmaking", "users"])
    calls = stubs.wait_for(len(expected), name, timeout=RECOVERY)
    assert shape(calls) == expected
    r = c.login_raw(name, "any-password-at-all-1")
    assert (r.status_code, r.json()) == (401, BODY_BAD_LOGIN)
    register_when_free(c, name)
    assert shape(stubs.calls(name)[len(expected):]) == expected_create(name)


def test_crash_during_rename_renames_back_after_restart(rig):
    server, stubs = rig.server, rig.stubs
    c = server.client()
    user = c.new_user()
    old, new = user.username, unique_name()
    stubs.users.hang(match=("PATCH", f"/{old}/update/"))
    stubs.recorder.clear()
    box = in_thread(Client(server.base_url).patch, "/api/auth/update/" + old,
                    json={"username": new}, token=user.access)
    stubs.wait_for(1, old, service="users")
    crash(server, box)
    stubs.release()
    stubs.users.accept()

    server.start()
    c = server.client()
    expected = expected_rename(old, new, 2) + expected_rename_undo(old, new, ["users",
                                                                              "matchmaking"])
    calls = stubs.wait_for(len(expected), old, timeout=RECOVERY)
    assert shape(calls) == expected
    assert_tokens(c.login_raw(old, user.password), old)
    assert c.login_raw(new, user.password).json() == BODY_BAD_LOGIN
    assert c.account(old, user.access).json()["username"] == old
    # The change is over: the account takes a new one.
    r = poll(lambda: (lambda r: r if r.status_code != 409 else None)(
        c.patch("/api/auth/update/" + old, json={"username": new}, token=user.access)),
        timeout=RECOVERY, message="the account takes a change again")
    assert r.status_code == 200, r.text
    assert_tokens(c.login_raw(new, user.password), new)


def test_crash_during_delete_is_carried_through_after_restart(rig):
    server, stubs = rig.server, rig.stubs
    c = server.client()
    user = c.new_user()
    name = user.username
    stubs.history.hang(match=("DELETE", None))
    stubs.recorder.clear()
    box = in_thread(Client(server.base_url).delete, "/api/auth/delete/" + name,
                    token=user.access)
    stubs.wait_for(1, name, service="history")
    server.kill()
    box["thread"].join(20)  # 204 already, or cut by the kill: both are fine here
    stubs.release()
    stubs.history.accept()

    server.start()
    c = server.client()
    for svc in ("history", "avatars"):
        poll(lambda: [x for x in stubs.calls(name, service=svc) if x.status == 204],
             timeout=RECOVERY, message=f"{svc} DELETE accepted")
    for svc in ("matchmaking", "users"):
        assert shape(stubs.calls(name, service=svc)) == expected_delete(name, [svc])
    assert c.login_raw(name, user.password).json() == BODY_BAD_LOGIN
    register_when_free(c, name)


@pytest.mark.postgres_only
def test_two_instances_undo_a_crashed_create_once(rig, authd_factory):
    first, stubs = rig.server, rig.stubs
    second = authd_factory(dict(first.overrides), database_url=first.database_url,
                           data_dir=first.data_dir)
    stubs.users.hang(match=("POST", "/create/"))
    name = unique_name()
    box = in_thread(register_raw, Client(first.base_url), name)
    stubs.wait_for(1, name, service="users")
    crash(first, box)
    stubs.release()
    stubs.users.accept()
    first.start()  # both instances run their recovery pass every second

    expected = expected_create(name, 1) + expected_create_undo(name, ["users"])
    stubs.wait_for(len(expected), name, timeout=RECOVERY)
    # Several passes of both instances later, still one undo.
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        assert len(stubs.calls(name)) == len(expected), stubs.calls(name)
        time.sleep(0.2)
    assert shape(stubs.calls(name)) == expected
    register_when_free(second.client(), name)
