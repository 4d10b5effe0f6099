"""Attacks and third-party clients at the HTTP layer (issue 14): client addresses forged through
forwarding entries with ports or unreadable entries, and through RFC 7239 `Forwarded`; idle
connections from one address that would shut everyone else out; and the conformance points
that clients found: `Host` missing or repeated, absolute-form targets, content and transfer
codings, HTTP/1.0 status lines, and the exact header limit."""

import gzip
import json
import re
import socket

import pytest

from authd_testlib import closed_by_server, parse_raw_response, raw_http

MAX_HEADER_BYTES = 8192
PER_IP = 4  # AUTH_MAX_CONNECTIONS_PER_IP of the capped server


@pytest.fixture(scope="module")
def server(module_factory):
    return module_factory({"AUTH_LOGIN_FAILURES_PER_IP": "100000"})


@pytest.fixture(scope="module")
def proxy_server(module_factory):
    """Behind a reverse proxy on 127.0.0.1: its forwarding headers are believed."""
    return module_factory({"AUTH_TRUSTED_PROXIES": "127.0.0.1",
                           "AUTH_LOGIN_FAILURES_PER_IP": "100000"})


def session_ip(client, headers: dict) -> str:
    """Logs a new user in with `headers`; the address its session records."""
    user = client.register()
    session = client.login(user, headers=headers)
    r = client.get("/api/auth/sessions/", token=session.access)
    assert r.status_code == 200, r.text
    [only] = r.json()["sessions"]
    return only["ip"]


def raw(server, head: str, body: bytes = b"") -> tuple:
    return parse_raw_response(raw_http(server.port, head.encode() + body))


# ----------------------------------------------------------------------------------------------
# item 6: the client's address through a trusted proxy

@pytest.mark.parametrize("forwarded_for, client_address", [
    # The proxy appended what it saw with its port: that is the client, not what the client
    # wrote further left.
    ("6.6.6.6, 5.5.5.5:4444", "5.5.5.5"),
    ("6.6.6.6, [2001:db8::1]:4444", "2001:db8::1"),
    ("6.6.6.6, [2001:db8::2]", "2001:db8::2"),
    # An entry the proxy wrote that is no address: nothing left of it can be believed, the
    # proxy's own address is the client.
    ("6.6.6.6, unknown", "127.0.0.1"),
    ("6.6.6.6, _obfuscated", "127.0.0.1"),
    ("6.6.6.6, 5.5.5.5:99999", "127.0.0.1"),
])
def test_attack_forwarded_for_entries_with_ports_cannot_forge_the_address(
        proxy_server, forwarded_for, client_address):
    client = proxy_server.client()
    assert session_ip(client, {"X-Forwarded-For": forwarded_for}) == client_address


@pytest.mark.parametrize("forwarded, client_address", [
    ('for=6.6.6.6, for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
    ("for=6.6.6.6, for=192.0.2.43:4711;proto=https", "192.0.2.43"),
    ('for=6.6.6.6;proto=http, for="192.0.2.60";by=127.0.0.1', "192.0.2.60"),
    ("for=6.6.6.6, for=unknown", "127.0.0.1"),
    ("for=6.6.6.6, for=_hidden", "127.0.0.1"),
    ("for=6.6.6.6, by=127.0.0.1", "127.0.0.1"),
    ("for=6.6.6.6, for=127.0.0.1", "6.6.6.6"),  # a trusted hop is walked past
])
def test_attack_forwarded_header_is_walked_like_forwarded_for(proxy_server, forwarded,
                                                              client_address):
    client = proxy_server.client()
    assert session_ip(client, {"Forwarded": forwarded}) == client_address


def test_attack_forwarded_and_forwarded_for_that_disagree_are_not_believed(proxy_server):
    """The proxy keeps one of the two headers; the client wrote the other. When they name
    different clients, neither is believed."""
    client = proxy_server.client()
    assert session_ip(client, {"X-Forwarded-For": "5.5.5.5",
                               "Forwarded": "for=6.6.6.6"}) == "127.0.0.1"
    assert session_ip(client, {"X-Forwarded-For": "5.5.5.5",
                               "Forwarded": "for=5.5.5.5"}) == "5.5.5.5"


def test_attack_forwarded_header_from_an_untrusted_peer_is_ignored(server):
    client = server.client()
    assert session_ip(client, {"Forwarded": "for=6.6.6.6",
                               "X-Forwarded-For": "5.5.5.5:1"}) == "127.0.0.1"


# ----------------------------------------------------------------------------------------------
# item 10: connections from one address

def connect_from(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def get(sock: socket.socket, path: str, close: bool = False) -> bytes:
    """GET `path` on a connected socket; the whole answer (its body has a Content-Length)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
                 .encode())
    sock.settimeout(5)
    data = b""
    while True:
        head, _, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if length and len(body) >= int(length.group(1)):
            return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_attack_idle_connections_from_one_address_cannot_shut_others_out(module_factory):
    """One address opens more idle connections than the whole server takes: beyond its own cap
    they are closed as soon as they are accepted, and another address is still served."""
    total = 3 * PER_IP
    server = module_factory({"AUTH_MAX_CONNECTIONS": str(total),
                             "AUTH_MAX_CONNECTIONS_PER_IP": str(PER_IP)})
    attacker = []
    try:
        for _ in range(total):
            attacker.append(connect_from("127.0.0.1", server.port))
        # At most PER_IP of them stay open (idle, as the attack leaves them), the rest are
        # closed. Which ones is counted, not assumed: the readiness probe's connection may still
        # hold a place for a moment after it closed (slow under ASan), and a later one takes it
        # or none does.
        closed = [closed_by_server(sock, 0.5) for sock in attacker]
        assert PER_IP - 1 <= closed.count(False) <= PER_IP, f"connections kept open: {closed}"
        kept = attacker[closed.index(False)]
        assert get(kept, "/healthz").startswith(b"HTTP/1.1 200")
        # Another client, another address: served.
        with connect_from("127.0.0.2", server.port) as other:
            assert get(other, "/healthz").startswith(b"HTTP/1.1 200"), \
                "one address's idle connections shut another client out"
            metrics = get(other, "/metrics", close=True).decode()
        refused = [line for line in metrics.splitlines() if line.startswith(
            'authd_http_connections_refused_total{reason="per_address"} ')]
        assert refused and int(refused[0].split()[-1]) >= total - PER_IP, metrics[-2000:]
    finally:
        for sock in attacker:
            sock.close()


def test_per_address_cap_defaults_to_256(server):
    assert "config AUTH_MAX_CONNECTIONS_PER_IP=256" in server.log()


# ----------------------------------------------------------------------------------------------
# conformance: Host, the target, codings, the version, the header limit

BAD_HOST = {"detail": "A request needs exactly one valid Host header.", "code": "bad_request"}


@pytest.mark.parametrize("head", [
    "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
])
def test_missing_or_repeated_host_is_400(server, head):
    status, headers, body = raw(server, head)
    assert status == 400, body[:300]
    assert json.loads(body) == BAD_HOST
    assert headers["content-type"] == "application/json; charset=utf-8"


def test_http_1_0_without_host_is_served_in_http_1_1(server):
    data = raw_http(server.port, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:200]
    status, headers, body = parse_raw_response(data)
    assert json.loads(body) == {"status": "ok"}
    assert headers["connection"] == "close"


def test_http_1_0_keep_alive_is_said_in_words(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        for _ in range(2):
            sock.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            data = b""
            while not data.endswith(b'{"status":"ok"}'):
                chunk = sock.recv(4096)
                assert chunk, data
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"\r\nConnection: keep-alive\r\n" in data


def test_absolute_form_target_is_served_like_its_path(server):
    client = server.client()
    user = client.new_user()
    status, _, body = raw(
        server, f"GET http://127.0.0.1:{server.port}/api/auth/{user.username}?x=1 HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {user.access}\r\n"
                f"Connection: close\r\n\r\n")
    assert status == 200, body[:300]
    assert json.loads(body)["username"] == user.username
    status, _, body = raw(server, "GET HTTP://auth.example.com/healthz HTTP/1.1\r\n"
                                  "Host: auth.example.com\r\nConnection: close\r\n\r\n")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_gzip_body_is_415_with_accept_encoding(server):
    client = server.client()
    user = client.register()
    body = gzip.compress(json.dumps({"username": user.username,
                                     "password": user.password}).encode())
    r = client.post("/api/auth/login", data=body,
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 415, r.text
    assert r.headers["Accept-Encoding"] == "identity"
    assert r.json() == {"detail": 'Unsupported content encoding "gzip" in request.',
                        "code": "unsupported_content_encoding"}
    # In the request's language, like every message.
    r = client.post("/api/auth/login", data=body, headers={
        "Content-Type": "application/json", "Content-Encoding": "br", "lang": "fr"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_content_encoding"
    assert "br" in r.json()["detail"] and "Codage" in r.json()["detail"]
    # identity is no coding at all.
    r = client.post("/api/auth/login", json={"username": user.username,
                                             "password": user.password},
                    headers={"Content-Encoding": "identity"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("coding", ["gzip, chunked", "deflate,chunked", "x-custom, chunked"])
def test_transfer_coding_other_than_chunked_is_501(server, coding):
    payload = gzip.compress(b'{"username": "a", "password": "b"}')
    chunked = f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n"
    status, headers, body = raw(
        server, f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nTransfer-Encoding: {coding}\r\n\r\n", chunked)
    assert status == 501, body[:300]
    name = coding.split(",")[0].strip()
    assert json.loads(body) == {"detail": f'Transfer coding "{name}" is not implemented.',
                                "code": "not_implemented"}
    assert headers["connection"] == "close"


def test_transfer_coding_without_chunked_cannot_smuggle_a_request(server):
    """Without chunked last the body has no framing: the bytes after the header must not be
    read as a second request."""
    smuggled = b"GET /api/auth/jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    data = raw_http(server.port,
                    b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Transfer-Encoding: gzip\r\nContent-Type: application/json\r\n\r\n" + smuggled,
                    until_close=True, timeout=5)
    assert data.startswith(b"HTTP/1.1 501 "), data[:300]
    assert data.count(b"HTTP/1.1 ") == 1, data


def test_header_limit_is_exact(server):
    def head_of(size: int, target_length: int) -> bytes:
        target = "/healthz" + ("?" + "q" * (target_length - 9) if target_length > 8 else "")
        start = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: "
        return (start + "p" * (size - len(start) - 4) + "\r\n\r\n").encode()

    status, _, body = parse_raw_response(raw_http(server.port, head_of(MAX_HEADER_BYTES, 8)))
    assert status == 200, body[:300]
    # 12 KiB: a 6 KiB target and 6 KiB of headers, each under the limit alone.
    for size, target in ((MAX_HEADER_BYTES + 1, 8), (MAX_HEADER_BYTES + 1, 4000),
                         (12 * 1024, 6 * 1024)):
        status, _, body = parse_raw_response(raw_http(server.port, head_of(size, target)))
        assert status == 431, (size, target, body[:300])
        assert json.loads(body) == {"detail": "Request headers are too large.",
                                    "code": "headers_too_large"}
