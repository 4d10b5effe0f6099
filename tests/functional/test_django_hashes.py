"""Password hashes imported from Django (issue 7; docs/MIGRATING.md): an account whose stored
hash is one of Django's formats, exactly as Django wrote it into auth_user.password, logs in with
its password; the first success replaces the hash with authd's own Argon2id without counting as a
password change; a wrong password, Django's unusable "!" passwords, unknown formats and hashes
beyond the cost bounds never log in, and cost what a wrong password costs.

The hashes are made here with Django's own hashers (Debian's python3-django, with argon2-cffi and
pyca/bcrypt) and, for scrypt (Django 4.0 and later), with hashlib in Django's layout. They are
written straight into the server's database (SQLite file or PostgreSQL), as `authd import-django`
would copy them."""

import base64
import hashlib
import secrets
from urllib.parse import quote

import bcrypt
import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher, BCryptPasswordHasher, BCryptSHA256PasswordHasher, MD5PasswordHasher,
    PBKDF2PasswordHasher, PBKDF2SHA1PasswordHasher,
)

from authd_testlib import (
    BODY_BAD_LOGIN, MSG_OLD_PASSWORD_WRONG, MSG_REAUTH_PASSWORD_WRONG, TwoFactorKit,
    assert_tokens, password_hashes, random_password, sql, unique_name,
)

# The suite's servers hash with AUTH_ARGON2_MEMORY_KIB=8192 and AUTH_ARGON2_ITERATIONS=1.
AUTHD_HASH_PREFIX = "$argon2id$v=19$m=8192,t=1,p=1$"


# ----------------------------------------------------------------------------------------------
# Django's formats

def django_salt() -> str:
    return secrets.token_urlsafe(16).replace("-", "x").replace("_", "y")[:22]


def argon2_hash(password: str, time_cost: int, memory_cost: int, parallelism: int) -> str:
    hasher = Argon2PasswordHasher()
    hasher.time_cost, hasher.memory_cost, hasher.parallelism = time_cost, memory_cost, parallelism
    return hasher.encode(password, django_salt())


def scrypt_hash(password: str, n: int = 2 ** 14, r: int = 8, p: int = 1) -> str:
    # Django 4.0's ScryptPasswordHasher.encode(), which Debian 12's Django 3.2 does not have.
    salt = django_salt()
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, dklen=64)
    return "scrypt$%d$%s$%d$%d$%s" % (n, salt, r, p, base64.b64encode(digest).decode("ascii"))


FORMATS = {
    # Django 3.2's default iterations, then other counts: any is accepted.
    "pbkdf2_sha256": lambda pw: PBKDF2PasswordHasher().encode(pw, django_salt()),
    "pbkdf2_sha256 1000 iterations": lambda pw: PBKDF2PasswordHasher().encode(
        pw, django_salt(), 1000),
    "pbkdf2_sha1": lambda pw: PBKDF2SHA1PasswordHasher().encode(pw, django_salt(), 30000),
    # Django's Argon2 defaults (t=2, 100 MiB, p=8), and others.
    "argon2id default": lambda pw: Argon2PasswordHasher().encode(pw, django_salt()),
    "argon2id t=3 m=1024 p=2": lambda pw: argon2_hash(pw, 3, 1024, 2),
    "argon2id t=1 m=4096 p=4": lambda pw: argon2_hash(pw, 1, 4096, 4),
    "bcrypt_sha256": lambda pw: BCryptSHA256PasswordHasher().encode(
        pw, BCryptSHA256PasswordHasher().salt()),
    "bcrypt cost 4": lambda pw: BCryptPasswordHasher().encode(
        pw, bcrypt.gensalt(4)),
    "scrypt": scrypt_hash,
}


# ----------------------------------------------------------------------------------------------
# the server's database

def set_hash(server, username: str, encoded: str):
    sql(server.database_url, "UPDATE users SET password_hash = %s WHERE username = %s",
        (encoded, username))
    assert stored(server, username)[0] == encoded


def stored(server, username: str) -> tuple:
    """(password_hash, password_changed_at) of the user."""
    rows = sql(server.database_url,
               "SELECT password_hash, password_changed_at FROM users WHERE username = %s",
               (username,))
    assert len(rows) == 1, rows
    return rows[0]


# ----------------------------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="module")
def sink(smtp_sink):
    return smtp_sink  # conftest's module-wide sink, under the name these tests use


@pytest.fixture(scope="module")
def server(module_factory, sink):
    # The tests fail logins on purpose, many per account: no limit may answer 429 instead.
    return module_factory(sink.env(AUTH_LOGIN_FAILURES_PER_IP="100000",
                                   AUTH_LOGIN_BACKOFF_AFTER="1000",
                                   AUTH_LOGIN_FAILURES_PER_ACCOUNT="100000"))


@pytest.fixture
def kit(client, sink):
    return TwoFactorKit(client, sink)


def login_cost(client, username, password):
    """The login's answer and the password hash computations it cost."""
    before = password_hashes(client)
    r = client.login_raw(username, password)
    return r, password_hashes(client) - before


# ----------------------------------------------------------------------------------------------
# login

@pytest.mark.parametrize("format_name", list(FORMATS))
def test_django_hash_logs_in_once_then_is_authds_own(client, server, format_name):
    user = client.new_user()  # a session opened before the import
    encoded = FORMATS[format_name](user.password)
    set_hash(server, user.username, encoded)
    _, changed_at = stored(server, user.username)

    # A wrong password: one check, the same exact 401, the hash left as it was.
    r, cost = login_cost(client, user.username, user.password + "x")
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    assert cost == 1
    assert stored(server, user.username) == (encoded, changed_at)

    # The right one: logged in; the check and the new hash are the two computations.
    r, cost = login_cost(client, user.username, user.password)
    assert_tokens(r, user.username)
    assert cost == 2
    new_hash, new_changed_at = stored(server, user.username)
    assert new_hash.startswith(AUTHD_HASH_PREFIX), new_hash
    # Not a password change: same timestamp, and the session from before still works.
    assert new_changed_at == changed_at
    assert client.account(user.username, user.access).status_code == 200
    assert client.refresh(user.refresh).status_code == 200

    # From now on an ordinary account: one check a login, no more rehashing.
    r, cost = login_cost(client, user.username, user.password)
    assert_tokens(r, user.username)
    assert cost == 1
    assert stored(server, user.username)[0] == new_hash
    r = client.login_raw(user.email, user.password + "x")
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_pbkdf2_with_an_unusual_iteration_count_and_a_utf8_password(client, server):
    password = "pässwörd ✓ 密码 " + random_password()
    user = client.register(password=password)
    set_hash(server, user.username, PBKDF2PasswordHasher().encode(password, django_salt(), 1234))
    assert client.login_raw(user.username, password.upper()).status_code == 401
    assert_tokens(client.login_raw(user.username, password), user.username)
    assert stored(server, user.username)[0].startswith(AUTHD_HASH_PREFIX)


def test_unusable_passwords_never_log_in(client, server):
    user = client.register()
    real = PBKDF2PasswordHasher().encode(user.password, django_salt(), 1000)
    for unusable in ["!", "!" + secrets.token_hex(20), "!" + real]:
        set_hash(server, user.username, unusable)
        for password in [user.password, unusable, "x" + unusable[1:]]:
            r, cost = login_cost(client, user.username, password)
            assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN, unusable
            # The same one computation as a wrong password or an unknown name.
            assert cost == 1, unusable
        assert stored(server, user.username)[0] == unusable


def test_unknown_formats_and_hashes_beyond_the_bounds_never_log_in(client, server):
    user = client.register()
    pw = user.password
    salt = django_salt()
    digest = base64.b64encode(hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), 1))
    for encoded in [
        MD5PasswordHasher().encode(pw, salt),   # a real Django hash, of a format not taken
        "sha1$%s$%s" % (salt, hashlib.sha1((salt + pw).encode()).hexdigest()),
        hashlib.md5(pw.encode()).hexdigest(),   # Django's ancient unsalted MD5
        "pbkdf2_sha256$01$%s$%s" % (salt, digest.decode()),  # "%d" never writes 01
        "pbkdf2_sha256$20000000$%s$%s" % (salt, digest.decode()),
        argon2_hash(pw, 1, 64, 1).replace("m=64,", "m=2097152,"),  # 2 GiB
        BCryptPasswordHasher().encode(pw, bcrypt.gensalt(4)).replace(
            "$04$", "$20$"),
        "",
        "garbage",
    ]:
        set_hash(server, user.username, encoded)
        r, cost = login_cost(client, user.username, pw)
        assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN, encoded
        assert cost == 1, encoded
        assert stored(server, user.username)[0] == encoded


def test_unknown_name_still_costs_one_hash(client):
    r, cost = login_cost(client, unique_name("nobody"), random_password())
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    assert cost == 1


# ----------------------------------------------------------------------------------------------
# the other routes that check the current password

def test_password_change_checks_the_django_hash(client, server):
    user = client.new_user()
    encoded = FORMATS["bcrypt_sha256"](user.password)
    set_hash(server, user.username, encoded)
    path = f"/api/auth/password/{quote(user.username, safe='')}"
    new = random_password()
    r = client.put(path, token=user.access, json={
        "password": user.password + "x", "new_password": new, "new_password2": new})
    assert r.status_code == 400 and r.json() == {"password": [MSG_OLD_PASSWORD_WRONG]}
    assert stored(server, user.username)[0] == encoded
    r = client.put(path, token=user.access, json={
        "password": user.password, "new_password": new, "new_password2": new})
    assert r.status_code == 200 and r.json() == {}, r.text
    assert client.login_raw(user.username, user.password).status_code == 401
    assert_tokens(client.login_raw(user.username, new), user.username)
    assert stored(server, user.username)[0].startswith(AUTHD_HASH_PREFIX)


def test_reauthentication_checks_and_replaces_the_django_hash(client, server):
    user = client.new_user()
    encoded = FORMATS["argon2id t=3 m=1024 p=2"](user.password)
    set_hash(server, user.username, encoded)
    _, changed_at = stored(server, user.username)
    path = "/api/auth/update/" + quote(user.username, safe="")
    new_email = unique_name("moved") + "@example.com"
    r = client.patch(path, token=user.access,
                     json={"email": new_email, "password": user.password + "x"})
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    assert stored(server, user.username)[0] == encoded
    r = client.patch(path, token=user.access, json={"email": new_email, "password": user.password})
    assert r.status_code == 200 and r.json()["email"] == new_email, r.text
    new_hash, new_changed_at = stored(server, user.username)
    assert new_hash.startswith(AUTHD_HASH_PREFIX) and new_changed_at == changed_at
    assert client.account(user.username, user.access).status_code == 200
    assert_tokens(client.login_raw(new_email, user.password), user.username)


def test_two_factor_login_with_a_django_hash(client, server, kit):
    user, _app, codes = kit.user_with_2fa()
    set_hash(server, user.username, FORMATS["pbkdf2_sha1"](user.password))
    ticket = kit.ticket(user)
    # The password step already stored authd's own hash; the second step still completes.
    assert stored(server, user.username)[0].startswith(AUTHD_HASH_PREFIX)
    assert_tokens(kit.otp(ticket, codes[0]), user.username)
    assert kit.ticket(user)
