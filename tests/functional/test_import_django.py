"""`authd import-django`: the Django service's users, django-otp TOTP devices and service
accounts, read from a database that Django itself built (Debian's python3-django and
python3-django-otp, through django_fixture.py), then used through authd's API: logins with the
original passwords in every hash format, the rehash to Argon2id, codes of the imported apps
(drift, replay), service tokens, idempotence, the dry run, and the rollback of a broken import.

The logins with Django hashes need authd's Django hash verification (crypto/django_hashes)."""

import base64
import calendar
import hashlib
import json
import os
import secrets
import sqlite3
import subprocess
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authd_testlib import (BODY_BAD_LOGIN, BODY_INVALID_CREDENTIALS, BODY_INVALID_CODE,
                           BODY_REFRESH_INVALID, BODY_TOKEN_NOT_VALID, free_port, hotp,
                           password_hashes, totp_step, wait_for_step_margin)

DEBIAN_PYTHON = "/usr/bin/python3"  # python3-django and python3-django-otp
FIXTURE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "django_fixture.py")

FRANK_KEY = secrets.token_hex(20)
IVAN_KEYS = [secrets.token_hex(20) for _ in range(3)]

# Every supported hash format, one user each (Django's own hashers make them).
FORMAT_USERS = [
    {"username": "alice.pbkdf2", "email": "alice@example.com", "hasher": "pbkdf2_sha256",
     "lang": "fr", "date_joined": "2021-03-04T05:06:07+00:00",
     "last_login": "2024-01-02T03:04:05.678+00:00"},
    {"username": "bob_sha1", "email": "bob@example.com", "hasher": "pbkdf2_sha1", "lang": "es"},
    {"username": "carol-argon2", "email": "carol@example.com", "hasher": "argon2"},
    {"username": "dave", "email": "dave@example.com", "hasher": "bcrypt_sha256"},
    {"username": "erin", "email": "erin@example.com", "hasher": "bcrypt"},
]
OTHER_USERS = [
    {"username": "frank", "email": "frank@example.com", "two_fa_enable": True},
    {"username": "grace", "email": "grace@example.com", "is_active": False},
    # Records authd cannot take: reported and skipped.
    {"username": "ALICE.pbkdf2", "email": "other-alice@example.com"},  # username case-duplicate
    {"username": "henry", "email": "Alice@Example.COM"},  # e-mail case-duplicate
    {"username": "jo@hn", "email": "john@example.com"},  # outside authd's username characters
    {"username": "login", "email": "login@example.com"},  # a route word
    {"username": "ivan", "email": "ivan@example.com", "two_fa_enable": True},
    {"username": "judy", "email": "judy@example.com", "hash": "!" + "x" * 40},  # unusable
]
SERVICE_SECRETS = {"tournament": "tournament-django-secret", "chat": "chat-django-secret-1",
                   "users": "users-django-secret-1"}  # "users" is also in AUTH_SERVICES


def password_of(user: dict) -> str:
    return "pw-" + user["username"].lower() + "-Correct-Horse"


def with_passwords(users):
    return [{**u, "password": password_of(u)} for u in users]


# ----------------------------------------------------------------------------------------------
# helpers

def build_django(tmp_path, spec: dict) -> dict:
    """Builds the Django database (and dump) that `spec` describes; returns the primary keys."""
    spec_file = tmp_path / f"spec-{secrets.token_hex(4)}.json"
    spec_file.write_text(json.dumps(spec))
    result = subprocess.run([DEBIAN_PYTHON, FIXTURE_SCRIPT, str(spec_file)], capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def sqlite_source(tmp_path, name="django.sqlite3") -> dict:
    return {"engine": "sqlite", "name": str(tmp_path / name)}


def run_import(server, *args, timeout=180) -> subprocess.CompletedProcess:
    if server.port is None:
        server.port = free_port()  # AUTH_LISTEN must name a port, even if nothing listens
    return subprocess.run([server.binary, "import-django", *args], env=server.environment(),
                          capture_output=True, text=True, timeout=timeout)


def query(server, pg, sql: str) -> list[tuple]:
    """Rows of the authd database, every value as text (None for NULL)."""
    url = server.database_url
    if url.startswith("sqlite://"):
        con = sqlite3.connect(url[len("sqlite://"):])
        try:
            rows = con.execute(sql).fetchall()
        finally:
            con.close()
        return [tuple(None if v is None else str(v) for v in row) for row in rows]
    out = pg.psql(sql.replace("\n", " "), db=url.rsplit("/", 1)[1])
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def count(server, pg, table: str) -> int:
    return int(query(server, pg, f"SELECT count(*) FROM {table}")[0][0])


def summary_lines(result) -> list[str]:
    return result.stdout.splitlines()


def assert_summary(result, users, apps, services):
    """Each of users/apps/services: (created, updated, unchanged, skipped)."""
    lines = summary_lines(result)
    for what, (c, u, n, s) in (("users", users), ("authenticator apps", apps),
                               ("service accounts", services)):
        expected = f"{what}: {c} created, {u} updated, {n} unchanged, {s} skipped"
        assert expected in lines, f"{expected!r} not in\n{result.stdout}\n{result.stderr}"


def login(client, username, password):
    return client.post("/api/auth/login", json={"username": username, "password": password})


def password_hash(server, pg, username) -> str:
    rows = query(server, pg, f"SELECT password_hash FROM users WHERE username = '{username}'")
    assert rows, username
    return rows[0][0]


def django_pbkdf2_sha256(password: str, iterations: int = 260000) -> str:
    """Django's pbkdf2_sha256 format, computed here without Django."""
    salt = secrets.token_hex(11)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def otp_login(client, username, password, code):
    """The password step, then the code: the second answer."""
    first = login(client, username, password)
    assert first.status_code == 202, f"{first.status_code} {first.text}"
    assert first.json()["methods"] == ["totp"], first.text
    return client.post("/api/auth/otp", json={"ticket": first.json()["ticket"], "code": code})


# ----------------------------------------------------------------------------------------------
# the full fixture: every format, 2FA users, odd records, service accounts

@pytest.fixture(scope="module")
def imported(module_factory, pg, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("django")
    spec = {
        "database": sqlite_source(tmp),
        "users": with_passwords(FORMAT_USERS + OTHER_USERS),
        "devices": [
            {"user": "frank", "key": FRANK_KEY},
            {"user": "ivan", "key": IVAN_KEYS[0], "last_t": 5},
            {"user": "ivan", "key": IVAN_KEYS[1], "last_t": 9},  # used last: the one imported
            {"user": "ivan", "key": IVAN_KEYS[2], "confirmed": False},
        ],
        "services": [{"serviceName": "tournament", "password": SERVICE_SECRETS["tournament"]},
                     {"serviceName": "chat", "password": SERVICE_SECRETS["chat"],
                      "hasher": "argon2"},
                     {"serviceName": "users", "password": SERVICE_SECRETS["users"]}],
    }
    ids = build_django(tmp, spec)
    server = module_factory(start=False)
    result = run_import(server, "--from", f"sqlite:{spec['database']['name']}")
    server.start()
    return {"server": server, "result": result, "ids": ids, "source": spec["database"]["name"],
            "pg": pg}


def test_import_summary_and_reports_of_skipped_records(imported):
    result, ids = imported["result"], imported["ids"]["users"]
    assert result.returncode == 0, result.stderr
    assert_summary(result, users=(9, 0, 0, 4), apps=(2, 0, 0, 2), services=(3, 0, 0, 0))
    err = result.stderr
    # One line per record authd cannot take, naming it and saying why.
    assert (f'skipped user #{ids["ALICE.pbkdf2"]} "ALICE.pbkdf2": its username differs only in '
            f'case from that of user #{ids["alice.pbkdf2"]} "alice.pbkdf2"') in err, err
    assert (f'skipped user #{ids["henry"]} "henry": its e-mail address differs only in case '
            f'from that of user #{ids["alice.pbkdf2"]} "alice.pbkdf2"') in err, err
    assert f'skipped user #{ids["jo@hn"]} "jo@hn": its username breaks authd\'s rule' in err, err
    assert f'skipped user #{ids["login"]} "login": its username breaks authd\'s rule' in err, err
    assert "reserved" in err
    devices = imported["ids"]["devices"]
    assert (f"skipped authenticator app #{devices[1]} of user #{ids['ivan']}: authd keeps one "
            f"authenticator app per account: app #{devices[2]}, used last, was imported "
            f"instead") in err, err
    assert (f"skipped authenticator app #{devices[3]} of user #{ids['ivan']}: it was never "
            f"confirmed") in err, err
    assert f'user #{ids["judy"]} "judy": it has no usable password' in err, err
    service = imported["ids"]["services"]["users"]
    assert f'service account #{service} "users": AUTH_SERVICES also names it' in err, err


def test_skipped_users_are_not_in_authd(imported):
    server, pg = imported["server"], imported["pg"]
    names = {row[0] for row in query(server, pg, "SELECT username FROM users")}
    assert names == {"alice.pbkdf2", "bob_sha1", "carol-argon2", "dave", "erin", "frank",
                     "grace", "ivan", "judy"}
    assert count(server, pg, "users WHERE email = 'Alice@Example.COM'") == 0


@pytest.mark.parametrize("user", FORMAT_USERS, ids=lambda u: u["hasher"])
def test_login_with_the_original_password_rehashes_to_argon2id(imported, user):
    """Needs authd's Django hash verification (crypto/django_hashes)."""
    server, pg = imported["server"], imported["pg"]
    client = server.client()
    before = password_hash(server, pg, user["username"])
    assert before.split("$")[0] == user["hasher"]  # as Django wrote it
    assert login(client, user["username"], "not-" + password_of(user)).json() == BODY_BAD_LOGIN
    r = login(client, user["username"], password_of(user))
    assert r.status_code == 200, r.text
    assert r.json()["lang"] == user.get("lang", "en")
    after = password_hash(server, pg, user["username"])
    assert after.startswith("$argon2id$") and after != before
    # The new hash works, the login still does.
    assert login(client, user["username"], password_of(user)).status_code == 200


def test_account_fields_are_preserved(imported):
    client = imported["server"].client()
    user = FORMAT_USERS[0]
    r = login(client, user["username"], password_of(user))
    assert r.status_code == 200, r.text
    account = client.get("/api/auth/" + user["username"], token=r.json()["access"]).json()
    assert account["email"] == "alice@example.com"
    assert account["lang"] == "fr"
    assert account["date_joined"] == "2021-03-04T05:06:07Z"
    assert account["two_fa_enable"] is False and account["email_verified"] is False


def test_inactive_user_cannot_log_in(imported):
    r = login(imported["server"].client(), "grace", password_of({"username": "grace"}))
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_imported_app_codes_are_accepted_once(imported):
    client = imported["server"].client()
    password = password_of({"username": "frank"})
    key = bytes.fromhex(FRANK_KEY)
    wait_for_step_margin(8)
    code = hotp(key, totp_step())
    r = otp_login(client, "frank", password, code)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access", "refresh", "lang"}
    # The same step again: a replay.
    r = otp_login(client, "frank", password, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE


def test_of_several_apps_the_one_used_last_is_imported(imported):
    client = imported["server"].client()
    password = password_of({"username": "ivan"})
    wait_for_step_margin(8)
    step = totp_step()
    r = otp_login(client, "ivan", password, hotp(bytes.fromhex(IVAN_KEYS[0]), step))
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    r = otp_login(client, "ivan", password, hotp(bytes.fromhex(IVAN_KEYS[1]), step))
    assert r.status_code == 200, r.text


def test_imported_service_accounts_get_tokens_with_their_django_secret(imported):
    server, pg = imported["server"], imported["pg"]
    client = server.client()
    for name in ("tournament", "chat"):
        before = query(server, pg, f"SELECT password_hash FROM service_accounts "
                                   f"WHERE name = '{name}'")[0][0]
        assert not before.startswith("$argon2id$")
        wrong = client.post("/api/auth/internal/auth",
                            json={"serviceName": name, "password": "wrong-secret-123456"})
        assert wrong.status_code == 401 and wrong.json() == BODY_INVALID_CREDENTIALS
        r = client.post("/api/auth/internal/auth",
                        json={"serviceName": name, "password": SERVICE_SECRETS[name]})
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        assert jwt.decode(token, options={"verify_signature": False})["service_name"] == name
        # Upgraded on first use, and still good.
        after = query(server, pg, f"SELECT password_hash FROM service_accounts "
                                  f"WHERE name = '{name}'")[0][0]
        assert after.startswith("$argon2id$")
        again = client.post("/api/auth/internal/auth",
                            json={"serviceName": name, "password": SERVICE_SECRETS[name]})
        assert again.status_code == 200, again.text
        # An imported service's token works where a service token is required.
        user = client.new_user()
        r = client.post("/api/auth/introspect", json={"token": user.access}, token=token)
        assert r.status_code == 200 and r.json()["active"] is True, r.text


def test_unknown_service_names_cost_a_hash_like_imported_ones(imported):
    # Otherwise the time of a refusal would tell which service names are in the table.
    client = imported["server"].client()
    costs = {}
    for name in ("chat", "no-such-service"):
        before = password_hashes(client)
        r = client.post("/api/auth/internal/auth",
                        json={"serviceName": name, "password": "wrong-secret-123456"})
        assert r.status_code == 401 and r.json() == BODY_INVALID_CREDENTIALS
        costs[name] = password_hashes(client) - before
    assert costs == {"chat": 1, "no-such-service": 1}


def test_configured_service_secret_wins_over_the_imported_one(imported):
    client = imported["server"].client()
    r = client.post("/api/auth/internal/auth",
                    json={"serviceName": "users", "password": SERVICE_SECRETS["users"]})
    assert r.status_code == 401 and r.json() == BODY_INVALID_CREDENTIALS
    assert client.service_token("users")


def test_second_run_changes_nothing_and_says_so(imported):
    server, pg = imported["server"], imported["pg"]
    # After the logins above, hashes are Argon2id in authd: a second run must keep them.
    hashes = dict(query(server, pg, "SELECT username, password_hash FROM users"))
    devices = query(server, pg, "SELECT id, last_used_step FROM totp_devices ORDER BY id")
    result = run_import(server, "--from", f"sqlite:{imported['source']}")
    assert result.returncode == 0, result.stderr
    assert_summary(result, users=(0, 0, 9, 4), apps=(0, 0, 2, 2), services=(0, 0, 3, 0))
    assert "nothing to do" in result.stdout
    assert dict(query(server, pg, "SELECT username, password_hash FROM users")) == hashes
    assert query(server, pg, "SELECT id, last_used_step FROM totp_devices ORDER BY id") == devices


# ----------------------------------------------------------------------------------------------
# drift and last_t of an app used in Django

def test_drift_and_last_used_step_of_an_imported_app(authd_factory, pg, tmp_path):
    key = secrets.token_hex(20)
    drift = 2
    wait_for_step_margin(20)
    used = totp_step() + drift  # Django accepted this step just before the move
    spec = {"database": sqlite_source(tmp_path),
            "users": [{"username": "zoe", "email": "zoe@example.com", "password": "zoe-Password-1",
                       "two_fa_enable": True}],
            "devices": [{"user": "zoe", "key": key, "drift": drift, "last_t": used}]}
    build_django(tmp_path, spec)
    server = authd_factory(start=False)
    result = run_import(server, "--from", spec["database"]["name"])
    assert result.returncode == 0, result.stderr
    assert query(server, pg, "SELECT drift, last_used_step FROM totp_devices") == [
        (str(drift), str(used))]
    server.start()
    client = server.client()
    wait_for_step_margin(8)
    now = totp_step()
    secret = bytes.fromhex(key)
    # The step Django saw last is spent; a code of now without the drift is out of the window.
    for step in (used, now):
        r = otp_login(client, "zoe", "zoe-Password-1", hotp(secret, step))
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE, step
    # now + drift + 1 is within one step of now + drift, and after the step used last.
    r = otp_login(client, "zoe", "zoe-Password-1", hotp(secret, now + drift + 1))
    assert r.status_code == 200, r.text


# ----------------------------------------------------------------------------------------------
# other sources, dry run, updates, failures

SMALL_USERS = [
    {"username": "ann", "email": "ann@example.com", "password": "ann-Password-123"},
    {"username": "ben", "email": "ben@example.com", "password": "ben-Password-123",
     "two_fa_enable": True, "lang": "es"},
    {"username": "cat", "email": "cat@example.com", "password": "cat-Password-123"},
]


@pytest.mark.parametrize("natural", [False, True], ids=["pk", "natural-keys"])
def test_import_from_a_dumpdata_file(authd_factory, pg, tmp_path, natural):
    dump = tmp_path / "dump.json"
    ids = build_django(tmp_path, {
        "database": sqlite_source(tmp_path), "dump": {"path": str(dump), "natural": natural},
        "users": SMALL_USERS, "devices": [{"user": "ben", "key": FRANK_KEY}],
        "services": [{"serviceName": "tournament", "password": "tournament-dump-secret"}]})
    server = authd_factory(start=False)
    result = run_import(server, "--from", str(dump))
    assert result.returncode == 0, result.stderr
    assert "dumpdata file" in result.stderr
    assert_summary(result, users=(3, 0, 0, 0), apps=(1, 0, 0, 0), services=(1, 0, 0, 0))
    # Keyed by the dump's keys: primary keys, or the natural keys of --natural-primary.
    expected_key = '["ann"]' if natural else str(ids["users"]["ann"])
    assert ("django:user", expected_key) in query(
        server, pg, "SELECT source, source_id FROM import_records")
    again = run_import(server, "--from", str(dump))
    assert "nothing to do" in again.stdout, again.stdout + again.stderr
    server.start()
    client = server.client()
    r = login(client, "ann", "ann-Password-123")  # pbkdf2_sha256: needs django_hashes
    assert r.status_code == 200, r.text
    r = client.post("/api/auth/internal/auth",
                    json={"serviceName": "tournament", "password": "tournament-dump-secret"})
    assert r.status_code == 200, r.text


def test_dry_run_writes_nothing_and_reports_what_it_would_do(authd_factory, pg, tmp_path):
    spec = {"database": sqlite_source(tmp_path), "users": SMALL_USERS,
            "devices": [{"user": "ben", "key": FRANK_KEY}],
            "services": [{"serviceName": "tournament", "password": "tournament-dry-secret"}]}
    build_django(tmp_path, spec)
    server = authd_factory(start=False)
    source = "sqlite:" + spec["database"]["name"]
    result = run_import(server, "--from", source, "--dry-run", "--progress-every", "1")
    assert result.returncode == 0, result.stderr
    assert_summary(result, users=(3, 0, 0, 0), apps=(1, 0, 0, 0), services=(1, 0, 0, 0))
    assert "dry run: nothing was written" in result.stdout
    # A progress line per user, here.
    assert [line for line in result.stderr.splitlines() if ": users " in line] == [
        f"authd import-django: users {n}/3" for n in (1, 2, 3)]
    for table in ("users", "totp_devices", "service_accounts", "import_records"):
        assert count(server, pg, table) == 0, table
    assert not os.path.exists(os.path.join(server.data_dir, "secret.key"))
    real = run_import(server, "--from", source)
    assert_summary(real, users=(3, 0, 0, 0), apps=(1, 0, 0, 0), services=(1, 0, 0, 0))
    assert "dry run" not in real.stdout
    assert count(server, pg, "users") == 3


def test_a_record_changed_in_django_is_updated(authd_factory, pg, tmp_path):
    spec = {"database": sqlite_source(tmp_path), "users": SMALL_USERS}
    ids = build_django(tmp_path, spec)
    server = authd_factory(start=False)
    source = "sqlite:" + spec["database"]["name"]
    assert run_import(server, "--from", source).returncode == 0
    # The old service took more writes before it was stopped: a new password and address.
    new_hash = django_pbkdf2_sha256("ann-New-Password-456", iterations=1000)
    con = sqlite3.connect(spec["database"]["name"])
    con.execute("UPDATE accounts_user SET password = ?, email = ?, is_active = ? WHERE id = ?",
                (new_hash, "ann.new@example.com", 1, ids["users"]["ann"]))
    con.execute("UPDATE accounts_user SET is_active = 0 WHERE id = ?", (ids["users"]["cat"],))
    con.commit()
    con.close()
    result = run_import(server, "--from", source)
    assert result.returncode == 0, result.stderr
    assert_summary(result, users=(0, 2, 1, 0), apps=(0, 0, 0, 0), services=(0, 0, 0, 0))
    assert query(server, pg, "SELECT email FROM users WHERE username = 'ann'") == [
        ("ann.new@example.com",)]
    server.start()
    client = server.client()
    assert login(client, "ann", "ann-Password-123").status_code == 401
    r = login(client, "ann", "ann-New-Password-456")  # needs django_hashes
    assert r.status_code == 200, r.text
    assert login(client, "cat", "cat-Password-123").status_code == 401  # deactivated
    again = run_import(server, "--from", source)
    assert_summary(again, users=(0, 0, 3, 0), apps=(0, 0, 0, 0), services=(0, 0, 0, 0))
    assert "nothing to do" in again.stdout


def test_broken_device_fails_the_import_and_nothing_is_written(authd_factory, pg, tmp_path):
    spec = {"database": sqlite_source(tmp_path), "users": SMALL_USERS,
            "devices": [{"user": "ben", "key": FRANK_KEY}, {"user": "cat", "key": "zz" * 20}]}
    ids = build_django(tmp_path, spec)
    server = authd_factory(start=False)
    result = run_import(server, "--from", "sqlite:" + spec["database"]["name"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"error: authenticator app #{ids['devices'][1]} of user #{ids['users']['cat']}: "
            f"key is not hexadecimal") in result.stderr, result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    # The users before it were written in the same transaction: rolled back with it.
    for table in ("users", "totp_devices", "import_records"):
        assert count(server, pg, table) == 0, table


def test_broken_user_in_a_dump_fails_the_import(authd_factory, pg, tmp_path):
    dump = tmp_path / "dump.json"
    build_django(tmp_path, {"database": sqlite_source(tmp_path), "dump": {"path": str(dump)},
                            "users": SMALL_USERS})
    objects = json.loads(dump.read_text())
    users = [o for o in objects if o["model"] == "accounts.user"]
    users[-1]["fields"]["username"] = None  # the last one: the others are written first
    dump.write_text(json.dumps(objects))
    server = authd_factory(start=False)
    result = run_import(server, "--from", str(dump))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"error: user #{users[-1]['pk']}: username is NULL" in result.stderr, result.stderr
    assert count(server, pg, "users") == 0


def test_usage_and_source_errors(authd_factory, tmp_path):
    server = authd_factory(start=False)
    result = run_import(server)
    assert result.returncode == 2 and "--from is required" in result.stderr
    result = run_import(server, "--from", str(tmp_path / "missing.json"))
    assert result.returncode == 1 and "no file at" in result.stderr
    (tmp_path / "not.json").write_text("{not json")
    result = run_import(server, "--from", str(tmp_path / "not.json"))
    assert result.returncode == 1 and "not a dumpdata JSON file" in result.stderr
    result = run_import(server, "--from", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1 and "cannot connect to the source PostgreSQL" in result.stderr


@pytest.mark.postgres_only
def test_import_from_the_django_postgresql_database(authd_factory, pg, tmp_path):
    name = pg.create_database()
    build_django(tmp_path, {
        "database": {"engine": "postgresql", "name": name, "host": "127.0.0.1",
                     "port": pg.port, "user": "postgres"},
        "users": SMALL_USERS + [{"username": "dan", "email": "dan@example.com",
                                 "password": "dan-Password-123", "hasher": "argon2",
                                 "last_login": "2024-02-03T04:05:06.789+00:00"}],
        "devices": [{"user": "ben", "key": FRANK_KEY, "drift": -1, "last_t": 7}],
        "services": [{"serviceName": "chat", "password": "chat-postgres-secret"}]})
    server = authd_factory(start=False)
    result = run_import(server, "--from", pg.url(name))
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL database" in result.stderr
    assert_summary(result, users=(4, 0, 0, 0), apps=(1, 0, 0, 0), services=(1, 0, 0, 0))
    dan_last_login = calendar.timegm((2024, 2, 3, 4, 5, 6))
    assert query(server, pg, "SELECT last_login, lang FROM users WHERE username IN ('dan', 'ben') "
                             "ORDER BY username") == [("", "es"), (str(dan_last_login), "en")]
    assert query(server, pg, "SELECT drift, last_used_step FROM totp_devices") == [("-1", "7")]
    assert "nothing to do" in run_import(server, "--from", pg.url(name)).stdout
    server.start()
    r = login(server.client(), "dan", "dan-Password-123")  # argon2: needs django_hashes
    assert r.status_code == 200, r.text


# ----------------------------------------------------------------------------------------------
# the migration guide's claim about SimpleJWT's tokens

def test_simplejwt_tokens_signed_with_the_same_key_are_refused_by_authd(authd_factory, tmp_path):
    """With the old RSA key, the microservices keep verifying what they hold until it expires,
    but authd itself takes none of SimpleJWT's tokens: they name no authd session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "simplejwt.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
    server = authd_factory({"AUTH_JWT_ALGORITHM": "RS512", "AUTH_JWT_PRIVATE_KEY_FILE": str(pem)})
    client = server.client()
    user = client.new_user()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    # authd's tokens verify with the old public key, as the microservices do it.
    assert jwt.decode(user.access, public, algorithms=["RS512"])["username"] == user.username
    now = int(time.time())
    old = {"user_id": 1, "username": user.username, "iat": now, "jti": secrets.token_hex(16)}
    refresh = jwt.encode({**old, "token_type": "refresh", "exp": now + 86400}, key,
                         algorithm="RS512")
    access = jwt.encode({**old, "token_type": "access", "exp": now + 300}, key, algorithm="RS512")
    assert client.refresh(refresh).json() == BODY_REFRESH_INVALID
    r = client.account(user.username, access)
    assert r.status_code == 401 and r.json() == BODY_TOKEN_NOT_VALID
