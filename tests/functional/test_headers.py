"""Headers every answer carries (nosniff, a charset, HSTS behind https) and the protections
against slow or greedy clients (header deadline, requests per connection, connection cap)."""

import json
import socket
import time

import pytest
import requests

from authd_testlib import TIMEOUT, closed_by_server, parse_raw_response, raw_http

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
HSTS = "max-age=31536000; includeSubDomains"


def too_large_request(port: int) -> tuple[int, dict, bytes]:
    payload = b"{" + b" " * 70_000 + b"}"
    request = (b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\n"
               b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    return parse_raw_response(raw_http(port, request, timeout=10, send_in_thread=True))


def answers(client):
    """One answer of each kind: JSON 200, 201, 401, 404, 405, 400, HTML, 204."""
    user = client.new_user()
    return {
        "healthz": client.get("/healthz"),
        "jwks": client.get("/api/auth/jwks"),
        "login 401": client.login_raw("nobody-here", "x" * 12),
        "account 401": client.get("/api/auth/someone"),
        "404": client.get("/api/auth/no/such/route"),
        "405": client.put("/api/auth/login", json={}),
        "400": client.post("/api/auth/login", data="{",
                           headers={"Content-Type": "application/json"}),
        "html": client.get("/api/auth/password_reset/done/"),
        "options": client.request("OPTIONS", "/api/auth/login"),
        "delete 204": client.delete(f"/api/auth/delete/{user.username}", token=user.access,
                                    json={"password": user.password}),
    }


def test_every_answer_has_nosniff_and_a_charset(client):
    for name, r in answers(client).items():
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (name, dict(r.headers))
        if name == "html":
            assert r.status_code == 200, r.text
            assert r.headers["Content-Type"] == HTML_TYPE
        elif r.status_code == 204:
            assert r.content == b"" and "Content-Type" not in r.headers, (name, dict(r.headers))
        else:
            assert r.headers["Content-Type"] == JSON_TYPE, (name, dict(r.headers))
            json.loads(r.text)
        # AUTH_PUBLIC_URL is http here.
        assert "Strict-Transport-Security" not in r.headers, (name, dict(r.headers))


def test_413_has_nosniff_and_a_charset(server):
    status, headers, body = too_large_request(server.port)
    assert status == 413, body[:300]
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-content-type-options"] == "nosniff"
    assert json.loads(body)["code"] == "payload_too_large"


def test_431_has_nosniff_and_a_charset(server):
    request = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 10000 +
               b"\r\n\r\n")
    status, headers, body = parse_raw_response(raw_http(server.port, request, timeout=10))
    assert status == 431, body[:300]
    assert headers["content-type"] == JSON_TYPE
    assert headers["x-content-type-options"] == "nosniff"


def test_hsts_on_every_answer_with_an_https_public_url(module_factory):
    server = module_factory({"AUTH_PUBLIC_URL": "https://auth.example.test"})
    client = server.client()
    for name, r in answers(client).items():
        assert r.headers.get("Strict-Transport-Security") == HSTS, (name, dict(r.headers))
    status, headers, _ = too_large_request(server.port)
    assert status == 413
    assert headers["strict-transport-security"] == HSTS


# ---- slow and greedy clients

@pytest.fixture(scope="module")
def strict_server(module_factory):
    return module_factory({
        "AUTH_HEADER_TIMEOUT": "2s",
        "AUTH_MAX_REQUESTS_PER_CONNECTION": "3",
    })


def test_one_header_byte_per_second_is_cut_at_the_header_deadline(strict_server):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 20 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", strict_server.port), timeout=5) as sock:
        started = time.monotonic()
        closed_after = None
        for byte in request:  # would take about 60 s
            try:
                sock.send(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            if closed_by_server(sock, 1.0):
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None, "the slow client was never cut off"
        # 2 s from the first byte (one more second of slack for the polling above).
        assert 1.5 <= closed_after <= 4.0, closed_after
    # Everyone else is served meanwhile and afterwards.
    assert requests.get(strict_server.base_url + "/healthz", timeout=TIMEOUT).status_code == 200


def test_silent_new_connection_is_closed_at_the_header_deadline(strict_server):
    with socket.create_connection(("127.0.0.1", strict_server.port), timeout=5) as sock:
        started = time.monotonic()
        assert closed_by_server(sock, 5), "a connection that sends nothing stayed open"
        assert 1.5 <= time.monotonic() - started <= 4.0


def test_requests_per_connection_are_capped(strict_server):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    data = raw_http(strict_server.port, request * 5, timeout=10, until_close=True)
    # Three answers, the last one closing; the rest of the pipeline is not served.
    assert data.count(b"HTTP/1.1 200") == 3, data[:800]
    last = data[data.rfind(b"HTTP/1.1 200"):]
    assert b"Connection: close" in last, last[:400]


def kept_alive_connection(port, request):
    """A connection that has been answered once and stays open, so it counts.

    The server may still count a connection for a moment after its client
    closed it (the readiness probe's; slow under ASan): a reset means "not yet".
    """
    deadline = time.monotonic() + 5
    while True:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            sock.sendall(request)
            answer = sock.recv(4096)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
        if b"200" in answer:
            return sock
        sock.close()
        assert time.monotonic() < deadline, "no room for a connection"
        time.sleep(0.1)


def test_connections_beyond_the_cap_are_closed(module_factory):
    server = module_factory({"AUTH_MAX_CONNECTIONS": "2"})
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    held = []
    try:
        for _ in range(2):
            held.append(kept_alive_connection(server.port, request))
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            assert closed_by_server(extra, 3), "a third connection was kept"
    finally:
        for sock in held:
            sock.close()
    # Once the held connections are gone there is room again.
    kept_alive_connection(server.port, request).close()
