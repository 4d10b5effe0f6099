"""The hash pool's bound: a login flood is answered 503 with Retry-After once the pool and its
queue are full, and token checks keep being answered meanwhile."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from authd_testlib import TIMEOUT

FLOOD = 16

# One slow hash thread and one queue place out of eight request threads: the flood fills the pool
# at once, and six request threads stay free for everything else.
POOL_ENV = {
    "AUTH_WORKER_THREADS": "8",
    "AUTH_HASH_THREADS": "1",
    "AUTH_HASH_QUEUE": "1",
    "AUTH_ARGON2_MEMORY_KIB": "32768",
    "AUTH_ARGON2_ITERATIONS": "2",
}


@pytest.fixture(scope="module")
def small_pool_server(module_factory):
    return module_factory(env=POOL_ENV)


def test_login_flood_gets_503_while_token_checks_answer(small_pool_server):
    server = small_pool_server
    client = server.client()
    # One account per login: logins of one account from one address beyond the login limits'
    # concurrency get 429 before reaching the pool, and this test is about the pool.
    users = [client.new_user() for _ in range(FLOOD)]
    user = users[0]
    account_url = f"{server.base_url}/api/auth/{user.username}"
    bearer = {"Authorization": f"Bearer {user.access}"}
    barrier = threading.Barrier(FLOOD)

    def login(index):
        barrier.wait(timeout=TIMEOUT)
        flooder = users[index]
        r = requests.post(server.base_url + "/api/auth/login",
                          json={"username": flooder.username, "password": flooder.password},
                          timeout=TIMEOUT)
        return r

    reads = []
    with ThreadPoolExecutor(max_workers=FLOOD) as pool:
        futures = [pool.submit(login, i) for i in range(FLOOD)]
        # Token checks while the logins are in flight (at least one, even on a fast machine).
        with requests.Session() as session:
            while not reads or not all(f.done() for f in futures):
                reads.append(session.get(account_url, headers=bearer, timeout=TIMEOUT))
        logins = [f.result() for f in futures]

    assert [r.status_code for r in reads] == [200] * len(reads)
    statuses = sorted(r.status_code for r in logins)
    # One thread hashes and one login waits: of sixteen at once, some are turned away.
    assert set(statuses) == {200, 503}, statuses
    for r in logins:
        if r.status_code == 503:
            assert r.json() == {"detail": "The server is busy, try again shortly.",
                                "code": "server_busy"}
            assert int(r.headers["Retry-After"]) >= 1
        else:
            assert set(r.json()) >= {"access", "refresh"}


def test_pool_is_free_again_after_the_flood(small_pool_server):
    client = small_pool_server.client()
    user = client.new_user()
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 200, r.text
