"""Attacks from the outside audit (issue 14): registration floods, a second factor planted with
a stolen token, parallel codes against one login ticket, service-login probing, and the login
limits telling which e-mail belongs to which username. Each test failed before its fix."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from authd_testlib import (BODY_BAD_LOGIN, BODY_INVALID_CODE, BODY_INVALID_TICKET, TotpApp,
                           TwoFactorKit, password_hashes, random_password, unique_name)

REGISTRATIONS = 3           # per address on limits_server
SERVICE_FAILURES = 4        # failed internal/auth per address on limits_server
REAUTH_WINDOW = 1           # seconds, on the module's server
SUBJECT_APP_ADDED = "An authenticator app was added to your account"


@pytest.fixture(scope="module")
def server(module_factory, smtp_sink):
    # A short re-authentication window: a token "stolen" a moment ago counts as old. Login
    # limits lifted: the ticket test fails many codes on purpose.
    return module_factory(smtp_sink.env(AUTH_REAUTH_WINDOW=f"{REAUTH_WINDOW}s",
                                        AUTH_LOGIN_FAILURES_PER_IP="100000",
                                        AUTH_LOGIN_BACKOFF_AFTER="1000"))


@pytest.fixture(scope="module")
def limits_server(module_factory):
    # The default login limits; few service-login failures.
    return module_factory({"AUTH_SERVICE_LOGIN_FAILURES_PER_IP": str(SERVICE_FAILURES),
                           "AUTH_SERVICES": "users:users-secret-123456"})


def register(client, name=None, **headers):
    name = name or unique_name()
    password = random_password()
    return client.register_raw({"username": name, "email": f"{name}@example.com",
                                "password": password, "password2": password},
                               headers=headers or None)


def wait_past_reauth_window():
    time.sleep(REAUTH_WINDOW + 1.1)


# ----------------------------------------------------------------------------------------------
# 1. registrations are limited per address

def test_attack_registration_flood_is_limited_per_address(authd_factory):
    client = authd_factory({"AUTH_REGISTRATION_RATE_LIMIT": str(REGISTRATIONS)}).client()
    for _ in range(REGISTRATIONS):
        assert register(client).status_code == 201
    hashes = password_hashes(client)
    r = register(client)
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "throttled"
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    # Refused before any hash is computed.
    assert password_hashes(client) == hashes


# ----------------------------------------------------------------------------------------------
# 4. a stolen access token cannot plant a second factor

def test_attack_stolen_token_cannot_start_an_app_enrolment(server, client):
    user = client.new_user()
    wait_past_reauth_window()
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "reauthentication_required"
    r = client.patch(f"/api/auth/update/{user.username}", json={"two_fa_enabled": True},
                     token=user.access)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "reauthentication_required"
    # With the password, as for any sensitive change.
    r = client.post("/api/auth/2fa/totp/", json={"password": user.password}, token=user.access)
    assert r.status_code == 200, r.text


def test_attack_app_confirmed_at_login_mails_the_owner(server, client, smtp_sink):
    # The front end's flow keeps working: 2FA on through update right after a login (a recent
    # login is the re-authentication), the QR code, then the app's first code at the next login
    # confirms it, and the owner hears of it.
    kit = TwoFactorKit(client, smtp_sink)
    user, app, _ = kit.user_with_2fa()
    ticket = kit.login_202(user)["ticket"]
    r = client.post("/api/auth/otp", json={"ticket": ticket, "code": app.next_code()},
                    headers={"User-Agent": "Thief-Browser/1.0"})
    assert r.status_code == 200, r.text
    notice = smtp_sink.wait_for(to=user.email, subject=SUBJECT_APP_ADDED)
    assert "Thief-Browser/1.0" in notice.text and "127.0.0.1" in notice.text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", notice.text), notice.text
    assert "reset your password" in " ".join(notice.text.split())


def test_attack_app_confirmed_at_confirm_mails_the_owner(server, client, smtp_sink):
    user = client.new_user()
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                    token=user.access)
    assert r.status_code == 200, r.text
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_APP_ADDED)


# ----------------------------------------------------------------------------------------------
# 5. a ticket's wrong-code limit holds against parallel requests

def test_attack_parallel_codes_try_no_more_than_the_ticket_allows(server, client):
    user = client.new_user()
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                    token=user.access)
    r = client.patch(f"/api/auth/update/{user.username}", json={"two_fa_enabled": True},
                     token=user.access)
    assert r.status_code == 200, r.text
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 202, r.text
    ticket = r.json()["ticket"]
    wrong = app.wrong_code()

    def attempt(_):
        return server.client().post("/api/auth/otp", json={"ticket": ticket, "code": wrong})

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(attempt, range(200)))
    bodies = [a.json() for a in answers]
    assert all(a.status_code == 401 for a in answers), {a.status_code for a in answers}
    tried = bodies.count(BODY_INVALID_CODE)
    assert tried + bodies.count(BODY_INVALID_TICKET) == 200
    # Only as many codes were checked as the ticket allows (5).
    assert tried <= 5, tried


# ----------------------------------------------------------------------------------------------
# 7. internal/auth: limited per address, the same work whatever the name

def test_attack_service_login_probing_is_limited_and_costs_alike(limits_server):
    client = limits_server.client()
    costs = []
    for name in ("users", "no-such-service"):
        before = password_hashes(client)
        r = client.post("/api/auth/internal/auth",
                        json={"serviceName": name, "password": "wrong-secret-123456"})
        assert r.status_code == 401, r.text
        costs.append(password_hashes(client) - before)
    # A configured name and an unknown one cost the same hash.
    assert costs == [1, 1], costs
    for _ in range(SERVICE_FAILURES - 2):
        r = client.post("/api/auth/internal/auth",
                        json={"serviceName": "users", "password": "wrong-secret-123456"})
        assert r.status_code == 401
    r = client.post("/api/auth/internal/auth",
                    json={"serviceName": "users", "password": "users-secret-123456"})
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "throttled"


# ----------------------------------------------------------------------------------------------
# 8. the login limits do not tell which e-mail belongs to which username

def test_attack_login_limits_do_not_link_email_and_username(limits_server):
    client = limits_server.client()
    user = client.new_user()
    # Past five failures the pair waits 1 s, 2 s, ...: wrong passwords until it answers 429.
    statuses = [client.login_raw(user.username, "wrong-password-0000").status_code
                for _ in range(8)]
    assert statuses[:5] == [401] * 5 and 429 in statuses, statuses
    # Its e-mail answers like any other address: the limits do not show they are one account.
    for login in (f"{user.username}@example.com", f"{unique_name()}@example.com"):
        r = client.login_raw(login, "wrong-password-0000")
        assert (r.status_code, r.json()) == (401, BODY_BAD_LOGIN), login


# ----------------------------------------------------------------------------------------------
# changing only the case of the e-mail is an e-mail change

def test_attack_email_case_change_needs_reauthentication(server, client):
    user = client.new_user()
    wait_past_reauth_window()
    r = client.patch(f"/api/auth/update/{user.username}",
                     json={"email": f"{user.username.upper()}@EXAMPLE.COM"}, token=user.access)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "reauthentication_required"
