"""Two-factor authentication under short or strict settings: ticket expiry
(AUTH_LOGIN_TICKET_LIFETIME), the re-authentication window of sensitive changes
(AUTH_REAUTH_WINDOW), wrong codes per ticket (AUTH_OTP_MAX_ATTEMPTS), the account lockout
(AUTH_OTP_LOCKOUT_AFTER, AUTH_OTP_LOCKOUT) and the mailed-code limit (AUTH_LOGIN_CODE_RATE_LIMIT).
The ordinary flows are in test_two_factor.py."""

import time
from urllib.parse import quote

import pytest

from authd_mail import SUBJECT_EMAIL_CHANGED, SUBJECT_VERIFY, throttled_body
from authd_testlib import (BODY_BAD_LOGIN, BODY_CODE_SENT, BODY_INVALID_CODE,
                           BODY_INVALID_TICKET, BODY_REAUTH_REQUIRED, MSG_REAUTH_PASSWORD_WRONG,
                           SUBJECT_2FA_OFF, SUBJECT_APP_REMOVED, USER_KEYS, TotpApp,
                           TwoFactorKit, assert_tokens, random_password,
                           unique_name)

TICKET_LIFETIME = 2   # seconds
REAUTH_WINDOW = 1     # seconds
LOCKOUT_AFTER = 3     # consecutive wrong codes per account
LOCKOUT = 2           # seconds
MAX_ATTEMPTS = 2      # wrong codes per ticket
CODE_LIMIT = 2        # mailed login codes per account per hour


@pytest.fixture(scope="module")
def sink(smtp_sink):
    return smtp_sink  # conftest's module-wide sink, under the name these tests use


@pytest.fixture(scope="module")
def short_server(module_factory, sink):
    return module_factory(sink.env(AUTH_EMAIL_RETRY_BASE="1",
                                   AUTH_LOGIN_TICKET_LIFETIME=f"{TICKET_LIFETIME}s",
                                   AUTH_REAUTH_WINDOW=f"{REAUTH_WINDOW}s"))


@pytest.fixture(scope="module")
def strict_server(module_factory, sink):
    return module_factory(sink.env(AUTH_EMAIL_RETRY_BASE="1",
                                   AUTH_OTP_LOCKOUT_AFTER=str(LOCKOUT_AFTER),
                                   AUTH_OTP_LOCKOUT=f"{LOCKOUT}s",
                                   AUTH_OTP_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
                                   AUTH_LOGIN_CODE_RATE_LIMIT=str(CODE_LIMIT)))


@pytest.fixture
def short(short_server, sink):
    return TwoFactorKit(short_server.client(), sink)


@pytest.fixture
def strict(strict_server, sink):
    return TwoFactorKit(strict_server.client(), sink)


@pytest.fixture(scope="module")
def stale(short_server, sink):
    """Users of the short server whose sessions' logins are older than the re-authentication
    window: each set up right after its own login (turning 2FA on needs a recent one, and a
    loaded machine can take longer than the window for all of them), then one wait for all."""
    kit = TwoFactorKit(short_server.client(), sink)
    names = ("off", "email", "app", "replace", "delete", "on")
    users = {}
    for name in names:
        user = kit.client.new_user()
        logged_in_at = time.time()  # at or after each login so far
        kit.verify_email(user)
        if name == "on":
            users[name] = (user, None, None)
            continue
        _, app, codes = kit.enable(user)
        if name in ("app", "replace"):
            kit.confirm(user, app)
        users[name] = (user, app, codes)
    # auth_time has whole seconds: past the window once `now - auth_time > window`.
    time.sleep(max(0.0, logged_in_at + REAUTH_WINDOW + 1.2 - time.time()))
    return users


def update_path(user):
    return "/api/auth/update/" + quote(user.username, safe="")


# ----------------------------------------------------------------------------------------------
# ticket lifetime

def test_ticket_expires(short):
    user, app, _ = short.user_with_2fa()
    ticket = short.ticket(user)
    created = time.time()
    code = short.wait_login_code(user.email, 1)
    time.sleep(max(0.0, created + TICKET_LIFETIME + 1.1 - time.time()))
    for right in (code, app.code_at(0)):
        r = short.otp(ticket, right)
        assert r.status_code == 401, r.text
        assert r.json() == BODY_INVALID_TICKET
    r = short.client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    r = short.otp_front_end(user.username, user.password, code)  # its code died with it
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # A ticket used at once is still good.
    assert_tokens(short.otp(short.ticket(user), app.next_code()), user.username)


# ----------------------------------------------------------------------------------------------
# re-authentication of sensitive changes

def test_stale_session_cannot_turn_2fa_off(short, stale, sink):
    user, _, _ = stale["off"]
    client = short.client
    r = client.patch(update_path(user), json={"two_fa_enabled": False}, token=user.access)
    assert r.status_code == 403, r.text
    assert r.json() == BODY_REAUTH_REQUIRED
    r = client.patch(update_path(user), token=user.access,
                     json={"two_fa_enable": False, "password": random_password()})
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    assert short.account(user)["two_fa_enable"] is True
    assert sink.messages_to(user.email) and not [
        m for m in sink.messages_to(user.email) if m.subject == SUBJECT_2FA_OFF]

    r = client.patch(update_path(user), token=user.access,
                     json={"two_fa_enabled": False, "password": user.password})
    assert r.status_code == 200, r.text
    assert set(r.json()) == USER_KEYS and r.json()["two_fa_enabled"] is False
    sink.wait_for(to=user.email, subject=SUBJECT_2FA_OFF)
    assert_tokens(client.login_raw(user.username, user.password), user.username)


def test_stale_session_cannot_change_email(short, stale, sink):
    user, _, _ = stale["email"]
    client = short.client
    new_email = unique_name("n") + "@example.com"
    # Sending the same address again is no change and needs nothing; a change of case is a
    # change like any other.
    r = client.patch(update_path(user), json={"email": user.email}, token=user.access)
    assert r.status_code == 200, r.text
    for address in (user.email.upper(), new_email):
        r = client.patch(update_path(user), json={"email": address}, token=user.access)
        assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    assert short.account(user)["email"].lower() == user.email.lower()

    r = client.patch(update_path(user), json={"email": new_email, "password": user.password},
                     token=user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["email"] == new_email and body["email_verified"] is False
    assert body["two_fa_enable"] is True and body["two_fa_methods"] == []
    sink.wait_for(to=user.email, subject=SUBJECT_EMAIL_CHANGED)
    sink.wait_for(to=new_email, subject=SUBJECT_VERIFY)


def test_stale_session_cannot_remove_app(short, stale, sink):
    user, app, _ = stale["app"]
    client = short.client
    r = client.delete("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    r = client.delete("/api/auth/2fa/totp/", json={"password": random_password()},
                      token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    assert short.account(user)["two_fa_methods"] == ["email", "totp"]
    r = client.delete("/api/auth/2fa/totp/", json={"password": user.password},
                      token=user.access)
    assert r.status_code == 204, r.text
    sink.wait_for(to=user.email, subject=SUBJECT_APP_REMOVED)
    assert short.account(user)["two_fa_methods"] == ["email"]


def test_stale_session_cannot_replace_app(short, stale, sink):
    user, old, _ = stale["replace"]
    client = short.client
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    if r.status_code == 200:
        new = TotpApp(r.json()["secret"])
        r = client.post("/api/auth/2fa/totp/confirm", json={"code": new.next_code()},
                        token=user.access)
    assert r.status_code == 403, f"the app was replaced without re-authentication: {r.text}"
    assert r.json() == BODY_REAUTH_REQUIRED
    # The confirmed app is still the one that works.
    assert_tokens(short.otp(short.ticket(user), old.next_code()), user.username)
    # With the password, the app is replaced, and the owner is told the old one is gone.
    r = client.post("/api/auth/2fa/totp/", json={"password": user.password}, token=user.access)
    assert r.status_code == 200, r.text
    new = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": new.next_code()},
                    token=user.access)
    assert r.status_code == 200, r.text
    sink.wait_for(to=user.email, subject=SUBJECT_APP_REMOVED)


def test_stale_session_cannot_delete_account(short, stale):
    user, app, _ = stale["delete"]
    client = short.client
    path = "/api/auth/delete/" + quote(user.username, safe="")
    r = client.delete(path, token=user.access)
    assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    r = client.delete(path, json={"password": random_password()}, token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    assert short.account(user)["username"] == user.username
    r = client.delete(path, json={"password": user.password}, token=user.access)
    assert r.status_code == 204, r.text
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_stale_session_must_reauthenticate_to_turn_2fa_on(short, stale):
    user, _, _ = stale["on"]
    # Turning it on starts an app enrolment: a stolen token alone cannot plant a factor.
    r = short.client.patch(update_path(user), json={"two_fa_enabled": True}, token=user.access)
    assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    r = short.client.patch(update_path(user), json={"two_fa_enabled": True,
                                                    "password": user.password},
                           token=user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    app, codes = TotpApp.from_uri(body["otp_uri"]), body["recovery_codes"]
    assert body["two_fa_enable"] is True and len(codes) == 10
    r = short.client.post("/api/auth/2fa/recovery_codes/", json={"password": user.password},
                          token=user.access)
    assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10
    assert_tokens(short.otp(short.ticket(user), app.next_code()), user.username)


def test_login_through_2fa_counts_as_recent(short, sink):
    user, app, _ = short.user_with_2fa()
    tokens = assert_tokens(short.otp(short.ticket(user), app.next_code()), user.username)
    r = short.client.patch(update_path(user), json={"two_fa_enabled": False},
                           token=tokens["access"])
    assert r.status_code == 200, r.text
    assert r.json()["two_fa_enabled"] is False
    sink.wait_for(to=user.email, subject=SUBJECT_2FA_OFF)


# ----------------------------------------------------------------------------------------------
# wrong codes: per ticket and per account

def test_ticket_ends_after_configured_wrong_codes(strict):
    user, app, _ = strict.user_with_2fa()
    ticket = strict.ticket(user)
    for _ in range(MAX_ATTEMPTS):
        r = strict.otp(ticket, app.wrong_code())
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    r = strict.otp(ticket, app.code_at(0))
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    assert_tokens(strict.otp(strict.ticket(user), app.next_code()), user.username)


def test_lockout_after_consecutive_wrong_codes(strict):
    user, app, _ = strict.user_with_2fa()
    first = strict.ticket(user)
    for _ in range(MAX_ATTEMPTS):  # 2 wrong in a row, the ticket is spent
        r = strict.otp(first, app.wrong_code())
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # A success ends the run of wrong codes.
    assert_tokens(strict.otp(strict.ticket(user), app.next_code()), user.username)

    second = strict.ticket(user)
    for _ in range(MAX_ATTEMPTS):
        r = strict.otp(second, app.wrong_code())
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE  # not locked: 1, 2
    third = strict.ticket(user)
    r = strict.otp(third, app.wrong_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE  # the 3rd in a row

    right = app.next_code()
    locked_at = time.time()
    r = strict.otp(third, right)
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= LOCKOUT
    assert r.json() == throttled_body(retry_after)
    # Every way to a session is locked, whatever the code.
    r = strict.otp_front_end(user.username, user.password, right)
    assert r.status_code == 429 and r.json()["code"] == "throttled"
    assert int(r.headers["Retry-After"]) <= LOCKOUT
    fourth = strict.ticket(user)  # the password step itself still answers
    r = strict.otp(fourth, right)
    assert r.status_code == 429 and r.json()["code"] == "throttled"

    # After the lockout, the same right code works on the ticket (which has 1 failure only).
    time.sleep(max(0.0, locked_at + retry_after + 0.1 - time.time()))
    deadline = time.monotonic() + LOCKOUT + 2
    while True:
        r = strict.otp(third, right)
        if r.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert_tokens(r, user.username)


def test_wrong_confirmations_count_toward_lockout(strict):
    user = strict.client.new_user()
    r = strict.client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 200, r.text
    app = TotpApp(r.json()["secret"])
    for _ in range(LOCKOUT_AFTER):
        r = strict.client.post("/api/auth/2fa/totp/confirm", json={"code": app.wrong_code()},
                               token=user.access)
        assert r.status_code == 400 and list(r.json()) == ["code"]
    r = strict.client.post("/api/auth/2fa/totp/confirm", json={"code": app.code_at(0)},
                           token=user.access)
    assert r.status_code == 429 and r.json()["code"] == "throttled"
    assert 1 <= int(r.headers["Retry-After"]) <= LOCKOUT
    assert strict.account(user)["two_fa_methods"] == []


def test_mailed_code_limit_setting(strict, sink):
    user, app, _ = strict.user_with_2fa()
    ticket = strict.ticket(user)
    code1 = strict.wait_login_code(user.email, 1)
    r = strict.client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 200 and r.json() == BODY_CODE_SENT
    code2 = strict.wait_login_code(user.email, 2)
    r = strict.client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["Retry-After"])
    assert 3000 < retry_after <= 3600
    assert r.json() == throttled_body(retry_after)
    flush = strict.login_code_messages(user.email)
    assert [m.subject for m in flush] == ["Your login code"] * 2
    assert code1 in flush[0].text and code2 in flush[1].text
    assert_tokens(strict.otp(ticket, code2), user.username)
