"""HTTP-level behaviour: health routes, 404/405, body parsing, size limits, media types."""

import json

import pytest
import requests

from authd_testlib import (
    BODY_NOT_FOUND, TIMEOUT, assert_json, parse_raw_response, random_password, raw_http,
    unique_name,
)


def register_body():
    name = unique_name()
    pw = random_password()
    return {"username": name, "password": pw, "password2": pw, "email": f"{name}@example.com"}


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok"}


def test_readyz(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/nothing-here", "/api/auth/does/not/exist", "/api",
                                  "/api/authx", "/api/auth/login/extra/more"])
def test_unknown_route_is_404(client, path):
    r = client.get(path)
    assert r.status_code == 404, r.text
    assert r.json() == BODY_NOT_FOUND
    assert_json(r)


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/api/auth/login", "POST"),
    ("GET", "/api/auth/login/", "POST"),
    ("DELETE", "/api/auth/refresh", "POST"),
    ("GET", "/api/auth/logout", "POST"),
    ("GET", "/api/auth/internal/auth", "POST"),
    ("POST", "/api/auth/jwks", "GET"),
    ("POST", "/healthz", "GET"),
])
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    r = client.request(method, path, json={})
    assert r.status_code == 405, r.text
    allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
    assert allowed in allow, r.headers
    assert method not in allow
    assert r.json() == {"detail": f'Method "{method}" not allowed.',
                        "code": "method_not_allowed"}


def test_text_plain_body_is_415(client):
    r = client.post("/api/auth/", data=json.dumps(register_body()),
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, r.text
    assert r.json() == {"detail": 'Unsupported media type "text/plain" in request.',
                        "code": "unsupported_media_type"}


def test_form_body_is_415(client):
    body = register_body()
    r = client.post("/api/auth/", data=body)  # application/x-www-form-urlencoded
    assert r.status_code == 415, r.text
    assert r.json() == {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
        "code": "unsupported_media_type"}
    # Nothing was created: the same body as JSON registers fine.
    assert client.register_raw(body).status_code == 201


def test_login_form_body_is_415(client):
    r = client.post("/api/auth/login", data={"username": "a", "password": "b"})
    assert r.status_code == 415, r.text
    assert r.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", [b'{"username": ', b"{'username': 'x'}", b"{,}", b"nul",
                                 b'{"a": 1} trailing', b"\xff\xfe{}"])
def test_malformed_json_is_parse_error(client, raw):
    r = client.post("/api/auth/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "parse_error"
    assert body["detail"].startswith("JSON parse error"), body


def test_duplicate_keys_are_parse_error(client):
    body = register_body()
    raw = json.dumps(body)[:-1] + ', "username": "' + unique_name() + '"}'
    r = client.post("/api/auth/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "parse_error"
    # Nothing was stored.
    assert client.register_raw(body).status_code == 201


def test_nesting_deeper_than_32_is_parse_error(client):
    raw = '{"username": ' + "[" * 40 + "]" * 40 + "}"
    r = client.post("/api/auth/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "parse_error"


def test_very_deep_nesting_is_rejected_and_server_survives(client):
    for raw in ("[" * 60000, "{\"a\":" * 12000, "[" * 30000 + "]" * 30000):
        r = client.post("/api/auth/login", data=raw,
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text[:200]
        assert r.json()["code"] == "parse_error"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("raw,kind", [(b"[]", "list"), (b'["a", 1]', "list"),
                                      (b'"a string"', "str"), (b"42", "int"),
                                      (b"true", "bool"), (b"null", None)])
def test_non_object_json_body(client, raw, kind):
    r = client.post("/api/auth/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    body = r.json()
    if raw == b"null":
        # DRF says "No data provided" here; any 400 validation or parse error will do.
        assert "non_field_errors" in body or body.get("code") == "parse_error", body
        return
    assert "non_field_errors" in body, body
    if kind == "list":
        assert body == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_body_over_64_kib_is_413(client):
    body = register_body()
    body["username"] = "x" * 100_000
    r = client.post("/api/auth/", json=body)
    assert r.status_code == 413, r.text[:300]
    assert r.json()["code"] == "payload_too_large"
    assert r.json()["detail"]


def test_2_mib_body_is_413(server):
    payload = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    request = (b"POST /api/auth/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\n"
               b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    status, headers, body = parse_raw_response(
        raw_http(server.port, request, timeout=10, send_in_thread=True))
    assert status == 413, body[:300]
    assert json.loads(body)["code"] == "payload_too_large"
    assert requests.get(server.base_url + "/healthz", timeout=TIMEOUT).status_code == 200


def test_2_mib_chunked_body_is_413(server):
    chunk = b"a" * 65536
    parts = [b'{"username": "']
    parts += [chunk] * 32
    parts.append(b'"}')
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    request = (b"POST /api/auth/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    status, headers, resp = parse_raw_response(
        raw_http(server.port, request, timeout=10, send_in_thread=True))
    assert status == 413, resp[:300]


def test_headers_over_8_kib_are_431(server):
    request = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"X-Big: " + b"a" * 10000 + b"\r\n\r\n")
    status, headers, body = parse_raw_response(raw_http(server.port, request, timeout=10))
    assert status == 431, body[:300]
    assert requests.get(server.base_url + "/healthz", timeout=TIMEOUT).status_code == 200


def test_garbage_request_line_does_not_crash(server):
    raw_http(server.port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n", timeout=3)
    raw_http(server.port, b"GET\r\n\r\n", timeout=3)
    assert requests.get(server.base_url + "/healthz", timeout=TIMEOUT).status_code == 200


def test_keep_alive_serves_several_requests_on_one_connection(server):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    data = raw_http(server.port, request * 3 + b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                    b"Connection: close\r\n\r\n", timeout=5, until_close=True)
    assert data.count(b"HTTP/1.1 200") == 4, data[:500]


def test_error_answers_are_json(client):
    for r in (client.get("/nope"), client.put("/api/auth/login"),
              client.get("/api/auth/someone")):
        assert_json(r)
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        json.loads(r.text)


@pytest.mark.parametrize("path,allowed", [
    ("/api/auth/login", {"POST", "OPTIONS"}),
    ("/api/auth/login/", {"POST", "OPTIONS"}),
    ("/api/auth/someone", {"GET", "HEAD", "OPTIONS"}),
    ("/api/auth/update/someone", {"PUT", "PATCH", "OPTIONS"}),
    ("/healthz", {"GET", "HEAD", "OPTIONS"}),
])
def test_options_is_204_with_allow(client, path, allowed):
    # Served on every route without authentication, like DRF's OPTIONS (which has a body).
    r = client.request("OPTIONS", path)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed
    # The 405 of the same path lists OPTIONS too.
    wrong = "DELETE" if "DELETE" not in allowed else "POST"
    r = client.request(wrong, path)
    assert r.status_code == 405, r.text
    assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed


def test_options_on_an_unknown_path_is_404(client):
    r = client.request("OPTIONS", "/api/auth/no/such/route")
    assert r.status_code == 404, r.text
    assert r.json() == BODY_NOT_FOUND
