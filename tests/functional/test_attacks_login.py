"""Attacks on the password step (issue 5, attack suite): account enumeration by message and by
work done (Argon2id computations counted through GET /metrics `authd_password_hashes_total`),
brute force past the limits (src/auth/login_limits.cpp), forged client addresses
(src/http/client_address.cpp), and password guessing through routes that take the current
password.

Every test checks the answer and the state afterwards: no session created, the hash counter
unmoved where the password must not have been looked at."""

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests

from authd_testlib import (
    BODY_BAD_LOGIN, MSG_EMAIL_TAKEN, MSG_USERNAME_TAKEN, password_hashes, random_password,
    unique_name,
)

BACKOFF_AFTER = 5           # the default: failures of one account from one address
ACCOUNT_LIMIT = 5           # account_limit_server's failures of one account in an hour
PROXY_PER_IP = 4            # failed logins per address per minute on proxy_server
PROXY_PER_ACCOUNT = 8       # failed logins per account per hour on proxy_server
UNTRUSTED_PER_IP = 4        # failed logins per address per minute on per_ip_server

SPOOF_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP",
                 "CF-Connecting-IP", "X-Client-IP")


def throttled(seconds) -> dict:
    unit = "second" if int(seconds) == 1 else "seconds"  # DRF's wording
    return {"detail": f"Request was throttled. Expected available in {seconds} {unit}.",
            "code": "throttled"}


# ----------------------------------------------------------------------------------------------
# servers

@pytest.fixture(scope="module")
def server(module_factory):
    # The per-address cap is lifted so that this module's failures from 127.0.0.1 cannot add
    # up to it; the per-pair backoff (5) and per-account cap (50) are the defaults.
    return module_factory({"AUTH_LOGIN_FAILURES_PER_IP": "100000"})


@pytest.fixture(scope="module")
def account_limit_server(module_factory):
    # Limited by the account's hourly cap (5) with the pair's backoff out of reach: the backoff
    # doubles from 1 s, and on a slow machine (the ASan run) a wait can lapse between two
    # requests, so a test that needs the limit to hold from one request to the next uses this.
    return module_factory({"AUTH_LOGIN_FAILURES_PER_IP": "100000",
                           "AUTH_LOGIN_FAILURES_PER_ACCOUNT": str(ACCOUNT_LIMIT),
                           "AUTH_LOGIN_BACKOFF_AFTER": "1000"})


@pytest.fixture(scope="module")
def proxy_server(module_factory):
    return module_factory({"AUTH_TRUSTED_PROXIES": "127.0.0.1",
                           "AUTH_LOGIN_FAILURES_PER_IP": str(PROXY_PER_IP),
                           "AUTH_LOGIN_FAILURES_PER_ACCOUNT": str(PROXY_PER_ACCOUNT)})


@pytest.fixture(scope="module")
def per_ip_server(module_factory):
    return module_factory({"AUTH_LOGIN_FAILURES_PER_IP": str(UNTRUSTED_PER_IP)})


# ----------------------------------------------------------------------------------------------
# helpers

_address_counter = [0]


def fresh_address() -> str:
    """A documentation address (TEST-NET-2, then TEST-NET-3) not used before in this run."""
    _address_counter[0] += 1
    n = _address_counter[0]
    return f"198.51.100.{n}" if n < 255 else f"203.0.113.{n - 254}"


def spoofed(n: int) -> dict:
    """Forwarding headers naming a different client on each call."""
    address = f"10.{n // 250 % 250}.{n % 250}.{n % 200 + 7}"
    return {"X-Forwarded-For": address, "X-Real-IP": address, "Forwarded": f"for={address}",
            "True-Client-IP": address, "CF-Connecting-IP": address, "X-Client-IP": address}


def comparable(r) -> tuple:
    """What a client can compare between two answers: status, body, and the headers except
    the per-request ones."""
    headers = sorted((k.lower(), v) for k, v in r.headers.items()
                     if k.lower() not in ("x-request-id", "date"))
    return r.status_code, r.content, tuple(headers)


def session_ips(client, access) -> list:
    r = client.get("/api/auth/sessions/", token=access)
    assert r.status_code == 200, r.text
    return sorted(s["ip"] for s in r.json()["sessions"])


def wait_for_fresh_second(limit: float = 0.15):
    frac = time.time() % 1
    if frac > limit:
        time.sleep(1 - frac + 0.01)


def burst_then(client, target_login, final, headers_for=lambda i: {}):
    """BACKOFF_AFTER wrong passwords for `target_login`, then `final()`, all inside one second
    of the wall clock: the server counts whole seconds and the first backoff wait is 1 s, so
    only then is the answer to `final` certain. Returns (failures, hashes_before_final, final
    answer, hashes_after_final), or None when the second ran out (the caller retries with a
    fresh account, since this one has failures now)."""
    wait_for_fresh_second()
    start = time.time()
    failures = [client.login_raw(target_login, random_password(), headers=headers_for(i))
                for i in range(BACKOFF_AFTER)]
    before = password_hashes(client)
    answer = final()
    after = password_hashes(client)
    if int(time.time()) != int(start):
        return None
    return failures, before, answer, after


def assert_throttled(r, max_wait=None):
    assert r.status_code == 429, f"{r.status_code} {r.text}"
    retry_after = int(r.headers["Retry-After"])
    assert retry_after >= 1
    if max_wait is not None:
        assert retry_after <= max_wait, retry_after
    assert r.json() == throttled(retry_after)
    return retry_after


# ----------------------------------------------------------------------------------------------
# enumeration

def test_attack_login_enumeration_same_answer_and_one_hash(server):
    client = server.client()
    user = client.new_user()
    wrong = random_password()
    cases = {
        "known name, wrong password": (user.username, wrong),
        "known name in other case": (user.username.upper(), wrong),
        "known e-mail, wrong password": (user.email, wrong),
        "unknown name": (unique_name("nobody"), wrong),
        "unknown e-mail": (unique_name("nobody") + "@example.com", wrong),
        "unknown name, a user's real password": (unique_name("nobody"), user.password),
    }
    answers = {}
    for label, (login, password) in cases.items():
        before = password_hashes(client)
        r = client.login_raw(login, password)
        after = password_hashes(client)
        assert r.status_code == 401, f"{label}: {r.status_code} {r.text}"
        assert r.json() == BODY_BAD_LOGIN, label
        assert after - before == 1, f"{label}: {after - before} password hashes instead of 1"
        answers[label] = comparable(r)
    assert len(set(answers.values())) == 1, answers
    # Timing, coarsely: the medians of interleaved known and unknown attempts are close (the
    # exact evidence is the hash count above: the same work is done). One failure per known
    # account, so that no backoff answers instead.
    known, unknown = [], []
    for target in [client.register() for _ in range(9)]:
        for bucket, login in ((known, target.username), (unknown, unique_name("nobody"))):
            t = time.perf_counter()
            client.login_raw(login, wrong)
            bucket.append(time.perf_counter() - t)
    mk, mu = statistics.median(known), statistics.median(unknown)
    assert abs(mk - mu) <= 0.5 * max(mk, mu), f"median known {mk:.4f}s, unknown {mu:.4f}s"
    # Nothing opened a session.
    fresh = client.login(user)
    assert session_ips(client, fresh.access) == ["127.0.0.1", "127.0.0.1"]


def test_attack_register_enumeration_costs_no_hash_and_stores_nothing(server):
    """Register must name a taken username or e-mail (the contract keeps Django's messages,
    which the front end shows), so it is no enumeration oracle worth closing; what matters is
    that a refused registration does no Argon2id work (no cheap way to load the hash pool) and
    changes nothing."""
    client = server.client()
    owner = client.new_user()
    password = random_password()
    cases = [
        ({"username": owner.username.upper(), "email": unique_name() + "@example.com"},
         {"username": [MSG_USERNAME_TAKEN]}),
        ({"username": unique_name(), "email": owner.email.upper()},
         {"email": [MSG_EMAIL_TAKEN]}),
        ({"username": owner.username, "email": owner.email},
         {"username": [MSG_USERNAME_TAKEN], "email": [MSG_EMAIL_TAKEN]}),
    ]
    for fields, expected in cases:
        before = password_hashes(client)
        r = client.register_raw({**fields, "password": password, "password2": password})
        assert r.status_code == 400, r.text
        assert r.json() == expected
        assert password_hashes(client) == before, "a refused registration hashed a password"
    # The owner's account is untouched: its password works, the attempted one does not.
    assert client.login_raw(owner.username, password).status_code == 401
    assert client.login_raw(owner.email, owner.password).status_code == 200
    # A registration that succeeds costs exactly one hash.
    before = password_hashes(client)
    client.register()
    assert password_hashes(client) - before == 1


# ----------------------------------------------------------------------------------------------
# brute force

def test_attack_brute_force_backoff_refuses_the_right_password(server):
    client = server.client()
    for _ in range(4):
        user = client.new_user()
        outcome = burst_then(client, user.username,
                             lambda: client.login_raw(user.username, user.password))
        if outcome:
            break
    else:
        pytest.fail("could not fit 7 logins into one second, 4 times")
    failures, before, answer, after = outcome
    for r in failures:
        assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    # The 6th attempt carries the right password: refused before it is looked at. (The
    # account's e-mail is another name with a backoff of its own, so that the limits never show
    # which e-mail belongs to which username: test_attacks_hardening.py.)
    retry_after = assert_throttled(answer, max_wait=1)
    assert after == before, "the password of a limited login was hashed"
    assert session_ips(client, user.access) == ["127.0.0.1"]  # no session was opened
    # Once the wait is over the right password works, and its success ends the backoff.
    time.sleep(retry_after + 0.1)
    fresh = client.login(user)
    assert session_ips(client, fresh.access) == ["127.0.0.1", "127.0.0.1"]
    r = client.login_raw(user.username, random_password())
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_attack_brute_force_of_unknown_name_is_limited_alike(server):
    """The limiter itself reveals nothing: an unknown name is limited after the same number of
    failures, with the same answer, as a known one."""
    client = server.client()
    answers = {}
    for kind in ("known", "unknown"):
        for _ in range(4):
            login = client.new_user().username if kind == "known" else unique_name("nobody")
            outcome = burst_then(client, login,
                                 lambda: client.login_raw(login, random_password()))
            if outcome:
                break
        else:
            pytest.fail("could not fit 6 logins into one second, 4 times")
        failures, before, answer, after = outcome
        assert [r.status_code for r in failures] == [401] * BACKOFF_AFTER
        assert_throttled(answer, max_wait=1)
        assert after == before
        answers[kind] = comparable(answer)
    assert answers["known"] == answers["unknown"]


def test_attack_brute_force_with_rotated_forwarded_for_from_untrusted_peer(server):
    """Without AUTH_TRUSTED_PROXIES, X-Forwarded-For and friends are the client's own words:
    rotating them does not make a new address, so the pair's backoff still applies."""
    client = server.client()
    for _ in range(4):
        user = client.new_user()
        outcome = burst_then(
            client, user.username,
            lambda: client.login_raw(user.username, user.password, headers=spoofed(999)),
            headers_for=spoofed)
        if outcome:
            break
    else:
        pytest.fail("could not fit 6 logins into one second, 4 times")
    failures, before, answer, after = outcome
    assert [r.status_code for r in failures] == [401] * BACKOFF_AFTER
    assert_throttled(answer, max_wait=1)
    assert after == before
    assert session_ips(client, user.access) == ["127.0.0.1"]


def test_attack_parallel_burst_tries_no_more_passwords_than_the_limit(server):
    """Twenty wrong passwords sent at once: each attempt is counted when it is let through,
    before its password is checked, so only BACKOFF_AFTER passwords are tried and the rest
    wait, as if they had come one after the other."""
    burst = 20
    client = server.client()
    for _ in range(4):
        user = client.new_user()
        url = server.base_url + "/api/auth/login"
        barrier = threading.Barrier(burst)

        def guess(_):
            barrier.wait(timeout=30)
            return requests.post(url, json={"username": user.username,
                                            "password": random_password()}, timeout=30)

        wait_for_fresh_second()
        start = time.time()
        before = password_hashes(client)
        with ThreadPoolExecutor(max_workers=burst) as pool:
            answers = list(pool.map(guess, range(burst)))
        after = password_hashes(client)
        if int(time.time()) == int(start):
            break  # the first wait (1 s) had not ended: the counts below are exact
    else:
        pytest.fail(f"could not fit {burst} parallel logins into one second, 4 times")
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * BACKOFF_AFTER + [429] * (burst - BACKOFF_AFTER), statuses
    for r in answers:
        if r.status_code == 429:
            assert_throttled(r, max_wait=1)
        else:
            assert r.json() == BODY_BAD_LOGIN
    assert after - before == BACKOFF_AFTER, "passwords were tried beyond the limit"
    assert session_ips(client, user.access) == ["127.0.0.1"]


def test_attack_per_address_limit_with_rotated_forwarded_for(per_ip_server):
    """Failures spread over many names, each request claiming another address: the
    per-address cap still counts them all against the real peer."""
    client = per_ip_server.client()
    victim = client.register()
    for i in range(UNTRUSTED_PER_IP):
        r = client.login_raw(unique_name("spray"), random_password(), headers=spoofed(i))
        assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    before = password_hashes(client)
    r = client.login_raw(victim.username, victim.password, headers=spoofed(100))
    assert_throttled(r, max_wait=60)
    r = client.login_raw(victim.email, victim.password)
    assert_throttled(r, max_wait=60)
    assert password_hashes(client) == before, "a limited login hashed a password"


def test_attack_trusted_proxy_forwarded_address_is_the_client(proxy_server):
    """With AUTH_TRUSTED_PROXIES=127.0.0.1 the forwarded address is the client: each address
    has its own count, and the per-account cap holds over all of them."""
    client = proxy_server.client()
    user = client.register()
    a, b = fresh_address(), fresh_address()
    for _ in range(PROXY_PER_IP):
        r = client.login_raw(user.username, random_password(), headers={"X-Forwarded-For": a})
        assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    before = password_hashes(client)
    r = client.login_raw(user.username, user.password, headers={"X-Forwarded-For": a})
    assert_throttled(r, max_wait=60)
    assert password_hashes(client) == before
    # Another address is another client: the right password works there, and the session
    # records that address.
    session = client.login(user, headers={"X-Forwarded-For": b})
    assert session_ips(client, session.access) == [b]
    # The account's own cap counts failures from every address.
    for _ in range(PROXY_PER_ACCOUNT - PROXY_PER_IP):
        r = client.login_raw(user.username, random_password(),
                             headers={"X-Forwarded-For": fresh_address()})
        assert r.status_code == 401, r.text
    before = password_hashes(client)
    r = client.login_raw(user.username, user.password,
                         headers={"X-Forwarded-For": fresh_address()})
    retry_after = assert_throttled(r)
    assert retry_after > 60, "the per-account window is an hour"
    assert password_hashes(client) == before
    assert session_ips(client, session.access) == [b]


def test_attack_trusted_proxy_chain_cannot_be_prepended(proxy_server):
    """Through a trusted proxy the client may prepend anything to X-Forwarded-For; the server
    takes the right-most address that is not a trusted proxy, which the proxy wrote."""
    client = proxy_server.client()
    user = client.register()
    real = fresh_address()
    session = client.login(user, headers={"X-Forwarded-For": f"1.2.3.4, 127.0.0.1, {real}",
                                          "X-Real-IP": "5.6.7.8"})
    # Only trusted hops: X-Real-IP is used.
    other = fresh_address()
    second = client.login(user, headers={"X-Forwarded-For": "127.0.0.1", "X-Real-IP": other})
    assert session_ips(client, second.access) == sorted([real, other])
    assert session_ips(client, session.access) == sorted([real, other])


def test_attack_forwarded_headers_ignored_without_trusted_proxies(server):
    client = server.client()
    user = client.register()
    headers = spoofed(7)
    headers["X-Forwarded-For"] = "203.0.113.50, 127.0.0.2"
    session = client.login(user, headers=headers)
    assert session_ips(client, session.access) == ["127.0.0.1"]


# ----------------------------------------------------------------------------------------------
# password guessing through routes that check the current password

def test_attack_password_guessing_through_password_change_is_limited(account_limit_server):
    client = account_limit_server.client()
    user = client.new_user()  # the attacker holds this session's access token
    path = "/api/auth/password/" + quote(user.username, safe="")
    new_password = random_password()
    body = {"new_password": new_password, "new_password2": new_password}
    answers = []
    for _ in range(ACCOUNT_LIMIT + 5):
        r = client.put(path, token=user.access, json={**body, "password": random_password()})
        answers.append(r.status_code)
    # After as many wrong guesses as the login allows, the right password must be refused
    # without being checked, as at login.
    before = password_hashes(client)
    r = client.put(path, token=user.access, json={**body, "password": user.password})
    assert r.status_code == 429, f"guesses {answers}, then the right password: {r.status_code}"
    assert password_hashes(client) == before
    # The password did not change; the guesses also count against logins of the account, so
    # the login itself waits now.
    r = client.login_raw(user.username, new_password)
    assert r.status_code == 429 and "Retry-After" in r.headers


# ----------------------------------------------------------------------------------------------
# NUL bytes in identifiers

def test_attack_nul_byte_in_login_name_aliases_no_account(server):
    client = server.client()
    user = client.new_user()
    sessions = len(client.get("/api/auth/sessions/", token=user.access).json()["sessions"])
    answers = []
    for suffix in ("\x00", "\x00garbage", "\x00' OR 1=1 --"):
        for login in (user.username + suffix, user.email + suffix):
            r = client.login_raw(login, user.password)
            answers.append((login, r.status_code))
            r = client.post("/api/auth/otp", json={"username": login, "password": user.password,
                                                   "otp": "123456"})
            answers.append((login, r.status_code))
    sid = client.get("/api/auth/sessions/", token=user.access).json()["sessions"][0]["id"]
    r = client.delete(f"/api/auth/sessions/{quote(sid, safe='')}%00junk", token=user.access)
    answers.append(("sessions/<id>%00junk", r.status_code))
    # Refused as input (400: "Null characters are not allowed.") on both databases.
    assert all(status == 400 for _, status in answers), \
        f"a name with a NUL byte matched an account or session: {answers}"
    after = client.get("/api/auth/sessions/", token=user.access)
    assert after.status_code == 200 and len(after.json()["sessions"]) == sessions
