"""Attacks through the request itself (issue 5, attack suite): mass assignment, IDOR on every
owner-only route, use after delete, oversized bodies and passwords, malformed JSON, wrong media
types, SQL injection in every field and path, method tampering and method-override headers.
Every test checks the answer and that nothing was stored or changed (the account as read by its
owner, the password, the sessions, the rows of the database).

Already covered elsewhere and not repeated here: test_http.py (parse errors, 2 MiB and chunked
413, 405 with Allow), test_register.py / test_account.py (one unknown field at a time, IDOR on
GET/PATCH/password/delete for an existing user), test_edge_cases.py (odd paths)."""

import json
import time
from urllib.parse import quote

import pytest
import requests

from authd_testlib import (
    BODY_BAD_LOGIN, User, BODY_FORBIDDEN, BODY_NOT_AUTHENTICATED, MSG_NOT_STRING,
    MSG_NULL, MSG_PASSWORD_NOT_HERE, MSG_UNKNOWN_FIELD, SERVICES, TIMEOUT,
    assert_refresh_invalid, assert_token_not_valid, count_rows, parse_raw_response,
    password_hashes, random_password, raw_http, unique_name,
)

BIG_BODY_LIMIT = 4 * 1024 * 1024
MIB = 1024 * 1024
BODY_TOO_LARGE = {"detail": "Request body is too large (limit 65536 bytes).",
                  "code": "payload_too_large"}


@pytest.fixture(scope="module")
def server(module_factory):
    return module_factory({"AUTH_LOGIN_FAILURES_PER_IP": "100000"})


@pytest.fixture(scope="module")
def big_body_server(module_factory):
    return module_factory({"AUTH_MAX_BODY_BYTES": str(BIG_BODY_LIMIT)})


# ----------------------------------------------------------------------------------------------
# helpers

def q(text: str) -> str:
    return quote(text, safe="")


def owner_routes(name: str) -> list:
    """(method, path, body) of every owner-only route that names a user."""
    password = random_password()
    return [
        ("GET", f"/api/auth/{q(name)}", None),
        ("PUT", f"/api/auth/update/{q(name)}",
         {"username": unique_name("stolen"), "email": unique_name() + "@example.com",
          "two_fa_enable": False, "lang": "fr"}),
        ("PATCH", f"/api/auth/update/{q(name)}", {"lang": "es", "email": "x@example.com"}),
        ("PUT", f"/api/auth/password/{q(name)}",
         {"password": password, "new_password": password, "new_password2": password}),
        ("PATCH", f"/api/auth/password/{q(name)}",
         {"password": password, "new_password": password, "new_password2": password}),
        ("DELETE", f"/api/auth/delete/{q(name)}", None),
    ]


def read_account(client, user) -> dict:
    r = client.account(user.username, user.access)
    assert r.status_code == 200, r.text
    return r.json()


def session_count(client, access) -> int:
    r = client.get("/api/auth/sessions/", token=access)
    assert r.status_code == 200, r.text
    return len(r.json()["sessions"])


def users_in_db(server) -> int:
    return count_rows(server.database_url, "users")


def assert_untouched(client, user, before: dict, sessions: int):
    """The owner reads the same account, its password is the same, its sessions the same."""
    assert read_account(client, user) == before
    assert session_count(client, user.access) == sessions
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 200, f"the owner's password no longer works: {r.text}"


def assert_closed_with_413(data: bytes, port: int):
    status, headers, body = parse_raw_response(data)
    assert status == 413, data[:300]
    assert json.loads(body[:int(headers["content-length"])]) == BODY_TOO_LARGE
    assert headers.get("connection", "").lower() == "close", headers


# ----------------------------------------------------------------------------------------------
# mass assignment

FORBIDDEN_ON_REGISTER = {"is_staff": True, "is_superuser": True, "is_active": False,
                         "email_verified": True, "id": 1, "two_fa_methods": ["totp"],
                         "date_joined": "2000-01-01T00:00:00Z", "last_login": None,
                         "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"}


def test_attack_mass_assignment_on_register(server):
    client = server.client()
    users_before = users_in_db(server)
    name = unique_name()
    password = random_password()
    base = {"username": name, "email": f"{name}@example.com", "password": password,
            "password2": password}
    r = client.register_raw({**base, **FORBIDDEN_ON_REGISTER})
    assert r.status_code == 400, r.text
    assert r.json() == {field: [MSG_UNKNOWN_FIELD] for field in FORBIDDEN_ON_REGISTER}
    for field, value in FORBIDDEN_ON_REGISTER.items():
        r = client.register_raw({**base, field: value})
        assert r.status_code == 400, f"{field}: {r.status_code} {r.text}"
        assert r.json() == {field: [MSG_UNKNOWN_FIELD]}, field
    # Nothing was stored: the name is free, the password does not log in.
    assert users_in_db(server) == users_before
    assert client.login_raw(name, password).json() == BODY_BAD_LOGIN
    r = client.register_raw(base)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["email_verified"] is False and created["two_fa_methods"] == []
    assert created["date_joined"] > "2020" and created["last_login"] is None
    assert users_in_db(server) == users_before + 1


def test_attack_mass_assignment_on_update(server):
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    path = f"/api/auth/update/{q(user.username)}"
    forbidden = {k: v for k, v in FORBIDDEN_ON_REGISTER.items() if k != "password_hash"}
    forbidden.update({"password2": "x", "new_password": random_password(),
                      "date_joined": "1999-01-01T00:00:00Z"})
    for method in ("PATCH", "PUT"):
        base = ({"lang": "fr"} if method == "PATCH" else
                {"username": user.username, "email": user.email, "two_fa_enable": False,
                 "lang": "fr"})
        r = client.request(method, path, json={**base, **forbidden}, token=user.access)
        assert r.status_code == 400, r.text
        assert r.json() == {field: [MSG_UNKNOWN_FIELD] for field in forbidden}
        for field, value in forbidden.items():
            r = client.request(method, path, json={**base, field: value}, token=user.access)
            assert r.status_code == 400, f"{method} {field}: {r.status_code} {r.text}"
            assert r.json() == {field: [MSG_UNKNOWN_FIELD]}, field
        # `password` is a known word here, for re-authentication only: never a new password.
        new_password = random_password()
        r = client.request(method, path, json={**base, "password": new_password},
                           token=user.access)
        assert r.status_code == 400, r.text
        assert r.json() == {"password": [MSG_PASSWORD_NOT_HERE]}
        assert client.login_raw(user.username, new_password).status_code == 401
    assert_untouched(client, user, before, sessions + 0)


# ----------------------------------------------------------------------------------------------
# IDOR

def test_attack_idor_on_every_username_route(server):
    client = server.client()
    attacker = client.new_user()
    victim = client.new_user()
    victim_before, victim_sessions = read_account(client, victim), session_count(client,
                                                                                 victim.access)
    attacker_before = read_account(client, attacker)
    targets = [victim.username, victim.username.upper(), unique_name("ghost"),
               victim.email, f"{victim.username}%", f"{victim.username}\u0000"]
    for target in targets:
        for method, path, body in owner_routes(target):
            r = client.request(method, path, json=body, token=attacker.access)
            assert r.status_code == 403, f"{method} {path}: {r.status_code} {r.text}"
            assert r.json() == BODY_FORBIDDEN, f"{method} {path}"
            # A body that would be refused anyway does not change the answer: the owner check
            # comes before the body is read.
            r = client.request(method, path, data="{not json", token=attacker.access,
                               headers={"Content-Type": "text/plain"})
            assert r.status_code == 403, f"{method} {path} (bad body): {r.status_code}"
            assert r.json() == BODY_FORBIDDEN
    # The victim is untouched; the attacker did not change itself either.
    assert_untouched(client, victim, victim_before, victim_sessions + 0)
    assert read_account(client, attacker) == attacker_before


def test_attack_idor_without_or_with_foreign_tokens(server):
    """No token, or a service token: 401 before any owner check, victim unchanged."""
    client = server.client()
    victim = client.new_user()
    before, sessions = read_account(client, victim), session_count(client, victim.access)
    service = client.service_token()
    for method, path, body in owner_routes(victim.username):
        r = client.request(method, path, json=body)
        assert r.status_code == 401 and r.json() == BODY_NOT_AUTHENTICATED, f"{method} {path}"
        assert_token_not_valid(client.request(method, path, json=body, token=service))
    assert_untouched(client, victim, before, sessions)


def test_attack_use_after_delete(server):
    client = server.client()
    user = client.new_user()
    other_session = client.login(user)
    r = client.delete(f"/api/auth/delete/{q(user.username)}", token=user.access)
    assert r.status_code == 204, r.text
    users_after_delete = users_in_db(server)
    routes = owner_routes(user.username) + [
        ("GET", "/api/auth/sessions/", None), ("POST", "/api/auth/logout_all", None),
        ("GET", "/api/auth/dump_data/", None), ("POST", "/api/auth/verify_email/", None),
        ("POST", "/api/auth/2fa/totp/", None), ("DELETE", "/api/auth/2fa/totp/", None),
        ("POST", "/api/auth/2fa/recovery_codes/", {"password": user.password}),
    ]
    for session in (user, other_session):
        for method, path, body in routes:
            assert_token_not_valid(client.request(method, path, json=body,
                                                  token=session.access))
        assert_refresh_invalid(client.refresh(session.refresh))
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    r = client.post("/api/auth/otp", json={"username": user.username, "password": user.password,
                                           "otp": "123456"})
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    # A second delete with the dead token deletes nothing else.
    assert users_in_db(server) == users_after_delete


# ----------------------------------------------------------------------------------------------
# oversized input

def test_attack_ten_megabyte_body(server):
    client = server.client()
    users_before = users_in_db(server)
    name = unique_name("huge")
    password = random_password()
    payload = json.dumps({"username": name, "email": f"{name}@example.com",
                          "password": password, "password2": password,
                          "lang": "x" * (10 * MIB)}).encode()
    head = (f"POST /api/auth/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
    started = time.monotonic()
    data = raw_http(server.port, head + payload, send_in_thread=True, until_close=True)
    assert time.monotonic() - started < 5, "the server read the whole body before refusing it"
    assert_closed_with_413(data, server.port)
    # The same, chunked (no Content-Length to refuse early on).
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10 * 16)) + b"0\r\n\r\n"
    head = (b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    data = raw_http(server.port, head + body, send_in_thread=True, until_close=True)
    assert_closed_with_413(data, server.port)
    # The server is fine and stored nothing.
    assert client.get("/healthz").status_code == 200
    assert users_in_db(server) == users_before
    assert client.login_raw(name, password).json() == BODY_BAD_LOGIN


def test_attack_one_megabyte_password_is_413_without_hashing(server):
    client = server.client()
    user = client.new_user()
    before_account, sessions = read_account(client, user), session_count(client, user.access)
    users_before = users_in_db(server)
    huge = "p" * MIB
    hashes = password_hashes(client)
    answers = [
        client.register_raw({"username": unique_name(), "email": unique_name() + "@example.com",
                             "password": huge, "password2": huge}),
        client.login_raw(user.username, huge),
        client.put(f"/api/auth/password/{q(user.username)}", token=user.access,
                   json={"password": huge, "new_password": huge, "new_password2": huge}),
        client.post("/api/auth/otp", json={"username": user.username, "password": huge,
                                           "otp": "123456"}),
    ]
    for r in answers:
        assert r.status_code == 413, f"{r.request.url}: {r.status_code} {r.text[:200]}"
        assert r.json() == BODY_TOO_LARGE
    assert password_hashes(client) == hashes, "a password over the body limit was hashed"
    assert users_in_db(server) == users_before
    assert_untouched(client, user, before_account, sessions)


def test_attack_one_megabyte_password_under_a_raised_body_limit(big_body_server):
    """With AUTH_MAX_BODY_BYTES at 4 MiB a 1 MB password reaches the handlers. What the server
    does: register and password change refuse it by length (400) without hashing it; login
    verifies it once, exactly like any wrong password, so its answer and its work say nothing
    about the account (Argon2id absorbs the input once into its BLAKE2b pre-hash, so its cost
    does not grow with the length: ~15 ms against ~8 ms here)."""
    client = big_body_server.client()
    user = client.new_user()
    before_account, sessions = read_account(client, user), session_count(client, user.access)
    users_before = users_in_db(big_body_server)
    huge = "p" * MIB
    hashes = password_hashes(client)
    r = client.register_raw({"username": unique_name(), "email": unique_name() + "@example.com",
                             "password": huge, "password2": huge})
    assert r.status_code == 400, r.text[:300]
    assert r.json()["password"][0].startswith("This password is too long."), r.text[:300]
    assert password_hashes(client) == hashes, "a refused registration hashed the password"
    assert users_in_db(big_body_server) == users_before

    for login in (user.username, unique_name("nobody")):
        started = time.monotonic()
        r = client.login_raw(login, huge)
        assert time.monotonic() - started < 2
        assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
        assert password_hashes(client) == hashes + 1, "not exactly one hash for a login"
        hashes += 1

    # The password route checks the current password (one hash) and refuses the new one by
    # its length without hashing it.
    r = client.put(f"/api/auth/password/{q(user.username)}", token=user.access,
                   json={"password": user.password, "new_password": huge,
                         "new_password2": huge})
    assert r.status_code == 400, r.text[:300]
    assert list(r.json()) == ["new_password"]
    assert password_hashes(client) == hashes + 1
    assert_untouched(client, user, before_account, sessions)


# ----------------------------------------------------------------------------------------------
# malformed bodies

MALFORMED = [
    (b'{"username": "a", "password": "b"', "incomplete JSON"),
    (b'{"username": "a", "password": "b"} {}', "extra data after the JSON value"),
    (b'{"username": "a", "username": "b", "password": "c"}', "duplicate key in object"),
    (b'{"username": "a", "password": "b", "password": "b"}', "duplicate key in object"),
    (b'{"username": NaN, "password": "b"}', None),
    (b'{"username": Infinity, "password": "b"}', None),
    (b'{"username": -Infinity, "password": "b"}', None),
    (b"{'username': 'a', 'password': 'b'}", None),
    (b'{"username": "a", "password": "b",}', None),
    (b'{"username": "a" /* c */, "password": "b"}', None),
    (b'{"username": "\xff\xfe", "password": "b"}', None),
    (b'{"username": "\xc0\xaf", "password": "b"}', None),
    (b'\xef\xbb\xbf{"username": "a", "password": "b"}', None),
    (b'{"username": "a\x00", "password": "b"}', None),
    (b'{"username": "\\ud800", "password": "b"}', None),
    (b"[" * 40 + b"]" * 40, None),
]


def test_attack_malformed_json(server):
    client = server.client()
    user = client.register()
    users_before = users_in_db(server)
    for raw, reason in MALFORMED:
        for path in ("/api/auth/login", "/api/auth/"):
            r = client.post(path, data=raw, headers={"Content-Type": "application/json"})
            assert r.status_code == 400, f"{raw[:40]!r} on {path}: {r.status_code} {r.text}"
            body = r.json()
            assert body.get("code") == "parse_error" and body["detail"].startswith(
                "JSON parse error - "), f"{raw[:40]!r}: {body}"
            if reason:
                assert body["detail"] == f"JSON parse error - {reason}"
    # Valid JSON of the wrong shapes: field errors, never a session or a user.
    u, pw = json.dumps(user.username), json.dumps(user.password)
    wrong_types = [
        ('{"username": null, "password": null}',
         {"username": [MSG_NULL], "password": [MSG_NULL]}),
        (f'{{"username": [{u}], "password": {pw}}}', {"username": [MSG_NOT_STRING]}),
        ('{"username": {"$ne": ""}, "password": {"$ne": ""}}',
         {"username": [MSG_NOT_STRING], "password": [MSG_NOT_STRING]}),
        (f'{{"username": {u}, "password": [{pw}]}}', {"password": [MSG_NOT_STRING]}),
        ('{"username": true, "password": 1e999}',
         {"username": [MSG_NOT_STRING], "password": [MSG_NOT_STRING]}),
        (f'{{"username": {u}, "password": {pw}, "": 1}}', {"": [MSG_UNKNOWN_FIELD]}),
    ]
    for raw, expected in wrong_types:
        r = client.post("/api/auth/login", data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, f"{raw}: {r.status_code} {r.text}"
        assert r.json() == expected, raw
    # An empty body is no data (as in DRF), whatever its type: the required fields.
    r = client.post("/api/auth/login", data=b"", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and set(r.json()) == {"username", "password"}, r.text
    for body in ([user.username, user.password], "x", 1, True):
        r = client.post("/api/auth/login", json=body)
        assert r.status_code == 400 and list(r.json()) == ["non_field_errors"], r.text
    assert users_in_db(server) == users_before
    assert client.get("/healthz").status_code == 200
    logged_in = client.login(user)
    assert session_count(client, logged_in.access) == 1


def test_attack_form_and_text_bodies_on_json_routes(server):
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    users_before = users_in_db(server)
    name = unique_name()
    password = random_password()
    register = {"username": name, "email": f"{name}@example.com", "password": password,
                "password2": password}
    routes = [
        ("POST", "/api/auth/", register, None),
        ("POST", "/api/auth/login", {"username": user.username, "password": user.password}, None),
        ("POST", "/api/auth/refresh", {"refresh": user.refresh}, None),
        ("POST", "/api/auth/logout", {"refresh": user.refresh}, None),
        ("POST", "/api/auth/internal/auth", {"serviceName": "users",
                                             "password": SERVICES["users"]}, None),
        ("PATCH", f"/api/auth/update/{q(user.username)}", {"lang": "fr"}, user.access),
        ("PUT", f"/api/auth/password/{q(user.username)}",
         {"password": user.password, "new_password": password, "new_password2": password},
         user.access),
    ]
    for method, path, fields, token in routes:
        encodings = {
            "text/plain": json.dumps(fields),
            "application/x-www-form-urlencoded": "&".join(f"{k}={q(str(v))}"
                                                          for k, v in fields.items()),
            "multipart/form-data; boundary=zz": "".join(
                f'--zz\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in fields.items()) + "--zz--\r\n",
            "application/xml": "<r>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
                               + "</r>",
            "application/jsonx": json.dumps(fields),
            "text/json": json.dumps(fields),
        }
        for content_type, data in encodings.items():
            r = client.request(method, path, data=data, token=token,
                               headers={"Content-Type": content_type})
            media = content_type.split(";")[0]
            assert r.status_code == 415, f"{method} {path} {content_type}: {r.status_code}"
            assert r.json() == {"detail": f'Unsupported media type "{media}" in request.',
                                "code": "unsupported_media_type"}
    # Nothing happened: no user, no session, no rotation, no logout, same password.
    assert users_in_db(server) == users_before
    assert client.login_raw(name, password).json() == BODY_BAD_LOGIN
    r = client.introspect(user.refresh, client.service_token())
    assert r.json()["active"] is True, "the refresh token was spent or revoked"
    assert_untouched(client, user, before, sessions)


# ----------------------------------------------------------------------------------------------
# SQL injection

SQLI = ["' OR 1=1 --", "' OR '1'='1", '" OR ""="', "admin'--", "'; DROP TABLE users; --",
        "1'; DELETE FROM sessions; --", "' UNION SELECT password_hash FROM users --",
        "%' OR 1=1 --", "\\' OR 1=1 --", "'||(SELECT sqlite_version())||'",
        "'); SELECT pg_sleep(3); --", "1 AND (SELECT 1 FROM pg_sleep(3)) --",
        "$$; DROP TABLE sessions; $$", "'; UPDATE users SET is_staff=1; --"]
SQL_TEXT = ("syntax error", "sqlite", "postgres", "SQLSTATE", "unrecognized token",
            "SELECT", "DROP TABLE")


def test_attack_sql_injection_in_every_field_and_path(server):
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    service = client.service_token()
    tables = ("users", "sessions", "one_time_tokens", "rate_events", "outbox",
              "security_events", "login_tickets")
    target = client.register()  # wrong passwords go to this one (it may reach its backoff)
    counts_before = {t: count_rows(server.database_url, t) for t in ("users", "sessions")}
    created = 0
    slow = []

    def send(method, path, body=None, token=None, headers=None, expect=(400, 401, 403, 404, 429)):
        # 429: wrong current passwords count as failed logins, so the account may wait.
        started = time.monotonic()
        r = client.request(method, path, json=body, token=token, headers=headers)
        elapsed = time.monotonic() - started
        if elapsed > 2:
            slow.append((method, path, body, elapsed))
        assert r.status_code in expect, f"{method} {path} {body}: {r.status_code} {r.text}"
        for text in SQL_TEXT:
            assert text.lower() not in r.text.lower() or text.lower() in json.dumps(body).lower(),\
                f"{method} {path}: {r.text}"
        return r

    me = q(user.username)
    created_sessions = 0
    for p in SQLI:
        name = unique_name()
        good = random_password()
        reg = {"username": name, "email": f"{name}@example.com", "password": good,
               "password2": good}
        send("POST", "/api/auth/", {**reg, "username": p})
        send("POST", "/api/auth/", {**reg, "email": p})
        r = send("POST", "/api/auth/", {**reg, "email": f"{name}+{p}@example.com"},
                 expect=(201, 400))  # "admin'--" is valid in an address
        if r.status_code == 201:
            created += 1
            assert r.json()["email"] == f"{name}+{p}@example.com"
            reg = {**reg, "username": unique_name(), "email": f"{unique_name()}@example.com"}
        send("POST", "/api/auth/", {**reg, "lang": p})
        # A password is any text: stored as it is (hashed), never interpreted.
        pw = p + " " + good
        r = send("POST", "/api/auth/", {**reg, "password": pw, "password2": pw},
                 expect=(201, 400))
        if r.status_code == 201:
            created += 1
            created_sessions += 1
            assert client.login_raw(reg["username"], pw).status_code == 200
            assert client.login_raw(reg["username"], p).status_code == 401
        send("POST", "/api/auth/login", {"username": p, "password": p})
        send("POST", "/api/auth/login", {"username": target.username, "password": p},
             expect=(401, 429))
        send("POST", "/api/auth/login", {"username": f"{user.username}{p}",
                                         "password": user.password})
        send("POST", "/api/auth/refresh", {"refresh": p})
        send("POST", "/api/auth/logout", {"refresh": p})
        send("POST", "/api/auth/otp", {"ticket": p, "code": p})
        send("POST", "/api/auth/otp", {"username": p, "password": p, "otp": p})
        send("POST", "/api/auth/internal/auth", {"serviceName": p, "password": p})
        send("POST", "/api/auth/internal/auth", {"serviceName": "users", "password": p})
        r = send("POST", "/api/auth/introspect", {"token": p}, token=service, expect=(200,))
        assert r.json() == {"active": False}
        send("POST", "/api/auth/password_reset/", {"email": p})
        send("PATCH", f"/api/auth/update/{me}", {"username": p}, token=user.access)
        send("PATCH", f"/api/auth/update/{me}", {"email": p}, token=user.access)
        send("PATCH", f"/api/auth/update/{me}", {"lang": p}, token=user.access)
        send("PUT", f"/api/auth/password/{me}",
             {"password": p, "new_password": p, "new_password2": p}, token=user.access)
        send("POST", "/api/auth/2fa/totp/confirm", {"code": p}, token=user.access)
        send("GET", f"/api/auth/{q(p)}", token=user.access)
        send("PATCH", f"/api/auth/update/{q(p)}", {"lang": "fr"}, token=user.access)
        send("DELETE", f"/api/auth/delete/{q(p)}", token=user.access)
        send("DELETE", f"/api/auth/sessions/{q(p)}", token=user.access)
        send("GET", f"/api/auth/reset/{q(p)}/{q(p)}/", headers={"Accept": "application/json"})
        send("POST", f"/api/auth/reset/{q(p)}/{q(p)}/",
             {"new_password": good, "new_password2": good})
        send("GET", f"/api/auth/verify_email/{q(p)}/{q(p)}/",
             headers={"Accept": "application/json"})
        send("GET", f"/api/auth/{me}", headers={"Authorization": f"Bearer {p}"})
    # Headers that are stored: a User-Agent is kept as text.
    agent = SQLI[4]
    # The wrong current passwords above count as failed logins of this account from this
    # address: wait out its backoff (a 429 opens no session).
    for _ in range(10):
        r = client.login_raw(user.username, user.password, headers={"User-Agent": agent})
        if r.status_code != 429:
            break
        time.sleep(int(r.headers["Retry-After"]))
    assert r.status_code == 200, r.text
    logged = User(user.username, user.password, user.email, access=r.json()["access"],
                  refresh=r.json()["refresh"])
    r = client.get("/api/auth/sessions/", token=logged.access)
    assert [s["user_agent"] for s in r.json()["sessions"] if s["current"]] == [agent]

    assert not slow, f"requests that took over 2 s (an injected sleep?): {slow}"
    # The database is intact: every table is there, nothing was added or removed but the
    # registrations and the one login above.
    for table in tables:
        count_rows(server.database_url, table)
    assert count_rows(server.database_url, "users") == counts_before["users"] + created
    assert (count_rows(server.database_url, "sessions")
            == counts_before["sessions"] + 1 + created_sessions)
    after = read_account(client, user)
    assert after.pop("last_login") >= before.pop("last_login")  # the User-Agent login above
    assert after == before
    assert session_count(client, user.access) == sessions + 1
    assert client.login_raw(user.username, user.password).status_code == 200


# ----------------------------------------------------------------------------------------------
# methods

POST_ROUTES = ["/api/auth/", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout",
               "/api/auth/logout_all", "/api/auth/otp", "/api/auth/internal/auth",
               "/api/auth/introspect", "/api/auth/password_reset/", "/api/auth/verify_email/",
               "/api/auth/2fa/totp/confirm", "/api/auth/2fa/recovery_codes/"]


def raw_answer(server, method: str, path: str, extra: str = "") -> tuple:
    request = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
               f"Content-Length: 0\r\n\r\n").encode()
    return parse_raw_response(raw_http(server.port, request))


def test_attack_method_tampering_trace_connect_put(server):
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    auth = f"Authorization: Bearer {user.access}\r\nCookie: authd_csrf=secret-cookie\r\n"
    for path in POST_ROUTES:
        for method in ("TRACE", "CONNECT", "PUT", "PATCH", "DELETE", "GET"):
            status, headers, body = raw_answer(server, method, path, auth)
            assert status == 405, f"{method} {path}: {status} {body[:200]!r}"
            assert headers["allow"] == "POST, OPTIONS", f"{method} {path}: {headers}"
            assert json.loads(body) == {"detail": f'Method "{method}" not allowed.',
                                        "code": "method_not_allowed"}
            # Nothing of the request is echoed back (no cross-site tracing).
            assert user.access.encode() not in body and b"secret-cookie" not in body
    # TRACE on a route that does have GET: still 405, and no echo.
    status, headers, body = raw_answer(server, "TRACE", f"/api/auth/{q(user.username)}", auth)
    assert status == 405 and headers["allow"] == "GET, HEAD, OPTIONS"
    assert user.access.encode() not in body
    assert_untouched(client, user, before, sessions)


def test_attack_method_override_headers_are_ignored(server):
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    overrides = {"X-HTTP-Method-Override": "DELETE", "X-HTTP-Method": "DELETE",
                 "X-Method-Override": "DELETE"}
    # POST on the account's GET route with a DELETE override: still a POST, so 405.
    for path in (f"/api/auth/{q(user.username)}", f"/api/auth/delete/{q(user.username)}"):
        r = client.post(path + "?_method=DELETE", token=user.access, headers=overrides)
        assert r.status_code == 405, r.text
    # GET on login with a POST override: 405, no tokens.
    r = client.get("/api/auth/login", headers={"X-HTTP-Method-Override": "POST"},
                   json={"username": user.username, "password": user.password})
    assert r.status_code == 405 and "access" not in r.text
    # POST on update with a PATCH override: 405, nothing changed.
    r = client.post(f"/api/auth/update/{q(user.username)}", token=user.access,
                    headers={"X-HTTP-Method-Override": "PATCH"}, json={"lang": "fr"})
    assert r.status_code == 405 and r.headers["Allow"] == "PUT, PATCH, OPTIONS"
    # Path overrides of some frameworks are ignored as well.
    r = client.get("/healthz", token=user.access,
                   headers={"X-Original-URL": f"/api/auth/delete/{q(user.username)}",
                            "X-Rewrite-URL": f"/api/auth/delete/{q(user.username)}"})
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert_untouched(client, user, before, sessions)


def test_attack_control_characters_in_path_parameters(server):
    """Percent-encoded CR/LF/NUL in a path parameter reach no header and match nobody else."""
    client = server.client()
    user = client.new_user()
    before, sessions = read_account(client, user), session_count(client, user.access)
    for suffix in ("%0d%0aSet-Cookie:%20x=1", "%00", "%0a", "%0d"):
        for path in (f"/api/auth/{q(user.username)}{suffix}",
                     f"/api/auth/delete/{q(user.username)}{suffix}"):
            method = "GET" if "delete" not in path else "DELETE"
            r = requests.request(method, server.base_url + path, timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {user.access}"})
            assert r.status_code == 403 and r.json() == BODY_FORBIDDEN, f"{path}: {r.text}"
            assert "Set-Cookie" not in r.headers
            assert all("\n" not in v and "\r" not in v for v in r.headers.values())
    assert_untouched(client, user, before, sessions)


def test_attack_path_segments_that_are_not_utf8(server):
    """A path parameter that decodes to bytes that are not UTF-8 is a 400 naming the problem
    on either database (PostgreSQL cannot even compare it as text)."""
    client = server.client()
    user = client.new_user()
    for method, path in (("DELETE", "/api/auth/sessions/%ff"),
                         ("DELETE", "/api/auth/passkeys/%ff"),
                         ("PATCH", "/api/auth/passkeys/a%c3")):
        body = {"name": "x"} if method == "PATCH" else None
        r = client.request(method, path, json=body, token=user.access)
        assert r.status_code == 400, f"{method} {path}: {r.status_code} {r.text}"
        assert r.json() == {"detail": "Text must be valid UTF-8.", "code": "invalid"}
