"""Scale-out: three authd instances on one PostgreSQL database, sharing their key files, behind
haproxy configured by deploy/run-cluster (the same configuration a person runs by hand).

Every address here is on the loopback network. haproxy connects to the instances from
PROXY_SOURCE, the only address they trust for X-Forwarded-For; clients reach haproxy from
other loopback addresses, so the address haproxy appends is one the instances believe, and
whatever a client writes into X-Forwarded-For itself is not."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

import pytest
import requests
from requests.adapters import HTTPAdapter

from authd_testlib import (
    BODY_BAD_LOGIN, TIMEOUT, AuthdServer, Client, assert_refresh_invalid, assert_token_not_valid,
    assert_tokens, count_rows, file_tail, free_port, jwt_claims, random_password, unique_name,
)

RUN_CLUSTER = Path(__file__).resolve().parents[2] / "deploy" / "run-cluster"
PROXY_SOURCE = "127.0.0.2"  # haproxy's address towards the instances: AUTH_TRUSTED_PROXIES
LOGIN_FAILURES_PER_IP = 6   # AUTH_LOGIN_FAILURES_PER_IP, low so the limit is reached quickly


def throttled_body(seconds: int) -> dict:
    unit = "second" if seconds == 1 else "seconds"
    return {"detail": f"Request was throttled. Expected available in {seconds} {unit}.",
            "code": "throttled"}


def assert_throttled(r: requests.Response):
    assert r.status_code == 429, f"{r.status_code} {r.text}"
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 60, retry_after  # the per-address window is one minute
    assert r.json() == throttled_body(retry_after)


class _FromAddress(HTTPAdapter):
    """Connects from a chosen local address, so one test machine can be several clients."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(base_url: str, source: str) -> Client:
    client = Client(base_url)
    client.session.mount("http://", _FromAddress(source))
    return client


def metric_sample_sum(client: Client, name: str, **labels: str) -> float:
    """The sum of the samples of `name` in GET /metrics whose labels include `labels` (0 when
    there is none yet: a route is listed once it was requested)."""
    r = client.get("/metrics")
    assert r.status_code == 200, f"GET /metrics: {r.status_code} {r.text[:200]}"
    wanted = {f'{key}="{value}"' for key, value in labels.items()}
    assert f"# TYPE {name} " in r.text, f"GET /metrics has no metric {name}"
    total = 0.0
    for line in r.text.splitlines():
        m = re.match(rf"^{re.escape(name)}(?:\{{([^}}]*)\}})?\s+(\S+)$", line)
        if m and wanted <= set((m.group(1) or "").split(",")):
            total += float(m.group(2))
    return total


def run_together(*calls):
    """Runs the calls on threads released at the same moment; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i):
        barrier.wait(timeout=TIMEOUT)
        try:
            results[i] = calls[i]()
        except Exception as e:  # reported by the caller's assertion
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    return results


class Haproxy:
    """haproxy in the foreground with the configuration deploy/run-cluster renders."""

    def __init__(self, binary: str, servers: list[AuthdServer]):
        self.binary = binary
        self.servers = servers
        self.dir = tempfile.mkdtemp(prefix="authd-haproxy-", dir="/tmp")
        self.config = os.path.join(self.dir, "haproxy.cfg")
        self.logfile = os.path.join(self.dir, "haproxy.log")
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def render(self):
        argv = [str(RUN_CLUSTER), "haproxy-config", "--listen", f"127.0.0.1:{self.port}",
                "--proxy-source", PROXY_SOURCE]
        for server in self.servers:
            argv += ["--server", f"127.0.0.1:{server.port}"]
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=30, check=True)
        with open(self.config, "wb") as f:
            f.write(result.stdout)
        check = subprocess.run([self.binary, "-c", "-f", self.config], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
        assert check.returncode == 0, check.stdout.decode(errors="replace")

    def start(self):
        for _ in range(3):  # the free port may be taken by someone else in between
            self.port = free_port()
            self.render()
            with open(self.logfile, "ab") as log:
                self.proc = subprocess.Popen([self.binary, "-db", "-f", self.config],
                                             stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"haproxy did not serve /healthz:\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        return file_tail(self.logfile, lines)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    def __init__(self, instances: list[AuthdServer], proxy: Haproxy, database_url: str):
        self.instances = instances
        self.proxy = proxy
        self.database_url = database_url

    def direct(self, i: int, source: str = "127.0.0.1") -> Client:
        """A client of instance i (0-based) itself, not through haproxy."""
        return client_from(self.instances[i].base_url, source)

    def through_proxy(self, source: str = "127.0.0.1") -> Client:
        return client_from(self.proxy.base_url, source)


def shared_key_files(directory: str) -> dict:
    """The key files every instance must share, made by deploy/run-cluster keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    result = subprocess.run([str(RUN_CLUSTER), "keys", directory], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    files = dict(line.split("=", 1) for line in result.stdout.decode().splitlines())
    assert set(files) == {"AUTH_JWT_PRIVATE_KEY_FILE", "AUTH_SECRET_KEY_FILE"}, files
    return files


@pytest.fixture(scope="module")
def cluster(backend, module_factory, databases):
    if backend != "postgres":
        pytest.skip("SQLite is one process's database: several instances need PostgreSQL "
                    "(--backend=postgres)")
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/bin")
    if haproxy is None:
        pytest.skip("haproxy is not installed (Debian package haproxy; scripts/install-deps)")
    keys_dir = tempfile.mkdtemp(prefix="authd-shared-keys-", dir="/tmp")
    proxy = None
    try:
        database_url = databases.new_url()
        env = {
            **shared_key_files(keys_dir),
            "AUTH_TRUSTED_PROXIES": PROXY_SOURCE,
            "AUTH_LOGIN_FAILURES_PER_IP": str(LOGIN_FAILURES_PER_IP),
            # Only the per-address limit is under test: the others stay out of its way.
            "AUTH_LOGIN_BACKOFF_AFTER": "1000",
            "AUTH_LOGIN_FAILURES_PER_ACCOUNT": "1000",
        }
        # Each instance has a data directory of its own: only the named key files are shared.
        instances = [module_factory(env, database_url=database_url) for _ in range(3)]
        proxy = Haproxy(haproxy, instances)
        proxy.start()
        yield Cluster(instances, proxy, database_url)
    finally:
        if proxy is not None:
            proxy.cleanup()
        shutil.rmtree(keys_dir, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# sessions live in the database, so every instance serves every session

def test_session_created_on_one_instance_is_refreshed_on_another(cluster):
    one, two, three = (cluster.direct(i) for i in range(3))
    user = one.new_user()

    r = two.refresh(user.refresh)
    assert r.status_code == 200, r.text
    pair = r.json()
    assert set(pair) == {"access", "refresh"}
    assert pair["refresh"] != user.refresh
    assert jwt_claims(pair["access"])["sid"] == user.claims["sid"]

    r = three.account(user.username, pair["access"])
    assert r.status_code == 200, r.text
    assert r.json()["username"] == user.username

    # The spent token, within the grace window, on yet another instance: the same pair again.
    # The rotated identifier is derived with the secret key, so this needs the shared key file.
    r = three.refresh(user.refresh)
    assert r.status_code == 200, r.text
    assert r.json() == pair
    # The rotation goes on wherever the next refresh lands.
    r = one.refresh(pair["refresh"])
    assert r.status_code == 200, r.text
    assert two.account(user.username, r.json()["access"]).status_code == 200
    # One signing key, published alike by all.
    assert one.jwks() == two.jwks() == three.jwks()
    assert len(one.jwks()["keys"]) == 1


def test_logout_on_one_instance_is_refused_at_once_on_the_others(cluster):
    clients = [cluster.direct(i) for i in range(3)]
    one, two, three = clients
    user = one.new_user()
    for client in clients:
        assert client.account(user.username, user.access).status_code == 200

    r = two.logout(user.refresh)
    assert r.status_code == 200, r.text
    assert r.json() == {}

    # At once, with no wait: every instance checks the session in the database on each request.
    for client in (one, three):
        assert_token_not_valid(client.account(user.username, user.access))
        assert_refresh_invalid(client.refresh(user.refresh))
    r = three.introspect(user.access, three.service_token())
    assert r.status_code == 200, r.text
    assert r.json() == {"active": False}


def test_one_refresh_token_sent_to_two_instances_at_once(cluster):
    """API.md: N parallel uses of one refresh token give one success or the grace answer (the
    same rotated pair), and two tabs refreshing at once do not log each other out."""
    clients = [cluster.direct(i) for i in range(3)]
    registered = clients[0].register()
    outcomes = []
    for round_ in range(6):
        a, b, c = round_ % 3, (round_ + 1) % 3, (round_ + 2) % 3
        user = clients[a].login(registered)
        sid = user.claims["sid"]
        results = run_together(lambda: clients[a].refresh(user.refresh),
                               lambda: clients[b].refresh(user.refresh))
        for r in results:
            assert isinstance(r, requests.Response), r
        statuses = sorted(r.status_code for r in results)
        assert statuses in ([200, 200], [200, 401]), [(r.status_code, r.text) for r in results]
        pairs = [r.json() for r in results if r.status_code == 200]
        # One new pair: the second caller, if answered, gets the very same pair (grace).
        assert all(p == pairs[0] for p in pairs), pairs
        outcomes.append(statuses)

        # The session was not taken for a stolen token: it lives, and its new pair works on the
        # instance that took part in neither request.
        assert count_rows(cluster.database_url, "sessions",
                          f"id = '{sid}' AND revoked_at IS NULL") == 1
        assert count_rows(cluster.database_url, "security_events",
                          f"session_id = '{sid}' AND kind = 'refresh_reuse_detected'") == 0
        assert clients[c].account(registered.username, pairs[0]["access"]).status_code == 200
        r = clients[c].refresh(pairs[0]["refresh"])
        assert r.status_code == 200, r.text
    assert len(outcomes) == 6


# ----------------------------------------------------------------------------------------------
# limits are counted in the database, for the address haproxy saw

def failures_until_throttled(client: Client, headers=lambda i: {}) -> int:
    """Failed logins (each for a new unknown name, so only the per-address limit applies)
    answered before the first 429, which must come within LOGIN_FAILURES_PER_IP + 3 tries."""
    for i in range(LOGIN_FAILURES_PER_IP + 3):
        r = client.login_raw(unique_name("nobody"), random_password(), headers=headers(i))
        if r.status_code == 429:
            assert_throttled(r)
            return i
        assert r.status_code == 401, f"{r.status_code} {r.text}"
        assert r.json() == BODY_BAD_LOGIN
    raise AssertionError(f"no 429 after {LOGIN_FAILURES_PER_IP + 3} failed logins")


def test_login_failures_spread_over_instances_hit_the_limit_of_one(cluster):
    # On one instance alone, from one address: the limit is the configured number.
    assert failures_until_throttled(cluster.direct(0, source="127.0.0.13")) \
        == LOGIN_FAILURES_PER_IP

    # Through haproxy, from another address: the failures land on all three instances, and the
    # limit is reached at the same total.
    def unknown_account_logins():
        return [metric_sample_sum(cluster.direct(i), "authd_logins_total",
                                  outcome="unknown_account") for i in range(3)]

    before = unknown_account_logins()
    proxy = cluster.through_proxy(source="127.0.0.11")
    assert failures_until_throttled(proxy) == LOGIN_FAILURES_PER_IP
    rises = [after - earlier for after, earlier in zip(unknown_account_logins(), before)]
    assert sum(rises) == LOGIN_FAILURES_PER_IP, rises
    assert all(rise >= 1 for rise in rises), f"not spread over the instances: {rises}"

    # The count is the database's: each instance refuses that address now, through haproxy and
    # directly alike.
    for _ in range(3):
        assert_throttled(proxy.login_raw(unique_name("nobody"), random_password()))
    for i in range(3):
        assert_throttled(cluster.direct(i, source="127.0.0.11")
                         .login_raw(unique_name("nobody"), random_password()))


def test_rotating_x_forwarded_for_through_haproxy_does_not_escape_the_limit(cluster):
    def forged(i: int) -> dict:
        # A new address each time, sometimes dressed up with haproxy's own (trusted) address.
        spoofed = f"198.51.100.{i + 1}" if i % 2 else f"198.51.100.{i + 1}, {PROXY_SOURCE}"
        return {"X-Forwarded-For": spoofed, "X-Real-IP": f"203.0.113.{i + 1}"}

    proxy = cluster.through_proxy(source="127.0.0.12")
    assert failures_until_throttled(proxy, headers=forged) == LOGIN_FAILURES_PER_IP
    for i in range(20, 24):
        assert_throttled(proxy.login_raw(unique_name("nobody"), random_password(),
                                         headers=forged(i)))

    # Another client of the same haproxy is not limited, and authd records the address haproxy
    # saw, not the one the client wrote.
    other = cluster.through_proxy(source="127.0.0.14")
    registered = other.register()
    user = other.login(registered, headers=forged(30))
    r = other.get("/api/auth/sessions", token=user.access)
    assert r.status_code == 200, r.text
    assert [s["ip"] for s in r.json()["sessions"]] == ["127.0.0.14"]


# ----------------------------------------------------------------------------------------------
# haproxy itself

def test_traffic_through_haproxy_is_spread_over_all_instances(cluster):
    def jwks_requests():
        return [metric_sample_sum(cluster.direct(i), "authd_http_requests_total", route="jwks")
                for i in range(3)]

    before = jwks_requests()
    proxy = cluster.through_proxy()
    for _ in range(9):
        r = proxy.get("/api/auth/jwks")
        assert r.status_code == 200, r.text
    rises = [after - earlier for after, earlier in zip(jwks_requests(), before)]
    assert sum(rises) == 9, rises
    assert all(rise >= 1 for rise in rises), f"not spread over the instances: {rises}"


def test_walkthrough_through_haproxy(cluster):
    proxy = cluster.through_proxy()
    registered = proxy.register()
    assert registered.registered.json()["username"] == registered.username

    tokens = assert_tokens(proxy.login_raw(registered.username, registered.password),
                           registered.username)
    r = proxy.account(registered.username, tokens["access"])
    assert r.status_code == 200, r.text
    assert r.json()["username"] == registered.username

    r = proxy.refresh(tokens["refresh"])
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert proxy.account(registered.username, rotated["access"]).status_code == 200

    r = proxy.logout(rotated["refresh"])
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert_token_not_valid(proxy.account(registered.username, rotated["access"]))
    assert_refresh_invalid(proxy.refresh(rotated["refresh"]))
    assert_token_not_valid(proxy.account(registered.username, tokens["access"]))
