"""Persistence across restarts, and the database going away under a running authd."""

import os
import time

import pytest
import requests


def test_data_survives_a_restart(authd_factory):
    server = authd_factory()
    client = server.client()
    user = client.new_user()
    server.restart()
    client = server.client()
    assert client.account(user.username, user.access).status_code == 200
    assert client.refresh(user.refresh).status_code == 200
    assert client.login_raw(user.username, user.password).status_code == 200


def timed(fn):
    started = time.monotonic()
    r = fn()
    return r, time.monotonic() - started


def wait_for(fn, ok, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if ok(last):
                return last
        except requests.RequestException as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout}s, last answer: "
                         f"{getattr(last, 'status_code', last)} {getattr(last, 'text', '')}")


@pytest.mark.postgres_only
def test_postgres_stopped_gives_503_then_recovers(authd_factory, pg):
    server = authd_factory()
    client = server.client()
    registered = client.register()
    user = client.login(registered)
    pg.stop()
    try:
        r, elapsed = timed(lambda: client.get("/healthz"))
        assert r.status_code == 200 and elapsed < 5
        for call in (lambda: client.login_raw(user.username, user.password),
                     lambda: client.account(user.username, user.access),
                     lambda: client.refresh(user.refresh),
                     lambda: client.get("/readyz")):
            r, elapsed = timed(call)
            assert r.status_code == 503, f"{r.status_code} {r.text}"
            assert "Retry-After" in r.headers, dict(r.headers)
            assert r.json().get("detail")
            assert elapsed < 12, f"took {elapsed:.1f}s"
        assert server.running()
    finally:
        pg.start()
    r = wait_for(lambda: client.login_raw(user.username, user.password),
                 lambda r: r.status_code == 200)
    assert client.account(user.username, r.json()["access"]).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert server.running()


@pytest.mark.postgres_only
def test_postgres_restart_while_running(authd_factory, pg):
    server = authd_factory({"AUTH_DB_POOL_SIZE": "4"})
    client = server.client()
    registered = client.register()
    user = client.login(registered)
    # Fill the pool with connections that the restart will break.
    for _ in range(8):
        assert client.account(user.username, user.access).status_code == 200
    pg.restart()
    assert server.running()
    # The first requests may see the broken connections (503), never a 500 or a hang.
    for _ in range(6):
        r, elapsed = timed(lambda: client.account(user.username, user.access))
        assert r.status_code in (200, 503), f"{r.status_code} {r.text}"
        assert elapsed < 12
    r = wait_for(lambda: client.login_raw(user.username, user.password),
                 lambda r: r.status_code == 200, timeout=15)
    assert client.refresh(user.refresh).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert server.running()


@pytest.mark.postgres_only
def test_start_before_postgres_waits_and_then_serves(authd_factory, pg, databases):
    """authd started while PostgreSQL is down waits for it (bounded) and serves once it is up."""
    import threading
    url = databases.new_url()
    server = authd_factory(database_url=url, start=False)
    outcome = {}

    def start():
        try:
            server.start(timeout=25)
            outcome["ok"] = True
        except Exception as e:  # reported below
            outcome["error"] = e

    pg.stop()
    try:
        starter = threading.Thread(target=start)
        starter.start()
        time.sleep(2)
        assert server.proc is not None and server.proc.poll() is None, server.log_tail()
    finally:
        pg.start()
    starter.join(timeout=30)
    assert outcome.get("ok"), outcome.get("error")
    r = wait_for(lambda: server.client().get("/readyz"), lambda r: r.status_code == 200)
    assert r.json() == {"status": "ok"}
    client = server.client()
    user = client.new_user()
    assert client.account(user.username, user.access).status_code == 200


def test_migrate_command_applies_the_schema_once(authd_factory):
    import subprocess
    server = authd_factory(start=False)
    server.port = 1  # unused: migrate does not listen
    env = server.environment()
    first = subprocess.run([server.binary, "migrate"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert first.returncode == 0, first.stderr
    migrations = os.path.join(os.path.dirname(__file__), "..", "..", "src", "store", "migrations")
    count = len([f for f in os.listdir(migrations) if f.endswith(".sql")])
    assert f"{count} migration(s) applied" in first.stderr
    again = subprocess.run([server.binary, "migrate"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr
    assert "0 migration(s) applied" in again.stderr
    # The migrated database serves as is.
    server.start()
    assert "0 migration(s) applied" in server.log()
    assert server.client().new_user().access


def test_unknown_command_is_refused_with_usage(authd_binary):
    import subprocess
    result = subprocess.run([authd_binary, "frobnicate"], capture_output=True, text=True,
                            timeout=10)
    assert result.returncode == 2
    assert "usage: authd" in result.stderr
