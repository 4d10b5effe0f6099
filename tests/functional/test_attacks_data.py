"""Attacks on what authd keeps and writes (issue 14, items 2, 3, 9 and 12): live secrets read
from the database files or the outbox table, reset and verification tokens read from the log,
database passwords read from the start-up log, and answers that strict clients cannot read
because they carry invalid UTF-8 taken from a request.

Each test failed against the build before the fix (the commit bodies say how)."""

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from urllib.parse import quote

import pytest
import requests

from authd_mail import SUBJECT_EXPORT, SUBJECT_RESET, SUBJECT_VERIFY, SmtpSink, extract_link, \
    link_path
from authd_testlib import TIMEOUT, free_port, raw_http, sql, unique_name

ELLIPSIS = "\u2026"


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def wait_until(condition, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def outbox_rows(server) -> list[tuple]:
    """(id, recipient, status, mime) of every outbox row."""
    return sql(server.database_url, "SELECT id, recipient, status, mime FROM outbox")


# ----------------------------------------------------------------------------------------------
# item 2: the database files and the data dir are owner-only, whatever the umask

def start_with_umask(factory, env, database_url=None, umask=0o000):
    old = os.umask(umask)
    try:
        return factory(env, database_url=database_url)
    finally:
        os.umask(old)


def test_attack_database_files_and_data_dir_are_owner_only(authd_factory, backend):
    root = tempfile.mkdtemp(prefix="authd-perm-", dir="/tmp")
    try:
        data_dir = os.path.join(root, "data", "authd")
        db_path = os.path.join(root, "db", "auth.db")
        env = {"AUTH_DATA_DIR": data_dir}
        url = f"sqlite://{db_path}" if backend == "sqlite" else None
        # umask 000: what authd creates must not depend on the umask it was started with.
        server = start_with_umask(authd_factory, env, url)
        client = server.client()
        client.new_user()  # a write: the WAL and its index exist from here on
        private_files = [os.path.join(data_dir, "secret.key"),
                         os.path.join(data_dir, "jwt-eddsa.pem")]
        if backend == "sqlite":
            private_files += [db_path, db_path + "-wal", db_path + "-shm"]
        for directory in (data_dir, os.path.dirname(data_dir)) + (
                (os.path.dirname(db_path),) if backend == "sqlite" else ()):
            assert mode(directory) == 0o700, f"{directory}: {oct(mode(directory))}"
        for path in private_files:
            assert mode(path) == 0o600, f"{path}: {oct(mode(path))}"

        # Files left readable by an older build (or by hand) are tightened at the next start.
        server.stop()
        os.chmod(data_dir, 0o755)
        for path in private_files:
            if os.path.exists(path):
                os.chmod(path, 0o644)
        old = os.umask(0o000)
        try:
            server.start()  # on a new port
        finally:
            os.umask(old)
        server.client().new_user()
        assert mode(data_dir) == 0o700
        for path in private_files:
            assert mode(path) == 0o600, f"{path} after a restart: {oct(mode(path))}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# item 2: outbox messages sealed at rest, bodies erased once sent or given up

SECRET_MARKERS = ("/api/auth/verify_email/", "/api/auth/reset/", "Subject:", "MIME-Version",
                  "To:")


def assert_sealed(mime: str, user_email: str):
    assert mime, "the message body is empty while pending"
    for marker in SECRET_MARKERS + (user_email,):
        assert marker not in mime, f"{marker!r} readable in a queued message: {mime[:300]!r}"


def test_attack_outbox_holds_no_readable_link(authd_factory):
    """While a message waits in the outbox (the relay is down), its row gives nothing away:
    no link, no code, no header. Delivered, its body is erased; its metadata stays."""
    sink = SmtpSink()  # not started yet: the relay is down
    server = authd_factory(sink.env(AUTH_EMAIL_RETRY_BASE="1"))
    client = server.client()
    user = client.register()
    assert client.post("/api/auth/password_reset/", json={"email": user.email}).status_code == 200
    rows = wait_until(lambda: [r for r in outbox_rows(server) if r[1] == user.email] or None,
                      what="the queued messages")
    wait_until(lambda: len([r for r in outbox_rows(server) if r[1] == user.email]) == 2,
               what="two queued messages")
    rows = [r for r in outbox_rows(server) if r[1] == user.email]
    for _, _, status, mime in rows:
        assert status == "pending"
        assert_sealed(mime, user.email)

    # Opened to be delivered: the relay gets the whole message, links included.
    sink.start()
    try:
        verify = sink.wait_for(to=user.email, subject=SUBJECT_VERIFY, timeout=30)
        reset = sink.wait_for(to=user.email, subject=SUBJECT_RESET, timeout=30)
        extract_link(verify, "/api/auth/verify_email/")
        extract_link(reset, "/api/auth/reset/")

        def all_sent():
            mine = [r for r in outbox_rows(server) if r[1] == user.email]
            return mine if all(r[2] == "sent" for r in mine) else None

        for message_id, recipient, status, mime in wait_until(all_sent, what="sent rows"):
            assert mime == "", f"the body of sent message {message_id} is kept: {mime[:200]!r}"
            assert recipient == user.email
    finally:
        sink.stop()


def test_attack_outbox_erases_messages_given_up(authd_factory, smtp_sink_factory):
    sink = smtp_sink_factory()
    server = authd_factory(sink.env())
    client = server.client()
    address = f"{unique_name('gone')}@example.com".lower()
    sink.reject.add(address)  # a 550: the message is given up at once
    client.register(email=address)
    failed = wait_until(
        lambda: [r for r in outbox_rows(server) if r[1] == address and r[2] == "failed"] or None,
        what="the failed message")
    assert failed[0][3] == "", f"the body of a message given up is kept: {failed[0][3][:200]!r}"


def test_attack_outbox_still_delivers_messages_queued_in_clear(authd_factory, smtp_sink_factory):
    """Messages written in clear by an older build are delivered after the upgrade (and then
    erased): nothing is lost."""
    sink = smtp_sink_factory()
    server = authd_factory(sink.env())
    now = int(time.time())
    address = f"{unique_name('legacy')}@example.com".lower()
    mime = ("From: authd <no-reply@auth.example.test>\r\n"
            f"To: {address}\r\n"
            "Subject: Queued by an older build\r\n"
            "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
            f"Message-ID: <legacy-{now}@auth.example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Your link: https://auth.example.test/api/auth/reset/MQ/legacy-token/\r\n")
    message_id = f"legacy{now}"
    sql(server.database_url,
             "INSERT INTO outbox (id, recipient, sender, mime, created_at, next_attempt_at, "
             f"attempts, status) VALUES ('{message_id}', '{address}', "
             f"'no-reply@auth.example.test', '{mime}', {now}, {now}, 0, 'pending')")
    delivered = sink.wait_for(to=address, subject="Queued by an older build", timeout=30)
    assert "legacy-token" in delivered.text
    row = wait_until(lambda: [r for r in outbox_rows(server)
                              if r[0] == message_id and r[2] == "sent"] or None,
                     what="the legacy message marked sent")
    assert row[0][3] == ""


# ----------------------------------------------------------------------------------------------
# item 3: no secret path segment in any log line

def test_attack_reset_and_verification_tokens_never_reach_the_log(authd_factory, smtp_sink):
    server = authd_factory(smtp_sink.env())
    client = server.client()
    user = client.register()
    verify_link = extract_link(smtp_sink.wait_for(to=user.email, subject=SUBJECT_VERIFY),
                               "/api/auth/verify_email/")
    assert client.post("/api/auth/password_reset/", json={"email": user.email}).status_code == 200
    reset_link = extract_link(smtp_sink.wait_for(to=user.email, subject=SUBJECT_RESET),
                              "/api/auth/reset/")
    reset_path, verify_path = link_path(reset_link), link_path(verify_link)
    uid, token = re.fullmatch(r"/api/auth/reset/([^/]+)/([^/]+)/", reset_path).groups()
    verify_token = verify_path.rstrip("/").rsplit("/", 1)[1]

    # Every way a link can be opened, mistyped or refused.
    assert client.get(reset_path).status_code == 200
    assert client.get(reset_path, headers={"Accept": "application/json"}).status_code == 200
    assert client.request("HEAD", reset_path).status_code == 200
    assert client.post(reset_path, data={"new_password1": "x"}).status_code in (400, 403)
    assert client.get(reset_path + "?from=mail").status_code == 200
    assert client.get(reset_path + "extra/").status_code == 404
    assert client.get(reset_path.upper()).status_code == 404
    big = client.post(reset_path, data="x" * (70 * 1024),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    # Targets that no client library sends as they are: an escaped literal, an empty segment,
    # the absolute form, a request that cannot be parsed.
    for target, extra in ((reset_path.replace("/reset/", "/%72eset/"), ""),
                          ("/" + reset_path, ""), (reset_path.replace("/auth/", "/auth//"), ""),
                          (f"http://127.0.0.1:{server.port}{reset_path}", ""),
                          (reset_path, "Content-Length: x\r\n")):
        raw_http(server.port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
                              "Connection: close\r\n\r\n".encode())
    assert client.get(verify_path).status_code in (200, 400)

    # An access-log line is written once its answer has gone: wait for the last one.
    expected = f"/api/auth/verify_email/{uid}/{ELLIPSIS}/"
    deadline = time.monotonic() + 5
    while expected not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log()
    for secret in (token, verify_token):
        assert secret not in log, [line for line in log.splitlines() if secret in line]
        assert secret.upper() not in log
    # The lines are still there, with the secret segment replaced.
    assert f'"GET /api/auth/reset/{uid}/{ELLIPSIS}/" 200' in log
    assert f"/api/auth/verify_email/{uid}/{ELLIPSIS}/" in log


# ----------------------------------------------------------------------------------------------
# item 9: no credential of a URL setting in the start-up log

CREDENTIALS = ("Quser1nfo-secret", "Qquery-password", "Qssl-password", "/tmp/Qpassfile-path",
               "Qencoded-key-password", "Qupper-password")


def test_attack_database_url_credentials_are_masked_in_the_log(authd_factory, backend, databases):
    # Nothing listens on port 1: authd logs its configuration, then gives up at once.
    url = ("postgresql://authd:Quser1nfo-secret@127.0.0.1:1/authd?connect_timeout=2"
           "&password=Qquery-password&sslpassword=Qssl-password&passfile=/tmp/Qpassfile-path"
           "&p%61ssword=Qencoded-key-password&PASSWORD=Qupper-password")
    server = authd_factory({"AUTH_DATABASE_URL": url, "AUTH_DB_STARTUP_TIMEOUT": "0"},
                           start=False)
    with pytest.raises(RuntimeError):
        server.start()
    log = server.log()
    assert "config AUTH_DATABASE_URL=postgresql://authd:***@127.0.0.1:1/authd?" in log, log
    for secret in CREDENTIALS:
        assert secret not in log, [line for line in log.splitlines() if secret in line]
    if backend == "postgres":
        # A real database, with its password in the query as well.
        real = databases.new_url() + "?password=Qquery-password&sslpassword=Qssl-password"
        live = authd_factory(database_url=real)
        live.client().new_user()
        for secret in CREDENTIALS:
            assert secret not in live.log()


def test_attack_import_source_url_credentials_are_not_printed(authd_factory):
    server = authd_factory(start=False)
    server.port = free_port()
    bad = ("postgresql://django:Quser1nfo-secret@127.0.0.1:1/django"
           "?password=Qquery-password&sslpassword=Qssl-password%zz")
    for source in (bad, bad.replace("postgresql://", "PostgreSQL://")):
        result = subprocess.run([server.binary, "import-django", "--from", source],
                                env=server.environment(), capture_output=True, text=True,
                                timeout=60)
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert "nothing was imported" in output
        for secret in CREDENTIALS:
            assert secret not in output, output


# ----------------------------------------------------------------------------------------------
# item 12: every string from a request leaves authd as valid UTF-8

BAD_AGENT = b"Agent/1.0 \xff\xfe (\xc3) \xed\xa0\x80 end"
BAD_AGENT_REPAIRED = "Agent/1.0 \ufffd\ufffd (\ufffd) \ufffd\ufffd\ufffd end"
LONG_AGENT = ("a" * 255 + "\u00e9" * 4).encode()  # "é" is 2 bytes: 256 falls inside one


def strict_json(response: requests.Response):
    """What a strict client reads: the raw bytes decoded as UTF-8, errors fatal."""
    return json.loads(response.content.decode("utf-8", errors="strict"))


def login_with_agent(client, user, agent: bytes) -> str:
    r = client.post("/api/auth/login", json={"username": user.username, "password": user.password},
                    headers={"User-Agent": agent})
    assert r.status_code == 200, r.text
    return r.json()["access"]


def test_attack_sessions_list_with_invalid_utf8_user_agents(server):
    client = server.client()
    user = client.register()
    login_with_agent(client, user, BAD_AGENT)
    access = login_with_agent(client, user, LONG_AGENT)
    r = client.get("/api/auth/sessions/", token=access)
    assert r.status_code == 200
    sessions = strict_json(r)["sessions"]
    agents = {s["user_agent"] for s in sessions}
    assert agents == {BAD_AGENT_REPAIRED, "a" * 255}, agents
    for session in sessions:
        for event in session["events"]:
            assert event["user_agent"] in (BAD_AGENT_REPAIRED, "a" * 255)


def test_attack_stored_invalid_user_agent_is_repaired_on_the_way_out(server, backend):
    """A user agent an older build stored as it came (SQLite keeps any bytes) is repaired where
    the answer is written."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL never stores invalid UTF-8")
    client = server.client()
    user = client.new_user()
    sql(server.database_url,
             "UPDATE sessions SET user_agent = CAST(X'4f6c64ff2061676501' AS TEXT) WHERE user_id ="
             f" (SELECT id FROM users WHERE username = '{user.username}')")
    r = client.get("/api/auth/sessions/", token=user.access)
    assert r.status_code == 200
    assert strict_json(r)["sessions"][0]["user_agent"] == "Old\ufffd age\x01"


def test_attack_415_quotes_the_content_type_as_valid_utf8(server):
    client = server.client()
    for path in ("/api/auth/login", "/api/auth/password_reset/"):
        r = client.post(path, data=b'{"a": 1}', headers={"Content-Type": b"text/\xff\xe2\x82x"})
        assert r.status_code == 415, r.text
        assert strict_json(r)["detail"] == 'Unsupported media type "text/\ufffd\ufffdx" in request.'
    # A long one is cut between characters.
    r = client.post("/api/auth/login", data=b"{}",
                    headers={"Content-Type": ("x/" + "\u00e9" * 300).encode()})
    assert r.status_code == 415
    strict_json(r)


def test_attack_data_export_carries_valid_utf8(mail_authd, smtp_sink):
    client = mail_authd.client()
    user = client.register()
    access = login_with_agent(client, user, BAD_AGENT)
    login_with_agent(client, user, LONG_AGENT)
    assert client.get("/api/auth/dump_data/", token=access).status_code == 202
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_EXPORT)
    (_, _, data), = message.attachments
    export = json.loads(data.decode("utf-8", errors="strict"))
    agents = {s["user_agent"] for s in export["sessions"]}
    assert agents == {BAD_AGENT_REPAIRED, "a" * 255}
    assert agents <= {e["user_agent"] for e in export["security_events"]}
