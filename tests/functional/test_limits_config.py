"""Configurable limits: body size, password lengths, timeouts, trusted proxies."""

import socket
import time

import pytest

from authd_testlib import random_password, unique_name


def body_for(password, username=None):
    username = username or unique_name()
    return {"username": username, "password": password, "password2": password,
            "email": f"{username}@example.com"}


@pytest.fixture(scope="module")
def limits_server(module_factory):
    return module_factory({
        "AUTH_MAX_BODY_BYTES": "262144",
        "AUTH_PASSWORD_MIN_LENGTH": "8",
        "AUTH_PASSWORD_MAX_LENGTH": "20",
        "AUTH_HEADER_TIMEOUT": "1",
        "AUTH_IDLE_TIMEOUT": "1",
        "AUTH_TRUSTED_PROXIES": "127.0.0.1",
    })


def test_configured_body_limit(limits_server):
    client = limits_server.client()
    # 100000 "[" fits under 256 KiB: a parse error, not 413.
    r = client.post("/api/auth/login", data="[" * 100_000,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text[:200]
    assert r.json()["code"] == "parse_error"
    body = body_for(random_password(12))
    body["username"] = "x" * 200_000
    r = client.post("/api/auth/", json=body)
    assert r.status_code == 400, r.text[:200]
    body["username"] = "x" * 300_000
    r = client.post("/api/auth/", json=body)
    assert r.status_code == 413, r.text[:200]
    assert r.json()["code"] == "payload_too_large"
    assert client.get("/healthz").status_code == 200


def test_configured_password_lengths(limits_server):
    client = limits_server.client()
    r = client.register_raw(body_for("Qz!vK#t"))  # 7
    assert r.status_code == 400, r.text
    assert ("This password is too short. It must contain at least 8 characters."
            in r.json()["password"])
    r = client.register_raw(body_for(random_password(21)))
    assert r.status_code == 400, r.text
    assert ("This password is too long. It must contain at most 20 characters."
            in r.json()["password"])
    body = body_for(random_password(8))
    assert client.register_raw(body).status_code == 201
    assert client.login_raw(body["username"], body["password"]).status_code == 200


def closed_within(sock, seconds):
    """True when the server closes (or answers and closes) within `seconds`."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            data = sock.recv(4096)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True
    return False


def test_slow_headers_time_out(limits_server):
    with socket.create_connection(("127.0.0.1", limits_server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert closed_within(sock, 5), "a connection with unfinished headers stayed open"


def test_idle_connection_times_out(limits_server):
    with socket.create_connection(("127.0.0.1", limits_server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(5)
        assert b"200" in sock.recv(4096)
        assert closed_within(sock, 5), "an idle keep-alive connection stayed open"


def test_silent_connection_times_out(limits_server):
    with socket.create_connection(("127.0.0.1", limits_server.port)) as sock:
        assert closed_within(sock, 5), "a connection that sends nothing stayed open"


def test_forwarded_for_from_trusted_proxy_is_used(limits_server):
    client = limits_server.client()
    registered = client.register()
    user = client.login(registered, headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"})
    r = client.get("/api/auth/sessions", token=user.access)
    assert r.status_code == 200, r.text
    assert r.json()["sessions"][0]["ip"] == "203.0.113.7"


def test_forwarded_for_is_ignored_without_trusted_proxies(server):
    client = server.client()
    registered = client.register()
    user = client.login(registered, headers={"X-Forwarded-For": "203.0.113.7",
                                             "X-Real-IP": "203.0.113.8"})
    r = client.get("/api/auth/sessions", token=user.access)
    assert r.status_code == 200, r.text
    assert r.json()["sessions"][0]["ip"] == "127.0.0.1"
