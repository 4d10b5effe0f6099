"""Parallel use of one refresh token, parallel registrations of one name."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from authd_testlib import MSG_EMAIL_TAKEN, MSG_USERNAME_TAKEN, TIMEOUT, random_password, unique_name


def run_parallel(n, fn):
    barrier = threading.Barrier(n)

    def task(i):
        barrier.wait(timeout=TIMEOUT)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(task, range(n)))


def parallel_refreshes(server, token, n=20):
    url = server.base_url + "/api/auth/refresh"

    def refresh(_):
        r = requests.post(url, json={"refresh": token}, timeout=TIMEOUT)
        return r.status_code, (r.json() if r.headers.get("Content-Type", "").startswith(
            "application/json") else r.text)

    return run_parallel(n, refresh)


def test_parallel_refreshes_of_one_token(server):
    client = server.client()
    user = client.new_user()
    results = parallel_refreshes(server, user.refresh)
    statuses = [s for s, _ in results]
    assert all(s < 500 for s in statuses), results
    ok = [body for s, body in results if s == 200]
    assert ok, results
    assert len({body["refresh"] for body in ok}) == 1, "different rotated tokens were handed out"
    assert all(s in (200, 401) for s in statuses), statuses
    new_refresh = ok[0]["refresh"]
    r = client.refresh(new_refresh)
    assert r.status_code == 200, r.text
    assert client.account(user.username, r.json()["access"]).status_code == 200


def test_parallel_refreshes_all_get_the_grace_answer(server):
    client = server.client()
    user = client.new_user()
    results = parallel_refreshes(server, user.refresh)
    # Within the grace window every caller gets the same rotated pair.
    assert [s for s, _ in results] == [200] * 20, results
    assert len({body["refresh"] for _, body in results}) == 1


def test_parallel_registrations_of_one_name(server):
    name = unique_name()
    url = server.base_url + "/api/auth/"

    def register(i):
        pw = random_password()
        r = requests.post(url, json={"username": name, "password": pw, "password2": pw,
                                     "email": f"{unique_name('p')}@example.com"},
                          timeout=TIMEOUT)
        return r.status_code, r.json()

    results = run_parallel(10, register)
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [400] * 9, results
    for status, body in results:
        if status == 400:
            assert body == {"username": [MSG_USERNAME_TAKEN]}, body


def test_parallel_registrations_of_one_email(server):
    email = f"{unique_name('same')}@example.com"
    url = server.base_url + "/api/auth/"

    def register(i):
        pw = random_password()
        r = requests.post(url, json={"username": unique_name(), "password": pw,
                                     "password2": pw, "email": email}, timeout=TIMEOUT)
        return r.status_code, r.json()

    results = run_parallel(8, register)
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [400] * 7, results
    for status, body in results:
        if status == 400:
            assert body == {"email": [MSG_EMAIL_TAKEN]}, body


def test_parallel_logins_and_reads(server):
    client = server.client()
    registered = client.register()

    def login_and_read(_):
        s = requests.Session()
        r = s.post(server.base_url + "/api/auth/login",
                   json={"username": registered.username, "password": registered.password},
                   timeout=TIMEOUT)
        if r.status_code == 503 and "Retry-After" in r.headers:
            return 503  # the hash pool is full: allowed
        if r.status_code == 429 and r.headers.get("Retry-After") == "1":
            # Attempts of one account from one address under way at once count like failures
            # until their password is checked: beyond AUTH_LOGIN_BACKOFF_AFTER (5) they wait.
            return 429
        if r.status_code != 200:
            return r.status_code
        access = r.json()["access"]
        for _ in range(5):
            g = s.get(f"{server.base_url}/api/auth/{registered.username}",
                      headers={"Authorization": f"Bearer {access}"}, timeout=TIMEOUT)
            if g.status_code != 200:
                return g.status_code
        return 200

    results = run_parallel(10, login_and_read)
    assert set(results) <= {200, 429, 503} and 200 in results, results
    assert results.count(429) <= len(results) - 5, results
    r = client.get("/api/auth/sessions", token=client.login(registered).access)
    assert len(r.json()["sessions"]) == results.count(200) + 1
