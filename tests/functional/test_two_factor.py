"""Two-factor authentication (API.md "Two-factor authentication", "The user", "Abuse limits"):
turning it on, the login's second step with an authenticator app, a mailed code or a recovery
code, the front end's one-step variant, enrolment routes, concurrency, and what a password
reset or a refresh must not bypass. TOTP codes are computed here (RFC 6238), independently of
the server. Tests needing special settings (expiry, re-authentication window, lockout) are in
test_two_factor_limits.py."""

import re
import threading
import time
from urllib.parse import quote

import pytest

from authd_mail import (BODY_RESET_DONE, BODY_RESET_SENT, SUBJECT_PASSWORD_RESET_NOTICE,
                        SUBJECT_RESET, extract_link, flush_outbox, link_path,
                        throttled_body)
from authd_testlib import (BODY_APP_CONFIRMED, BODY_BAD_LOGIN, BODY_CODE_SENT,
                           BODY_EMAIL_NOT_VERIFIED, BODY_INVALID_CODE, BODY_INVALID_TICKET,
                           BODY_NO_APP, BODY_NO_PENDING_APP, BODY_NOT_AUTHENTICATED,
                           BODY_REFRESH_INVALID, MSG_BLANK, MSG_NOT_BOOL, MSG_REAUTH_PASSWORD_WRONG,
                           MSG_REQUIRED, MSG_SEND_ONLY_EMAIL, MSG_TOTP_CODE_WRONG,
                           MSG_UNKNOWN_FIELD, MSG_VERIFY_EMAIL_FIRST, RECOVERY_CODE_RE,
                           SUBJECT_2FA_OFF, SUBJECT_2FA_ON, SUBJECT_APP_REMOVED,
                           SUBJECT_RECOVERY_USED, USER_KEYS, TotpApp, TwoFactorKit,
                           assert_token_not_valid, assert_tokens, b32_secret_bytes, jwt_claims,
                           other_code, parse_otp_uri, random_password, wait_for_step_margin)

N_PARALLEL = 10


@pytest.fixture(scope="module")
def sink(smtp_sink):
    return smtp_sink  # conftest's module-wide sink, under the name these tests use


@pytest.fixture(scope="module")
def server(module_factory, sink):
    # Every test logs in from 127.0.0.1, and wrong codes may count as failed logins of the
    # address: its per-minute cap is lifted so that the module's tests cannot add up to it.
    return module_factory(sink.env(AUTH_EMAIL_RETRY_BASE="1",
                                   AUTH_LOGIN_FAILURES_PER_IP="100000"))


@pytest.fixture
def kit(client, sink):
    return TwoFactorKit(client, sink)


def update_path(user):
    return "/api/auth/update/" + quote(user.username, safe="")


def login_after_backoff(kit, user, limit=20.0):
    """login_202, waiting out a 429 that earlier wrong codes of this account may cause."""
    deadline = time.monotonic() + limit
    while True:
        r = kit.client.login_raw(user.username, user.password)
        if r.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(min(int(r.headers["Retry-After"]), 10) + 0.1)
    assert r.status_code == 202, f"{r.status_code} {r.text}"
    return r.json()


def parallel(server, n, work):
    """Runs work(client) in n threads released together; returns the responses."""
    barrier = threading.Barrier(n)
    results = [None] * n
    errors = []

    def run(i):
        client = server.client()
        try:
            barrier.wait(timeout=30)
            results[i] = work(client)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


# ----------------------------------------------------------------------------------------------
# turning it on

def test_enable_without_verified_address_is_refused(client, kit):
    user = client.new_user()
    for field in ("two_fa_enabled", "two_fa_enable"):
        r = client.patch(update_path(user), json={field: True}, token=user.access)
        assert r.status_code == 400, r.text
        assert r.json() == {"two_fa_enable": [MSG_VERIFY_EMAIL_FIRST]}
    account = kit.account(user)
    assert account["two_fa_enable"] is False and account["two_fa_enabled"] is False
    assert account["two_fa_methods"] == [] and account["email_verified"] is False
    # Nothing was turned on: the login stays one-step.
    assert_tokens(client.login_raw(user.username, user.password), user.username)


def test_enable_with_verified_address(client, kit, sink):
    user = client.new_user()
    kit.verify_email(user)
    account = kit.account(user)
    assert account["email_verified"] is True and account["two_fa_methods"] == ["email"]

    r = client.patch(update_path(user), json={"two_fa_enabled": True}, token=user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == USER_KEYS | {"otp_uri", "recovery_codes"}
    assert body["two_fa_enable"] is True and body["two_fa_enabled"] is True
    # The new app is not ready until its first code.
    assert body["two_fa_methods"] == ["email"]

    uri = parse_otp_uri(body["otp_uri"])
    assert body["otp_uri"].startswith("otpauth://totp/")
    assert uri["label"] == f"authd:{user.username}"
    assert uri["issuer"] == "authd"
    assert uri.get("algorithm", "SHA1") == "SHA1"
    assert uri.get("digits", "6") == "6" and uri.get("period", "30") == "30"
    assert re.fullmatch(r"[A-Z2-7]+", uri["secret"]), uri["secret"]
    assert len(b32_secret_bytes(uri["secret"])) >= 16  # at least 128 bits

    codes = body["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(RECOVERY_CODE_RE.fullmatch(c) for c in codes), codes

    notice = sink.wait_for(to=user.email, subject=SUBJECT_2FA_ON)
    assert user.username in notice.text

    account = kit.account(user)
    assert account["two_fa_enable"] is True and account["two_fa_enabled"] is True
    assert "otp_uri" not in account and "recovery_codes" not in account

    # Asking again while it is on hands out nothing new.
    r = client.patch(update_path(user), json={"two_fa_enable": True}, token=user.access)
    assert r.status_code == 200, r.text
    assert set(r.json()) == USER_KEYS and r.json()["two_fa_enable"] is True


def test_enable_through_put(client, kit):
    user = kit.verified_user()
    r = client.put(update_path(user), token=user.access,
                   json={"username": user.username, "email": user.email,
                         "two_fa_enable": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == USER_KEYS | {"otp_uri", "recovery_codes"}
    assert body["two_fa_enabled"] is True and len(body["recovery_codes"]) == 10
    kit.login_202(user)


def test_enable_field_validation(client, kit):
    user = kit.verified_user()
    r = client.patch(update_path(user), token=user.access,
                     json={"two_fa_enable": True, "two_fa_enabled": False})
    assert r.status_code == 400, r.text
    assert list(r.json()) == ["two_fa_enable"]
    r = client.patch(update_path(user), token=user.access, json={"two_fa_enabled": "maybe"})
    assert r.status_code == 400, r.text
    assert r.json() == {"two_fa_enabled": [MSG_NOT_BOOL]}
    # Read-only outputs of the update cannot be written back.
    for field, value in (("otp_uri", "otpauth://totp/x?secret=AAAA"), ("recovery_codes", []),
                         ("two_fa_methods", ["totp"])):
        r = client.patch(update_path(user), token=user.access, json={field: value})
        assert r.status_code == 400, r.text
        assert r.json() == {field: [MSG_UNKNOWN_FIELD]}
    account = kit.account(user)
    assert account["two_fa_enable"] is False and account["two_fa_methods"] == ["email"]


def test_register_with_2fa_is_enforced_once_address_is_verified(client, kit, sink):
    user = client.register(two_fa_enable=True)
    body = user.registered.json()
    assert body["two_fa_enable"] is True and body["two_fa_methods"] == []
    # No factor is ready: the login stays one-step.
    user = client.login(user)
    kit.verify_email(user)
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email"]
    code = kit.wait_login_code(user.email, 1)
    assert_tokens(kit.otp(challenge["ticket"], code), user.username)


# ----------------------------------------------------------------------------------------------
# the login's second step

def test_login_with_authenticator_app(client, kit, sink):
    user, app, _ = kit.user_with_2fa()
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email"]  # the app is not confirmed yet
    assert "access" not in challenge and "refresh" not in challenge
    kit.wait_login_code(user.email, 1)  # so a code went by mail

    r = kit.otp(challenge["ticket"], app.next_code())
    tokens = assert_tokens(r, user.username)
    assert tokens["lang"] == "en"
    # The tokens work, and the first correct code confirmed the app.
    account = client.account(user.username, tokens["access"])
    assert account.status_code == 200, account.text
    assert account.json()["two_fa_methods"] == ["email", "totp"]
    assert account.json()["last_login"] is not None

    # With a ready app, no code is mailed any more.
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email", "totp"]
    assert_tokens(kit.otp(challenge["ticket"], app.next_code()), user.username)
    flush_outbox(sink, client, settle=0.15)
    assert len(kit.login_code_messages(user.email)) == 1

    # A ticket ends with its login.
    r = kit.otp(challenge["ticket"], app.wrong_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_login_by_email_address_with_2fa(client, kit):
    user, app, _ = kit.user_with_2fa()
    challenge = kit.login_202(user, login=user.email.upper())
    assert_tokens(kit.otp(challenge["ticket"], app.next_code()), user.username)


def test_totp_code_cannot_be_replayed(client, kit):
    user, app, _ = kit.user_with_2fa()
    code = app.next_code()
    assert_tokens(kit.otp(kit.ticket(user), code), user.username)
    ticket = kit.ticket(user)
    r = kit.otp(ticket, code)
    assert r.status_code == 401, r.text
    assert r.json() == BODY_INVALID_CODE
    # Nor in the front end's variant.
    r = kit.otp_front_end(user.username, user.password, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # The next time step's code is fresh and works on the same ticket.
    assert_tokens(kit.otp(ticket, app.next_code()), user.username)


def test_totp_window_is_one_step_either_side(client, kit):
    user, app, _ = kit.user_with_2fa()
    wait_for_step_margin(4)  # the requests below are judged in the step the codes assume
    ticket = kit.ticket(user)
    for offset in (-2, 2):
        r = kit.otp(ticket, app.code_at(offset))
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE, offset
    now = app.code_at(0)
    assert_tokens(kit.otp(ticket, app.code_at(-1)), user.username)
    # The previous step was used: the current and the next one are still fresh.
    assert_tokens(kit.otp(kit.ticket(user), app.code_at(1)), user.username)
    r = kit.otp(kit.ticket(user), now)  # before the last used step: a replay
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE


def test_login_with_mailed_code(client, kit):
    user, app, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = kit.wait_login_code(user.email, 1)
    r = kit.otp(ticket, other_code(code))
    assert r.status_code == 401, r.text
    assert r.json() == BODY_INVALID_CODE
    # A person may type it with a space in the middle.
    tokens = assert_tokens(kit.otp(ticket, f"{code[:3]} {code[3:]}"), user.username)
    r = client.account(user.username, tokens["access"])
    assert r.status_code == 200
    assert r.json()["two_fa_methods"] == ["email"]  # the app is still waiting
    # The code and its ticket are spent.
    r = kit.otp(ticket, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    r = kit.otp_front_end(user.username, user.password, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE


def test_mailed_code_belongs_to_its_ticket(client, kit):
    user, app, _ = kit.user_with_2fa()
    first = kit.ticket(user)
    code1 = kit.wait_login_code(user.email, 1)
    second = kit.ticket(user)
    code2 = kit.wait_login_code(user.email, 2)
    if code1 != code2:
        r = kit.otp(second, code1)
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(first, code1), user.username)
    assert_tokens(kit.otp(second, code2), user.username)


def test_send_email_code_when_app_is_ready(client, kit, sink):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    assert kit.account(user)["two_fa_methods"] == ["email", "totp"]
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email", "totp"]
    flush_outbox(sink, client, settle=0.15)
    assert kit.login_code_messages(user.email) == []

    r = client.post("/api/auth/otp/", json={"ticket": challenge["ticket"], "send": "email"})
    assert r.status_code == 200, r.text
    assert r.json() == BODY_CODE_SENT
    code = kit.wait_login_code(user.email, 1)
    assert_tokens(kit.otp(challenge["ticket"], code), user.username)
    # A used ticket gets no code.
    r = client.post("/api/auth/otp", json={"ticket": challenge["ticket"], "send": "email"})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    r = client.post("/api/auth/otp", json={"ticket": "x" * 43, "send": "email"})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_send_email_code_replaces_the_previous_code(client, kit):
    user, _, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code1 = kit.wait_login_code(user.email, 1)
    r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 200 and r.json() == BODY_CODE_SENT
    code2 = kit.wait_login_code(user.email, 2)
    if code1 != code2:
        r = kit.otp(ticket, code1)
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(ticket, code2), user.username)


def test_send_email_code_is_rate_limited(client, kit, sink):
    user, app, codes = kit.user_with_2fa()
    ticket = kit.ticket(user)  # the login mails code 1 of the 5 an hour allows
    kit.wait_login_code(user.email, 1)
    for n in range(2, 6):
        r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
        assert r.status_code == 200, f"send #{n}: {r.status_code} {r.text}"
        assert r.json() == BODY_CODE_SENT
    kit.wait_login_code(user.email, 5)
    r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert r.json() == throttled_body(retry_after)
    # A new login past the limit still answers 202 but mails nothing.
    ticket2 = kit.ticket(user)
    flush_outbox(sink, client, settle=0.15)
    assert len(kit.login_code_messages(user.email)) == 5
    # The tickets themselves still work (the app's codes, a recovery code).
    assert_tokens(kit.otp(ticket, app.next_code()), user.username)
    assert_tokens(kit.otp(ticket2, codes[0]), user.username)


def test_send_email_code_needs_a_verified_address(client, kit, sink):
    # 2FA on with an app only: enabling is allowed once the app is confirmed.
    user = client.new_user()
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 200, r.text
    app = TotpApp(r.json()["secret"])
    kit.confirm(user, app)
    assert kit.account(user)["two_fa_methods"] == ["totp"]
    r = client.patch(update_path(user), json={"two_fa_enabled": True}, token=user.access)
    assert r.status_code == 200, r.text
    assert r.json()["two_fa_methods"] == ["totp"] and "otp_uri" in r.json()

    challenge = kit.login_202(user)
    assert challenge["methods"] == ["totp"]
    r = client.post("/api/auth/otp", json={"ticket": challenge["ticket"], "send": "email"})
    assert r.status_code == 400, r.text
    assert r.json() == BODY_EMAIL_NOT_VERIFIED
    flush_outbox(sink, client, settle=0.15)
    assert kit.login_code_messages(user.email) == []
    assert_tokens(kit.otp(challenge["ticket"], app.next_code()), user.username)


def test_invalid_ticket(client, kit):
    for ticket in ("x" * 43, "not-a-ticket", "0"):
        r = kit.otp(ticket, "123456")
        assert r.status_code == 401, r.text
        assert r.json() == BODY_INVALID_TICKET
    # An access token is no ticket either.
    user = client.new_user()
    r = kit.otp(user.access, "123456")
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_ticket_ends_after_five_wrong_codes(client, kit):
    user, app, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = kit.wait_login_code(user.email, 1)
    wrong = other_code(code, *(app.code_at(d) for d in range(-2, 3)))
    for attempt in range(5):
        r = kit.otp(ticket, wrong)
        assert r.status_code == 401, f"attempt {attempt + 1}: {r.text}"
        assert r.json() == BODY_INVALID_CODE
    # Exhausted: even the right codes are refused now.
    for right in (code, app.code_at(0)):
        r = kit.otp(ticket, right)
        assert r.status_code == 401, r.text
        assert r.json() == BODY_INVALID_TICKET
    r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    # The account is not locked by it: a new login works (after the short wait that failed
    # logins of the account from this address may cost).
    ticket2 = login_after_backoff(kit, user)["ticket"]
    code2 = kit.wait_login_code(user.email, 2)
    assert_tokens(kit.otp(ticket2, code2), user.username)


def test_otp_body_validation(client, kit):
    user, app, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    cases = [
        ({}, {"username": [MSG_REQUIRED], "password": [MSG_REQUIRED], "otp": [MSG_REQUIRED]}),
        ({"ticket": ticket}, {"code": [MSG_REQUIRED]}),
        ({"ticket": ""}, {"ticket": [MSG_BLANK], "code": [MSG_REQUIRED]}),
        ({"ticket": ticket, "code": ""}, {"code": [MSG_BLANK]}),
        ({"ticket": ticket, "send": "sms"}, {"send": [MSG_SEND_ONLY_EMAIL]}),
        ({"ticket": ticket, "code": "123456", "foo": 1}, {"foo": [MSG_UNKNOWN_FIELD]}),
        ({"ticket": ticket, "code": "123456", "username": user.username},
         {"username": [MSG_UNKNOWN_FIELD]}),
        ({"username": user.username, "password": user.password, "otp": "123456", "x": True},
         {"x": [MSG_UNKNOWN_FIELD]}),
        ({"username": user.username, "password": user.password}, {"otp": [MSG_REQUIRED]}),
    ]
    for body, expected in cases:
        r = client.post("/api/auth/otp", json=body)
        assert r.status_code == 400, f"{body}: {r.status_code} {r.text}"
        assert r.json() == expected, body
    r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email", "code": "123456"})
    assert r.status_code == 400, r.text
    assert list(r.json()) == ["non_field_errors"]
    # None of that counted against the ticket.
    assert_tokens(kit.otp(ticket, app.next_code()), user.username)


# ----------------------------------------------------------------------------------------------
# the front end's {"username", "password", "otp"}

def test_front_end_flow_with_app(client, kit):
    user, app, _ = kit.user_with_2fa()
    # otp is a route without authentication: a stale or bogus bearer token is ignored.
    r = client.post("/api/auth/otp", headers={"Authorization": "Bearer not.a.token"},
                    json={"username": user.username, "password": user.password,
                          "otp": app.next_code()})
    tokens = assert_tokens(r, user.username)
    r = client.account(user.username, tokens["access"])
    assert r.status_code == 200 and r.json()["two_fa_methods"] == ["email", "totp"]
    # The e-mail address works as the login too.
    assert_tokens(kit.otp_front_end(user.email, user.password, app.next_code()), user.username)


def test_front_end_flow_with_mailed_code(client, kit):
    user, _, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)  # the front end logs in first, then posts the code
    code = kit.wait_login_code(user.email, 1)
    assert_tokens(kit.otp_front_end(user.username, user.password, code), user.username)
    # The code's ticket is spent with it.
    r = kit.otp(ticket, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    r = kit.otp_front_end(user.username, user.password, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE


def test_front_end_flow_wrong_password_or_code(client, kit):
    user, app, _ = kit.user_with_2fa()
    code = app.code_at(0)
    for login, password in ((user.username, random_password()),
                            ("nobody" + user.username, user.password)):
        r = kit.otp_front_end(login, password, code)
        assert r.status_code == 401, r.text
        assert r.json() == BODY_BAD_LOGIN  # exactly, with no other key
    r = kit.otp_front_end(user.username, user.password, app.wrong_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # The code sent with a wrong password was not spent.
    assert_tokens(kit.otp_front_end(user.username, user.password, app.next_code()),
                  user.username)


def test_front_end_flow_without_a_second_factor(client, kit):
    plain = client.register()
    assert_tokens(kit.otp_front_end(plain.username, plain.password, "000000"), plain.username)
    # 2FA asked for at registration, but no factor is ready yet: one step too.
    pending = client.register(two_fa_enable=True)
    assert_tokens(kit.otp_front_end(pending.username, pending.password, "000000"),
                  pending.username)
    r = kit.otp_front_end(plain.username, random_password(), "000000")
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN


def test_front_end_wrong_codes_count_against_live_tickets(client, kit):
    user, _, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = kit.wait_login_code(user.email, 1)
    wrong = other_code(code)
    for attempt in range(5):
        r = kit.otp_front_end(user.username, user.password, wrong)
        if r.status_code == 429:  # failed logins of this address may cost a short wait
            time.sleep(int(r.headers["Retry-After"]) + 0.1)
            r = kit.otp_front_end(user.username, user.password, wrong)
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE, attempt
    # Five wrong guesses at this ticket's mailed code: the ticket must be spent, as after five
    # wrong codes sent with the ticket itself.
    r = kit.otp(ticket, code)
    assert r.status_code == 401, f"the code was accepted after 5 wrong guesses: {r.text}"
    assert r.json() == BODY_INVALID_TICKET


# ----------------------------------------------------------------------------------------------
# no session without the second factor

def test_password_alone_never_gives_a_session(client, kit):
    user, app, _ = kit.user_with_2fa()
    challenge = kit.login_202(user)
    ticket = challenge["ticket"]
    # The ticket is neither a refresh token nor an access token.
    r = client.refresh(ticket)
    assert r.status_code == 401 and r.json() == BODY_REFRESH_INVALID
    assert_token_not_valid(client.account(user.username, ticket))
    # The session that existed before 2FA was turned on is the only one.
    r = client.get("/api/auth/sessions/", token=user.access)
    assert r.status_code == 200, r.text
    assert len(r.json()["sessions"]) == 1

    before = int(time.time())
    tokens = assert_tokens(kit.otp(ticket, app.next_code()), user.username)
    claims = jwt_claims(tokens["access"])
    assert claims["auth_time"] >= before - 1

    # Refreshing the session made by the second factor works, and keeps the session.
    r = client.refresh(tokens["refresh"])
    assert r.status_code == 200, r.text
    pair = r.json()
    assert jwt_claims(pair["access"])["sid"] == claims["sid"]
    assert jwt_claims(pair["access"])["auth_time"] == claims["auth_time"]
    assert client.account(user.username, pair["access"]).status_code == 200
    r = client.get("/api/auth/sessions/", token=pair["access"])
    assert len(r.json()["sessions"]) == 2


def test_password_reset_keeps_2fa_on(client, kit, sink):
    user, app, _ = kit.user_with_2fa()
    r = client.post("/api/auth/password_reset/", json={"email": user.email})
    assert r.status_code == 200 and r.json() == BODY_RESET_SENT
    link = extract_link(sink.wait_for(to=user.email, subject=SUBJECT_RESET), "/api/auth/reset/")
    new_password = random_password()
    r = client.post(link_path(link), json={"new_password": new_password,
                                          "new_password2": new_password})
    assert r.status_code == 200, r.text
    assert r.json() == BODY_RESET_DONE
    sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_RESET_NOTICE)

    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    user.password = new_password
    challenge = kit.login_202(user)  # still a second step, never tokens
    assert challenge["methods"] == ["email"]
    tokens = assert_tokens(kit.otp(challenge["ticket"], app.next_code()), user.username)
    r = client.account(user.username, tokens["access"])
    assert r.json()["two_fa_enable"] is True and r.json()["two_fa_methods"] == ["email", "totp"]


def _wait_for_fresh_second(limit=0.3):
    """Until the wall clock is at most `limit` into a second."""
    frac = time.time() % 1
    if frac > limit:
        time.sleep(1 - frac + 0.01)


def test_password_change_ends_pending_logins(client, kit):
    user, app, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = kit.wait_login_code(user.email, 1)
    _wait_for_fresh_second()  # the change happens in a later second than the ticket
    new_password = random_password()
    r = client.put("/api/auth/password/" + quote(user.username, safe=""), token=user.access,
                   json={"password": user.password, "new_password": new_password,
                         "new_password2": new_password})
    assert r.status_code == 200, r.text
    r = kit.otp(ticket, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    r = kit.otp(ticket, app.code_at(0))
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_password_change_in_the_same_second_ends_pending_logins(client, kit):
    user, app, _ = kit.user_with_2fa()
    new_password = random_password()
    for _ in range(5):
        _wait_for_fresh_second(0.1)
        started = time.time()
        ticket = kit.ticket(user)
        r = client.put("/api/auth/password/" + quote(user.username, safe=""), token=user.access,
                       json={"password": user.password, "new_password": new_password,
                             "new_password2": new_password})
        assert r.status_code == 200, r.text
        user.password, new_password = new_password, user.password
        if int(time.time()) == int(started):
            break
    else:
        pytest.skip("could not log in and change the password within one second")
    r = kit.otp(ticket, app.next_code())
    assert r.status_code == 401, f"a ticket from before the password change worked: {r.text}"
    assert r.json() == BODY_INVALID_TICKET


# ----------------------------------------------------------------------------------------------
# recovery codes

def test_recovery_code_works_once(client, kit, sink):
    user, app, codes = kit.user_with_2fa()
    assert_tokens(kit.otp(kit.ticket(user), codes[0]), user.username)
    notice = sink.wait_for(to=user.email, subject=SUBJECT_RECOVERY_USED)
    assert "9 codes are left" in " ".join(notice.text.split()), notice.text

    ticket = kit.ticket(user)
    r = kit.otp(ticket, codes[0])
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    r = kit.otp_front_end(user.username, user.password, codes[0])
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # Another one works, typed without its dash and in capitals, also in the front end's form.
    assert_tokens(kit.otp(ticket, codes[1].replace("-", "").upper()), user.username)
    assert_tokens(kit.otp_front_end(user.username, user.password, codes[2]), user.username)
    notices = sink.wait_for_messages(3, to=user.email, subject=SUBJECT_RECOVERY_USED)
    texts = [" ".join(m.text.split()) for m in notices]
    for left in (9, 8, 7):
        assert any(f"{left} codes are left" in t for t in texts), texts
    # Recovery codes do not confirm the app.
    assert kit.account(user)["two_fa_methods"] == ["email"]


def test_regenerate_recovery_codes(client, kit):
    user, app, codes = kit.user_with_2fa()
    path = "/api/auth/2fa/recovery_codes/"
    r = client.post(path, json={"password": user.password})
    assert r.status_code == 401 and r.json() == BODY_NOT_AUTHENTICATED
    r = client.post(path, json={}, token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REQUIRED]}
    r = client.post(path, json={"password": random_password()}, token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    r = client.post(path, json={"password": user.password, "count": 20}, token=user.access)
    assert r.status_code == 400 and r.json() == {"count": [MSG_UNKNOWN_FIELD]}
    # None of those replaced the codes.
    assert_tokens(kit.otp(kit.ticket(user), codes[0]), user.username)

    r = client.post(path, json={"password": user.password}, token=user.access)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"recovery_codes"}
    fresh = r.json()["recovery_codes"]
    assert len(fresh) == 10 and len(set(fresh)) == 10
    assert all(RECOVERY_CODE_RE.fullmatch(c) for c in fresh)
    assert not set(fresh) & set(codes)

    ticket = kit.ticket(user)
    r = kit.otp(ticket, codes[1])  # an old code that was never used
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(ticket, fresh[0]), user.username)


# ----------------------------------------------------------------------------------------------
# enrolment routes

def test_new_app_and_confirm_route(client, kit, sink):
    user = kit.verified_user()
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": "123456"}, token=user.access)
    assert r.status_code == 400 and r.json() == BODY_NO_PENDING_APP

    r = client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"secret", "otp_uri", "qr_svg"}
    assert parse_otp_uri(body["otp_uri"])["secret"] == body["secret"]
    assert "<svg" in body["qr_svg"] and body["qr_svg"].rstrip().endswith("</svg>")
    app = TotpApp(body["secret"])
    assert kit.account(user)["two_fa_methods"] == ["email"]

    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.wrong_code()},
                    token=user.access)
    assert r.status_code == 400 and r.json() == {"code": [MSG_TOTP_CODE_WRONG]}
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": "12345a"}, token=user.access)
    assert r.status_code == 400 and r.json() == {"code": [MSG_TOTP_CODE_WRONG]}
    r = client.post("/api/auth/2fa/totp/confirm", json={}, token=user.access)
    assert r.status_code == 400 and r.json() == {"code": [MSG_REQUIRED]}

    used = app.next_code()
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": used}, token=user.access)
    assert r.status_code == 200 and r.json() == BODY_APP_CONFIRMED
    assert kit.account(user)["two_fa_methods"] == ["email", "totp"]
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.code_at(1)},
                    token=user.access)
    assert r.status_code == 400 and r.json() == BODY_NO_PENDING_APP

    # 2FA is still off: a confirmed app alone does not change the login.
    assert_tokens(client.login_raw(user.username, user.password), user.username)
    _, pending, _ = kit.enable(user)
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email", "totp"]
    # The code spent at confirmation is spent for logins too; the confirmed app still works
    # while the app of the update waits.
    r = kit.otp(challenge["ticket"], used)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(challenge["ticket"], app.next_code()), user.username)
    flush_outbox(sink, client, settle=0.15)
    assert kit.login_code_messages(user.email) == []  # a ready app: nothing mailed


def test_confirmed_new_app_replaces_the_old_one(client, kit):
    user, old, _ = kit.user_with_2fa()
    wait_for_step_margin(5)
    # Confirm the old app with the previous step's code, so that its current code stays fresh.
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": old.code_at(-1)},
                    token=user.access)
    assert r.status_code == 200 and r.json() == BODY_APP_CONFIRMED
    r = client.post("/api/auth/2fa/totp", token=user.access)
    assert r.status_code == 200, r.text
    new = TotpApp(r.json()["secret"])
    assert new.secret != old.secret
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": new.code_at(-1)},
                    token=user.access)
    assert r.status_code == 200 and r.json() == BODY_APP_CONFIRMED
    ticket = kit.ticket(user)
    r = kit.otp(ticket, old.code_at(0))  # never used, but its app is gone
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(ticket, new.code_at(0)), user.username)


def test_remove_app(client, kit, sink):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    r = client.delete("/api/auth/2fa/totp/", json={"password": random_password()},
                      token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    r = client.delete("/api/auth/2fa/totp/", json={"secret": "x"}, token=user.access)
    assert r.status_code == 400 and r.json() == {"secret": [MSG_UNKNOWN_FIELD]}
    assert kit.account(user)["two_fa_methods"] == ["email", "totp"]

    # A recent login needs no password.
    r = client.delete("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 204, r.text
    assert r.content == b""
    notice = sink.wait_for(to=user.email, subject=SUBJECT_APP_REMOVED)
    assert user.username in notice.text
    account = kit.account(user)
    assert account["two_fa_methods"] == ["email"] and account["two_fa_enable"] is True
    r = client.delete("/api/auth/2fa/totp", token=user.access)
    assert r.status_code == 404 and r.json() == BODY_NO_APP

    # The login falls back to a mailed code; the removed app's codes are refused.
    challenge = kit.login_202(user)
    assert challenge["methods"] == ["email"]
    code = kit.wait_login_code(user.email, 1)
    r = kit.otp(challenge["ticket"], app.next_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert_tokens(kit.otp(challenge["ticket"], code), user.username)


def test_remove_app_with_password(client, kit):
    user, app, _ = kit.user_with_2fa()
    r = client.delete("/api/auth/2fa/totp", json={"password": user.password},
                      token=user.access)
    assert r.status_code == 204, r.text  # a pending app is removed too
    r = client.delete("/api/auth/2fa/totp", json={"password": user.password},
                      token=user.access)
    assert r.status_code == 404 and r.json() == BODY_NO_APP
    ticket = kit.ticket(user)
    r = kit.otp(ticket, app.next_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE


def test_enrolment_routes_need_a_user_token(client):
    for method, path, body in (("POST", "/api/auth/2fa/totp/", None),
                               ("POST", "/api/auth/2fa/totp/confirm", {"code": "123456"}),
                               ("DELETE", "/api/auth/2fa/totp/", None),
                               ("POST", "/api/auth/2fa/recovery_codes/", {"password": "x"})):
        r = client.request(method, path, json=body)
        assert r.status_code == 401, f"{method} {path}: {r.status_code}"
        assert r.json() == BODY_NOT_AUTHENTICATED
        r = client.request(method, path, json=body, token=client.service_token())
        assert_token_not_valid(r)


def test_enrolment_routes_reject_unknown_fields(client, kit):
    user = kit.verified_user()
    r = client.post("/api/auth/2fa/totp/", json={"secret": "JBSWY3DPEHPK3PXP"},
                    token=user.access)
    assert r.status_code == 400 and r.json() == {"secret": [MSG_UNKNOWN_FIELD]}
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": "123456", "device": 1},
                    token=user.access)
    assert r.status_code == 400 and r.json() == {"device": [MSG_UNKNOWN_FIELD]}
    # Nothing was created by the refused request.
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": "123456"}, token=user.access)
    assert r.status_code == 400 and r.json() == BODY_NO_PENDING_APP


def test_routes_answer_with_and_without_trailing_slash(client, kit):
    user = kit.verified_user()
    for path in ("/api/auth/otp", "/api/auth/otp/"):
        r = kit.client.post(path, json={"ticket": "y" * 43, "code": "123456"})
        assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET, path
        r = client.get(path)
        assert r.status_code == 405, path
        assert "POST" in r.headers.get("Allow", "")
    for path in ("/api/auth/2fa/totp", "/api/auth/2fa/totp/"):
        r = client.post(path, token=user.access)
        assert r.status_code == 200 and set(r.json()) == {"secret", "otp_uri", "qr_svg"}, path
        app = TotpApp(r.json()["secret"])
        for confirm in ("/api/auth/2fa/totp/confirm", "/api/auth/2fa/totp/confirm/"):
            r = client.post(confirm, json={"code": app.wrong_code()}, token=user.access)
            assert r.status_code == 400 and r.json() == {"code": [MSG_TOTP_CODE_WRONG]}, confirm
    for path in ("/api/auth/2fa/recovery_codes", "/api/auth/2fa/recovery_codes/"):
        r = client.post(path, json={"password": user.password}, token=user.access)
        assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10, path
    for path in ("/api/auth/2fa/totp", "/api/auth/2fa/totp/"):
        r = client.delete(path, token=user.access)
        assert r.status_code in (204, 404), path
    r = client.delete("/api/auth/2fa/totp", token=user.access)
    assert r.status_code == 404 and r.json() == BODY_NO_APP


# ----------------------------------------------------------------------------------------------
# turning it off, deleting the account

def test_disable_with_recent_login(client, kit, sink):
    user, app, _ = kit.user_with_2fa()
    r = client.patch(update_path(user), token=user.access,
                     json={"two_fa_enabled": False, "password": random_password()})
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    assert kit.account(user)["two_fa_enable"] is True

    r = client.patch(update_path(user), json={"two_fa_enabled": False}, token=user.access)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == USER_KEYS
    assert body["two_fa_enable"] is False and body["two_fa_enabled"] is False
    notice = sink.wait_for(to=user.email, subject=SUBJECT_2FA_OFF)
    assert user.username in notice.text
    assert_tokens(client.login_raw(user.username, user.password), user.username)

    # On again: a new secret and new codes; the login asks for a second step again.
    body, app2, codes2 = kit.enable(user, field="two_fa_enable")
    assert app2.secret != app.secret
    sink.wait_for_messages(2, to=user.email, subject=SUBJECT_2FA_ON)
    kit.login_202(user)


def test_disable_with_password(client, kit, sink):
    user, _, _ = kit.user_with_2fa()
    r = client.patch(update_path(user), token=user.access,
                     json={"two_fa_enable": False, "password": user.password})
    assert r.status_code == 200, r.text
    assert r.json()["two_fa_enable"] is False
    sink.wait_for(to=user.email, subject=SUBJECT_2FA_OFF)
    assert_tokens(client.login_raw(user.username, user.password), user.username)


def test_delete_account_with_2fa(client, kit):
    user, app, _ = kit.user_with_2fa()
    path = "/api/auth/delete/" + quote(user.username, safe="")
    r = client.delete(path, json={"password": random_password()}, token=user.access)
    assert r.status_code == 400 and r.json() == {"password": [MSG_REAUTH_PASSWORD_WRONG]}
    r = client.delete(path, json={"pasword": user.password}, token=user.access)
    assert r.status_code == 400 and r.json() == {"pasword": [MSG_UNKNOWN_FIELD]}
    ticket = kit.ticket(user)
    r = client.delete(path, json={"password": user.password}, token=user.access)
    assert r.status_code == 204, r.text
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    # Its pending login died with it.
    r = kit.otp(ticket, app.next_code())
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


# ----------------------------------------------------------------------------------------------
# concurrency: N parallel uses of one code or ticket give exactly one success

def _one_success(responses, loser_codes):
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, [(r.status_code, r.text) for r in responses]
    for r in responses:
        if r.status_code != 200:
            assert r.status_code == 401, r.text
            assert r.json()["code"] in loser_codes, r.text
    return next(r for r in responses if r.status_code == 200)


def test_parallel_uses_of_one_totp_code_with_one_ticket_each(server, client, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    tickets = [kit.ticket(user) for _ in range(N_PARALLEL)]
    code = app.next_code()
    responses = parallel(server, N_PARALLEL,
                         lambda c: c.post("/api/auth/otp",
                                          json={"ticket": tickets.pop(), "code": code}))
    winner = _one_success(responses, {"invalid_code"})
    assert_tokens(winner, user.username)


def test_parallel_uses_of_one_ticket_and_mailed_code(server, client, kit):
    user, _, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = kit.wait_login_code(user.email, 1)
    responses = parallel(server, N_PARALLEL,
                         lambda c: c.post("/api/auth/otp", json={"ticket": ticket, "code": code}))
    _one_success(responses, {"invalid_code", "invalid_ticket"})
    r = kit.otp(ticket, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_parallel_uses_of_one_ticket_and_totp_code(server, client, kit):
    user, app, _ = kit.user_with_2fa()
    ticket = kit.ticket(user)
    code = app.next_code()
    responses = parallel(server, N_PARALLEL,
                         lambda c: c.post("/api/auth/otp", json={"ticket": ticket, "code": code}))
    _one_success(responses, {"invalid_code", "invalid_ticket"})
    r = client.get("/api/auth/sessions/", token=user.access)
    assert len(r.json()["sessions"]) == 2  # the user's first login and the one winner


def test_parallel_uses_of_one_recovery_code(server, client, kit, sink):
    user, _, codes = kit.user_with_2fa()
    tickets = [kit.ticket(user) for _ in range(N_PARALLEL)]
    responses = parallel(server, N_PARALLEL,
                         lambda c: c.post("/api/auth/otp",
                                          json={"ticket": tickets.pop(), "code": codes[0]}))
    _one_success(responses, {"invalid_code"})
    flush_outbox(sink, client, settle=0.15)
    assert len([m for m in sink.messages_to(user.email)
                if m.subject == SUBJECT_RECOVERY_USED]) == 1
