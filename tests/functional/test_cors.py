"""CORS (AUTH_CORS_ORIGINS): preflights, headers on every answer from an allowed origin, none
for other origins, none at all when unset, and configuration errors."""

import json
import os
import subprocess

import pytest
import requests

from authd_testlib import (
    BODY_BAD_LOGIN, SERVICES, TIMEOUT, free_port, parse_raw_response, raw_http,
)

FRONT_END = "https://game.example.com"
DEV_FRONT_END = "http://localhost:5173"
EXPOSED = "Retry-After, X-Request-Id, WWW-Authenticate"
ALLOWED_HEADERS = "Authorization, Content-Type, lang, X-Request-Id"


def cors_headers(r) -> dict:
    return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}


def methods(value: str) -> set:
    return {m.strip() for m in value.split(",") if m.strip()}


def assert_cors(r, origin=FRONT_END):
    assert r.headers.get("Access-Control-Allow-Origin") == origin, dict(r.headers)
    assert r.headers.get("Access-Control-Expose-Headers") == EXPOSED, dict(r.headers)
    assert "Origin" in [v.strip() for v in r.headers.get("Vary", "").split(",")], dict(r.headers)
    # Bearer tokens travel in a header: credentials (cookies) are never allowed.
    assert "Access-Control-Allow-Credentials" not in r.headers, dict(r.headers)


@pytest.fixture(scope="module")
def cors_server(module_factory):
    # Spaces, a default port and upper case are normalized away.
    return module_factory({"AUTH_CORS_ORIGINS": f" HTTPS://Game.Example.com:443 , {DEV_FRONT_END}"})


@pytest.fixture
def cors_client(cors_server):
    return cors_server.client()


def preflight(client, path, origin=FRONT_END, method="POST",
              request_headers="content-type, lang, authorization"):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    return client.request("OPTIONS", path, headers=headers)


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/login/"])
def test_preflight_for_login_from_the_front_end(cors_client, path):
    r = preflight(cors_client, path)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert r.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert methods(r.headers["Access-Control-Allow-Methods"]) == {"POST", "OPTIONS"}
    assert r.headers["Access-Control-Allow-Headers"] == ALLOWED_HEADERS
    # Every header the front end asked for is allowed (names compare without case).
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "lang", "authorization"} <= allowed
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_preflight_needs_no_authentication_and_lists_the_routes_methods(cors_client):
    r = preflight(cors_client, "/api/auth/update/someone", origin=DEV_FRONT_END, method="PATCH")
    assert r.status_code == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == DEV_FRONT_END
    assert methods(r.headers["Access-Control-Allow-Methods"]) == {"PUT", "PATCH", "OPTIONS"}
    r = preflight(cors_client, "/api/auth/someone", method="DELETE")
    assert r.status_code == 204, r.text
    assert methods(r.headers["Access-Control-Allow-Methods"]) == {"GET", "HEAD", "OPTIONS"}


def test_preflight_from_another_origin_is_403_without_cors_headers(cors_client):
    for origin in ("https://evil.example.com", "http://game.example.com",
                   "https://game.example.com:8443", "null"):
        r = preflight(cors_client, "/api/auth/login", origin=origin)
        assert r.status_code == 403, (origin, r.text)
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        body = r.json()
        assert body["code"] == "cors_forbidden" and body["detail"], body
        assert list(body)[0] == "detail"
        assert cors_headers(r) == {}, (origin, dict(r.headers))


def test_preflight_for_an_unknown_path_is_404(cors_client):
    r = preflight(cors_client, "/api/auth/no/such/route")
    assert r.status_code == 404, r.text
    assert "Access-Control-Allow-Methods" not in r.headers
    assert_cors(r)


def test_login_from_the_front_end_carries_cors(cors_client):
    user = cors_client.register()
    r = cors_client.post("/api/auth/login", json={"username": user.username,
                                                  "password": user.password},
                         headers={"Origin": FRONT_END, "lang": "fr"})
    assert r.status_code == 200, r.text
    assert set(r.json()) >= {"access", "refresh"}
    assert_cors(r)


def test_failed_login_from_the_front_end_carries_cors(cors_client):
    r = cors_client.post("/api/auth/login", json={"username": "nobody-here", "password": "x" * 12},
                         headers={"Origin": FRONT_END})
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN
    assert_cors(r)


def test_error_answers_carry_cors(cors_client, cors_server):
    origin = {"Origin": FRONT_END}
    r = cors_client.get("/api/auth/someone", headers=origin)  # no token: 401 with a challenge
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert_cors(r)
    r = cors_client.get("/api/auth/someone", headers={**origin, "Authorization": "Bearer x.y.z"})
    assert r.status_code == 401, r.text
    assert_cors(r)
    r = cors_client.get("/api/auth/no/such/route", headers=origin)
    assert r.status_code == 404, r.text
    assert_cors(r)
    r = cors_client.put("/api/auth/login", json={}, headers=origin)
    assert r.status_code == 405, r.text
    assert_cors(r)
    r = cors_client.post("/api/auth/login", data="{", headers={**origin,
                                                              "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert_cors(r)

    payload = b"{" + b" " * 70_000 + b"}"
    request = (b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Origin: " + FRONT_END.encode() + b"\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    status, headers, body = parse_raw_response(
        raw_http(cors_server.port, request, timeout=10, send_in_thread=True))
    assert status == 413, body[:300]
    assert headers.get("access-control-allow-origin") == FRONT_END, headers
    assert headers.get("access-control-expose-headers") == EXPOSED, headers


def test_other_origin_is_served_without_cors_headers(cors_client):
    r = cors_client.get("/healthz", headers={"Origin": "https://evil.example.com"})
    assert r.status_code == 200, r.text
    assert cors_headers(r) == {}, dict(r.headers)
    # The answer depends on Origin: shared caches must keep the variants apart.
    assert r.headers["Vary"] == "Origin"
    r = cors_client.get("/api/auth/jwks")
    assert r.status_code == 200 and cors_headers(r) == {}, dict(r.headers)
    assert r.headers["Vary"] == "Origin"


def test_plain_options_lists_the_methods(cors_client):
    r = cors_client.request("OPTIONS", "/api/auth/login")
    assert r.status_code == 204, r.text
    assert methods(r.headers["Allow"]) == {"POST", "OPTIONS"}
    assert cors_headers(r) == {}
    # From an allowed origin but not a preflight: an ordinary answer with CORS headers.
    r = cors_client.request("OPTIONS", "/api/auth/login", headers={"Origin": FRONT_END})
    assert r.status_code == 204, r.text
    assert methods(r.headers["Allow"]) == {"POST", "OPTIONS"}
    assert_cors(r)


def test_any_origin(module_factory):
    server = module_factory({"AUTH_CORS_ORIGINS": "*"})
    client = server.client()
    r = preflight(client, "/api/auth/refresh", origin="https://anyone.example")
    assert r.status_code == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    r = client.post("/api/auth/refresh", json={"refresh": "nope"},
                    headers={"Origin": "https://anyone.example"})
    assert r.status_code == 401, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.parametrize("value", ["", None])
def test_no_cors_headers_when_unset(authd_factory, value):
    server = authd_factory({"AUTH_CORS_ORIGINS": value})
    client = server.client()
    r = client.post("/api/auth/login", json={"username": "nobody-here", "password": "x" * 12},
                    headers={"Origin": FRONT_END})
    assert r.status_code == 401, r.text
    assert cors_headers(r) == {} and "Vary" not in r.headers, dict(r.headers)
    # A preflight is a plain OPTIONS then: the browser refuses it for want of CORS headers.
    r = preflight(client, "/api/auth/login")
    assert r.status_code == 204, r.text
    assert methods(r.headers["Allow"]) == {"POST", "OPTIONS"}
    assert cors_headers(r) == {} and "Vary" not in r.headers, dict(r.headers)


def run_with(authd_binary, tmp_path, overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env.update({"AUTH_LISTEN": f"127.0.0.1:{free_port()}", "AUTH_DATA_DIR": str(tmp_path),
                "AUTH_DATABASE_URL": f"sqlite://{tmp_path}/auth.db",
                "AUTH_SERVICES": ",".join(f"{k}:{v}" for k, v in SERVICES.items()),
                "AUTH_EMAIL_URL": "console:"})
    env.update(overrides)
    try:
        return subprocess.run([authd_binary], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=10, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"authd kept running with {overrides}")


@pytest.mark.parametrize("value", [
    "https://game.example.com/",          # a trailing slash never matches what browsers send
    "https://game.example.com/app",
    "game.example.com",
    "ftp://game.example.com",
    "https://user@game.example.com",
    "https://game.example.com:99999",
    "*,https://game.example.com",         # any origin only on its own
    "https://game.example.com,*",
    "null",
])
def test_bad_origins_exit_2_with_one_line(authd_binary, tmp_path, value):
    result = run_with(authd_binary, tmp_path, {"AUTH_CORS_ORIGINS": value})
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, f"status {result.returncode}, stderr:\n{stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "AUTH_CORS_ORIGINS" in lines[0], lines[0]


def test_effective_origins_are_logged(cors_server):
    assert f"config AUTH_CORS_ORIGINS={FRONT_END},{DEV_FRONT_END}" in cors_server.log()


def test_cors_does_not_break_same_origin_clients(cors_client):
    # No Origin (curl, the microservices): served as always.
    r = requests.get(cors_client.url("/api/auth/jwks"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert json.loads(r.text)["keys"]
