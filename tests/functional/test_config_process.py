"""The process: configuration errors, the start-up log, the access log, SIGTERM."""

import os
import socket
import subprocess
import time

import pytest

from authd_testlib import PG_PASSWORD, SERVICES, free_port


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


@pytest.mark.parametrize("name,value", [
    ("AUTH_LISTEN", "nonsense"),
    ("AUTH_LISTEN", "127.0.0.1:99999"),
    ("AUTH_JWT_ALGORITHM", "none"),
    ("AUTH_JWT_ALGORITHM", "HS384"),
    ("AUTH_ACCESS_TOKEN_LIFETIME", "abc"),
    ("AUTH_REFRESH_TOKEN_LIFETIME", "10x"),
    ("AUTH_REFRESH_GRACE_PERIOD", "-5"),
    ("AUTH_ARGON2_MEMORY_KIB", "lots"),
    ("AUTH_ARGON2_ITERATIONS", "0"),
    ("AUTH_PASSWORD_MIN_LENGTH", "twelve"),
    ("AUTH_MAX_BODY_BYTES", "abc"),
    ("AUTH_LOG_LEVEL", "loud"),
    ("AUTH_DATABASE_URL", "mysql://localhost/auth"),
    ("AUTH_SERVICES", "users"),
    ("AUTH_EMAIL_URL", "carrier-pigeon://coop"),
    ("AUTH_PUBLIC_URL", "not a url"),
    ("AUTH_TRUSTED_PROXIES", "not-an-address"),
    ("AUTH_IDLE_TIMEOUT", "0"),
])
def test_bad_configuration_exits_2_with_one_line(authd_binary, tmp_path, name, value):
    result = run_with(authd_binary, tmp_path, {name: value})
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, f"status {result.returncode}, stderr:\n{stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert name in lines[0], lines[0]


def test_bad_configuration_does_not_echo_service_secret(authd_binary, tmp_path):
    result = run_with(authd_binary, tmp_path, {"AUTH_SERVICES": "users:abcdefghij"})
    assert result.returncode == 2
    assert b"abcdefghij" not in result.stderr + result.stdout


def test_start_up_log_masks_secrets(server, backend):
    log = server.log()
    assert f"127.0.0.1:{server.port}" in log, log[-2000:]
    for secret in SERVICES.values():
        assert secret not in log
    if backend == "postgres":
        assert server.database_url.count(PG_PASSWORD) == 1
        assert PG_PASSWORD not in log


def test_sigterm_exits_0(authd_factory):
    server = authd_factory()
    assert server.client().get("/healthz").status_code == 200
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10


def test_sigterm_with_idle_connection_open_exits_0(authd_factory):
    server = authd_factory()
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200" in sock.recv(4096)
        half = socket.create_connection(("127.0.0.1", server.port))  # sends nothing
        try:
            assert server.stop(timeout=10) == 0
        finally:
            half.close()
    finally:
        sock.close()


def test_access_log_one_line_per_request_without_secrets(authd_factory):
    server = authd_factory()
    client = server.client()
    user = client.new_user()
    r = client.refresh(user.refresh)
    assert r.status_code == 200
    rotated = r.json()
    marker = "zzmarker" + os.urandom(4).hex()
    for _ in range(3):
        assert client.get(f"/api/auth/{marker}", token=rotated["access"]).status_code == 403
    # A percent-encoded line break in the path must not forge a log line.
    r = client.get("/api/auth/zz%0AINJECTED-LINE%0D%0AINJECTED-TOO", token=rotated["access"])
    assert r.status_code in (400, 403, 404), r.text
    # A failed login with a password that must not show up either.
    bad_password = "Wr0ng-Password-Never-Logged"
    assert client.login_raw(user.username, bad_password).status_code == 401
    server.stop()
    log = server.log()
    for secret in (user.password, bad_password, user.refresh, user.access, rotated["access"],
                   rotated["refresh"], *SERVICES.values()):
        assert secret not in log, f"{secret[:20]}... appears in the log"
    # The signature part alone must not leak either (e.g. a log of the raw header).
    assert user.access.split(".")[2] not in log
    assert not any(line.startswith("INJECTED") for line in log.splitlines()), log[-2000:]
    lines = [line for line in log.splitlines() if marker in line]
    assert len(lines) == 3, "\n".join(lines) or log[-3000:]
    assert all("403" in line for line in lines), lines
