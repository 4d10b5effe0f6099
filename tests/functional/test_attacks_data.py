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
from authd_testlib import TIMEOUT, free_port, raw_http, sql_rows, unique_name

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
    return sql_rows(server.database_url, "SELECT id, recipient, status, mime FROM outbox")


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
    sql_rows(server.database_url,
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
