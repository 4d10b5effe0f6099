"""Attacks through the e-mail and two-factor flows (issue 5, attack suite): reset links reused,
raced, outlived or poisoned by `Host` headers, tokens after a reset, reset-request enumeration,
CR/LF injection into addresses and names, TOTP replay and brute force, and ways around the
second factor (refresh, an old session, a reset). Every test checks the answer and the state
afterwards: the password, the sessions, 2FA still on, what was (not) mailed.

Already covered elsewhere and not repeated here: test_email_reset.py (one-time use, death on a
password change, the form's CSRF), test_email_expiry.py, test_email_header_injection.py,
test_two_factor*.py (replay, wrong codes per ticket, lockout, reset keeps 2FA on)."""

import re
import threading
import time
from urllib.parse import quote

import pytest
import requests

from authd_mail import (BODY_RESET_DONE, BODY_RESET_LINK_INVALID, BODY_RESET_SENT, CSRF_COOKIE,
                        PUBLIC_URL, SUBJECT_PASSWORD_CHANGED, SUBJECT_PASSWORD_RESET_NOTICE,
                        SUBJECT_RESET, SUBJECT_VERIFY, csrf_field, extract_link, flush_outbox,
                        link_path, set_cookie_value)
from authd_testlib import (BODY_BAD_LOGIN, BODY_INVALID_CODE, BODY_INVALID_TICKET,
                           BODY_REFRESH_INVALID, MSG_EMAIL_INVALID, MSG_REQUIRED,
                           MSG_USERNAME_INVALID, SUBJECT_2FA_ON, TIMEOUT, TotpApp, User,
                           assert_refresh_invalid, assert_token_not_valid, assert_tokens,
                           count_rows, jwt_claims, password_hashes, random_password,
                           unique_name)

RESET_LIFETIME = 2   # seconds, on expiry_server
LOCKOUT_AFTER = 8    # consecutive wrong codes per account on the module's server
LOCKOUT = 2          # seconds
RESET_LINK = re.compile(re.escape(PUBLIC_URL) +
                        r"/api/auth/reset/[A-Za-z0-9_-]+/[A-Za-z0-9_-]{43}/$")
JSON = {"Accept": "application/json"}
POISON = {"Host": "evil.example.net", "X-Forwarded-Host": "evil.example.net",
          "X-Forwarded-Proto": "http", "X-Forwarded-Port": "6666",
          "X-Forwarded-Server": "evil.example.net", "X-Forwarded-Prefix": "/evil",
          "X-Host": "evil.example.net", "X-Original-Host": "evil.example.net",
          "X-HTTP-Host-Override": "evil.example.net",
          "Forwarded": "for=192.0.2.1;host=evil.example.net;proto=http"}


@pytest.fixture(scope="module")
def server(module_factory, smtp_sink):
    # Trusted proxies on, so that even a trusted proxy's forwarded host is not believed;
    # login limits lifted (this module fails many codes on purpose); a short OTP lockout.
    return module_factory(smtp_sink.env(AUTH_TRUSTED_PROXIES="127.0.0.1",
                                        AUTH_LOGIN_FAILURES_PER_IP="100000",
                                        AUTH_LOGIN_BACKOFF_AFTER="1000",
                                        AUTH_OTP_LOCKOUT_AFTER=str(LOCKOUT_AFTER),
                                        AUTH_OTP_LOCKOUT=f"{LOCKOUT}s"))


@pytest.fixture(scope="module")
def expiry_server(module_factory, smtp_sink):
    return module_factory(smtp_sink.env(AUTH_PASSWORD_RESET_LIFETIME=f"{RESET_LIFETIME}s"))


@pytest.fixture
def client(server):
    return server.client()


# ----------------------------------------------------------------------------------------------
# helpers

def request_reset(client, email, headers=None):
    r = client.post("/api/auth/password_reset/", json={"email": email}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == BODY_RESET_SENT
    return r


def reset_link(sink, user, nth: int = 1) -> str:
    messages = sink.wait_for_messages(nth, to=user.email, subject=SUBJECT_RESET)
    link = extract_link(messages[nth - 1], "/api/auth/reset/")
    assert RESET_LINK.match(link), link
    return link


def subjects_to(sink, address) -> list:
    return [m.subject for m in sink.messages_to(address)]


def session_count(client, access) -> int:
    r = client.get("/api/auth/sessions/", token=access)
    assert r.status_code == 200, r.text
    return len(r.json()["sessions"])


def login_status(client, user, password) -> int:
    r = client.login_raw(user.username, password)
    assert r.status_code in (200, 202, 401), r.text
    if r.status_code == 401:
        assert r.json() == BODY_BAD_LOGIN
    return r.status_code


def post_new_password(client, link, password):
    return client.post(link_path(link), json={"new_password": password,
                                              "new_password2": password})


def totp_user(client):
    """A user with 2FA on and a confirmed authenticator app: (user, app, recovery codes)."""
    user = client.new_user()
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 200, r.text
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                    token=user.access)
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/auth/update/{quote(user.username, safe='')}",
                     json={"two_fa_enabled": True}, token=user.access)
    assert r.status_code == 200, r.text
    assert r.json()["two_fa_methods"] == ["totp"]
    return user, app, r.json()["recovery_codes"]


def ticket_of(client, user) -> str:
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 202, r.text
    body = r.json()
    assert "access" not in body and "refresh" not in body
    return body["ticket"]


def otp(client, ticket, code):
    return client.post("/api/auth/otp", json={"ticket": ticket, "code": code})


# ----------------------------------------------------------------------------------------------
# reset links

def test_attack_host_header_poisoning_of_mailed_links(server, client, smtp_sink):
    name = unique_name()
    password = random_password()
    r = client.register_raw({"username": name, "email": f"{name}@example.com",
                             "password": password, "password2": password}, headers=POISON)
    assert r.status_code == 201, r.text
    email = f"{name}@example.com"
    verification = smtp_sink.wait_for(to=email, subject=SUBJECT_VERIFY)
    request_reset(client, email, headers=POISON)
    reset = smtp_sink.wait_for(to=email, subject=SUBJECT_RESET)
    for message, prefix in ((verification, "/api/auth/verify_email/"),
                            (reset, "/api/auth/reset/")):
        link = extract_link(message, prefix)
        assert link.startswith(PUBLIC_URL + prefix), link
        for text in (message.text, message.html or "", message.raw_headers):
            assert "evil" not in text and "6666" not in text, text
    # The page behind the link and the end of its form do not use the Host either.
    link = extract_link(reset, "/api/auth/reset/")
    r = client.get(link_path(link), headers=POISON)
    assert r.status_code == 200 and "evil" not in r.text
    token = csrf_field(r.text)
    cookie = set_cookie_value(r.headers["Set-Cookie"], CSRF_COOKIE)
    new_password = random_password()
    r = client.post(link_path(link), headers={**POISON, "Cookie": f"{CSRF_COOKIE}={cookie}"},
                    data={"csrf_token": token, "new_password": new_password,
                          "new_password2": new_password})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/api/auth/reset/done/"
    notice = smtp_sink.wait_for(to=email, subject=SUBJECT_PASSWORD_RESET_NOTICE)
    assert "evil" not in notice.text and "evil" not in (notice.html or "")


def test_attack_reset_link_reuse_and_race(server, client, smtp_sink):
    user = client.register()
    request_reset(client, user.email)
    link = reset_link(smtp_sink, user)
    # Ten uses of one link at once: exactly one sets its password.
    passwords = [random_password() for _ in range(10)]
    barrier = threading.Barrier(len(passwords))
    answers = [None] * len(passwords)

    def use(i):
        barrier.wait(timeout=TIMEOUT)
        answers[i] = requests.post(server.base_url + link_path(link), timeout=TIMEOUT,
                                   json={"new_password": passwords[i],
                                         "new_password2": passwords[i]})

    threads = [threading.Thread(target=use, args=(i,)) for i in range(len(passwords))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 1, statuses
    winner = passwords[statuses.index(200)]
    for a in answers:
        if a.status_code != 200:
            assert a.status_code == 400 and a.json() == BODY_RESET_LINK_INVALID
    assert answers[statuses.index(200)].json() == BODY_RESET_DONE
    # Reused later: refused, password stays the winner's.
    late = random_password()
    r = post_new_password(client, link, late)
    assert r.status_code == 400 and r.json() == BODY_RESET_LINK_INVALID
    r = client.get(link_path(link), headers=JSON)
    assert r.status_code == 400 and r.json() == BODY_RESET_LINK_INVALID
    assert login_status(client, user, winner) == 200
    for other in [p for p in passwords if p != winner] + [late, user.password]:
        assert login_status(client, user, other) == 401
    flush_outbox(smtp_sink, client)
    assert subjects_to(smtp_sink, user.email).count(SUBJECT_PASSWORD_RESET_NOTICE) == 1


def test_attack_reset_link_after_password_change(server, client, smtp_sink):
    user = client.new_user()
    request_reset(client, user.email)
    link = reset_link(smtp_sink, user)
    changed = random_password()
    r = client.put(f"/api/auth/password/{user.username}", token=user.access,
                   json={"password": user.password, "new_password": changed,
                         "new_password2": changed})
    assert r.status_code == 200, r.text
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_CHANGED)
    hashes = password_hashes(client)
    r = post_new_password(client, link, random_password())
    assert r.status_code == 400 and r.json() == BODY_RESET_LINK_INVALID
    assert password_hashes(client) == hashes, "a dead link's new password was hashed"
    assert login_status(client, user, changed) == 200
    assert client.account(user.username, user.access).status_code == 200  # not revoked by it
    flush_outbox(smtp_sink, client)
    assert SUBJECT_PASSWORD_RESET_NOTICE not in subjects_to(smtp_sink, user.email)


def test_attack_reset_link_after_expiry(expiry_server, smtp_sink):
    client = expiry_server.client()
    user = client.new_user()
    requested = time.time()
    request_reset(client, user.email)
    link = reset_link(smtp_sink, user)
    time.sleep(max(0.0, requested + RESET_LIFETIME + 1.2 - time.time()))
    r = client.get(link_path(link), headers=JSON)
    assert r.status_code == 400 and r.json() == BODY_RESET_LINK_INVALID
    r = post_new_password(client, link, random_password())
    assert r.status_code == 400 and r.json() == BODY_RESET_LINK_INVALID
    # Nothing happened: same password, the session lives, no notice.
    assert login_status(client, user, user.password) == 200
    assert client.account(user.username, user.access).status_code == 200
    flush_outbox(smtp_sink, client)
    assert SUBJECT_PASSWORD_RESET_NOTICE not in subjects_to(smtp_sink, user.email)


def test_attack_tokens_after_reset(server, client, smtp_sink):
    user = client.new_user()
    stolen = client.login(user)
    request_reset(client, user.email)
    link = reset_link(smtp_sink, user)
    new_password = random_password()
    r = post_new_password(client, link, new_password)
    assert r.status_code == 200 and r.json() == BODY_RESET_DONE
    assert set(r.json()) == {"detail"}  # a reset hands out no tokens
    service = client.service_token()
    for session in (user, stolen):
        assert_token_not_valid(client.account(user.username, session.access))
        assert_refresh_invalid(client.refresh(session.refresh))
        for token in (session.access, session.refresh):
            assert client.introspect(token, service).json() == {"active": False}
    fresh = client.login(User(user.username, new_password, user.email))
    assert session_count(client, fresh.access) == 1


def test_attack_reset_request_enumeration(server, client, smtp_sink):
    known = client.register()
    deleted = client.new_user()
    r = client.delete(f"/api/auth/delete/{deleted.username}", token=deleted.access)
    assert r.status_code == 204
    unknown = unique_name("nobody") + "@example.com"
    answers = {}
    for label, email in (("known", known.email), ("known, other case", known.email.upper()),
                         ("deleted", deleted.email), ("unknown", unknown)):
        hashes = password_hashes(client)
        r = request_reset(client, email)
        assert password_hashes(client) == hashes, label
        answers[label] = (r.status_code, r.content, r.headers["Content-Type"],
                          r.headers["Cache-Control"])
    assert len(set(answers.values())) == 1, answers
    smtp_sink.wait_for_messages(2, to=known.email, subject=SUBJECT_RESET)
    flush_outbox(smtp_sink, client)
    assert smtp_sink.messages_to(unknown) == []
    assert SUBJECT_RESET not in subjects_to(smtp_sink, deleted.email)


# ----------------------------------------------------------------------------------------------
# CR/LF injection

MSG_NUL_CHARACTER = "Null characters are not allowed."
BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u0085", "\x00"]


def test_attack_crlf_in_email_and_username(server, client, smtp_sink):
    users_before = count_rows(server.database_url, "users")
    victim = client.new_user()
    password = random_password()
    for brk in BREAKS:
        # NUL is refused before any field rule, as DRF's CharField does.
        bad_email = [MSG_NUL_CHARACTER if brk == "\x00" else MSG_EMAIL_INVALID]
        bad_name = [MSG_NUL_CHARACTER if brk == "\x00" else MSG_USERNAME_INVALID]
        name = unique_name()
        injected = f"{name}@example.com{brk}Bcc: spy@evil.example.net"
        r = client.register_raw({"username": name, "email": injected, "password": password,
                                 "password2": password})
        assert r.status_code == 400 and r.json() == {"email": bad_email}, repr(brk)
        r = client.register_raw({"username": f"{name}{brk}Bcc: spy", "password": password,
                                 "password2": password, "email": f"{name}@example.com"})
        assert r.status_code == 400 and r.json() == {"username": bad_name}
        r = client.patch(f"/api/auth/update/{victim.username}", token=victim.access,
                         json={"email": injected})
        assert r.status_code == 400 and r.json() == {"email": bad_email}
        r = client.patch(f"/api/auth/update/{victim.username}", token=victim.access,
                         json={"username": f"{victim.username}{brk}Bcc: spy"})
        assert r.status_code == 400 and r.json() == {"username": bad_name}
        r = client.post("/api/auth/password_reset/",
                        json={"email": f"{victim.email}{brk}Bcc: spy@evil.example.net"})
        assert r.status_code == 400 and r.json() == {"email": bad_email}
        if brk != "\x00":  # NUL in a login: test_attacks_login.py
            r = client.login_raw(f"{victim.username}{brk}", victim.password)
            assert r.status_code == 401 and r.json() == BODY_BAD_LOGIN
    flush_outbox(smtp_sink, client)
    assert not [a for a in smtp_sink.rcpt_attempts if "evil" in a], smtp_sink.rcpt_attempts
    assert not [m for m in smtp_sink.messages if "spy" in m.raw_headers]
    # Only the victim (and flush_outbox's marker) were created; the victim is unchanged and
    # got only its verification message.
    assert count_rows(server.database_url, "users") == users_before + 2
    account = client.account(victim.username, victim.access).json()
    assert account["email"] == victim.email and account["username"] == victim.username
    assert subjects_to(smtp_sink, victim.email) == [SUBJECT_VERIFY]


# ----------------------------------------------------------------------------------------------
# TOTP

def test_attack_totp_code_replay(server, client):
    user, app, _ = totp_user(client)  # the confirmation spent one time step
    code = app.next_code()
    assert_tokens(otp(client, ticket_of(client, user), code), user.username)
    sessions = session_count(client, user.access)
    ticket = ticket_of(client, user)
    r = otp(client, ticket, code)
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    r = client.post("/api/auth/otp", json={"username": user.username, "password": user.password,
                                           "otp": code})
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    # The code spent at confirmation is spent for logins as well.
    r = otp(client, ticket, app.code_for_step(app.last_step - 1))
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    assert session_count(client, user.access) == sessions


def test_attack_totp_brute_force_ends_the_ticket(server, client):
    user, app, codes = totp_user(client)
    sessions = session_count(client, user.access)
    ticket = ticket_of(client, user)
    for attempt in range(5):
        r = otp(client, ticket, app.wrong_code())
        assert r.status_code == 401 and r.json() == BODY_INVALID_CODE, attempt
    for right in (app.code_at(0), codes[0]):
        r = otp(client, ticket, right)
        assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    assert session_count(client, user.access) == sessions
    # The recovery code offered to the dead ticket was not spent.
    assert_tokens(otp(client, ticket_of(client, user), codes[0]), user.username)


def test_attack_totp_brute_force_across_tickets_locks_the_account(server, client):
    user, app, codes = totp_user(client)
    sessions = session_count(client, user.access)
    wrong = 0
    while wrong < LOCKOUT_AFTER:
        ticket = ticket_of(client, user)
        for _ in range(min(5, LOCKOUT_AFTER - wrong)):
            r = otp(client, ticket, app.wrong_code())
            assert r.status_code == 401 and r.json() == BODY_INVALID_CODE, wrong
            wrong += 1
    right = app.next_code()
    locked_at = time.time()
    ticket = ticket_of(client, user)  # the password step still answers
    for r in (otp(client, ticket, right), otp(client, ticket, codes[1]),
              client.post("/api/auth/otp", json={"username": user.username,
                                                 "password": user.password, "otp": right})):
        assert r.status_code == 429, r.text
        retry_after = int(r.headers["Retry-After"])
        assert 1 <= retry_after <= LOCKOUT
        assert r.json()["code"] == "throttled"
    assert session_count(client, user.access) == sessions
    # After the wait the right code works on the same ticket.
    time.sleep(max(0.0, locked_at + LOCKOUT + 0.2 - time.time()))
    deadline = time.monotonic() + LOCKOUT + 2
    while True:
        r = otp(client, ticket, right)
        if r.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert_tokens(r, user.username)


# ----------------------------------------------------------------------------------------------
# getting around the second factor

def test_attack_mfa_password_step_gives_no_refresh_token(server, client):
    user, app, _ = totp_user(client)
    sessions = session_count(client, user.access)
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 202 and r.json()["two_fa_required"] is True
    ticket = r.json()["ticket"]
    assert set(r.json()) == {"detail", "two_fa_required", "ticket", "methods"}
    assert "no-store" in r.headers["Cache-Control"]
    # The ticket is no token; the front end's one-step form needs the code.
    r = client.refresh(ticket)
    assert r.status_code == 401 and r.json() == BODY_REFRESH_INVALID
    assert_token_not_valid(client.account(user.username, ticket))
    r = client.post("/api/auth/otp", json={"username": user.username, "password": user.password})
    assert r.status_code == 400 and r.json() == {"otp": [MSG_REQUIRED]}
    for code in ("", "000000x", "0" * 64):
        r = client.post("/api/auth/otp", json={"username": user.username,
                                               "password": user.password, "otp": code})
        assert r.status_code in (400, 401), r.text
        assert "access" not in r.text
    assert session_count(client, user.access) == sessions
    # The refresh of a session made by the second step keeps its auth_time: refreshing never
    # makes a login more recent than it was.
    tokens = assert_tokens(otp(client, ticket, app.next_code()), user.username)
    auth_time = jwt_claims(tokens["access"])["auth_time"]
    time.sleep(1.1)
    r = client.refresh(tokens["refresh"])
    assert r.status_code == 200
    assert jwt_claims(r.json()["access"])["auth_time"] == auth_time


def test_attack_mfa_old_session_from_before_2fa(server, client, smtp_sink):
    """Decision (what the server does, and why it is right): a session opened before 2FA was
    turned on stays alive and can still be refreshed. Turning 2FA on governs how sessions are
    opened from then on; the old session already proved the password, the owner is told by
    mail that 2FA was turned on, and ends the sessions they do not trust with logout_all or
    DELETE sessions/<id> (the password route ends them too). The refresh does not pass the old
    session off as a 2FA login: its auth_time stays the password-only login's."""
    user = client.new_user()
    old = client.login(user)  # e.g. a stolen refresh token, from before 2FA
    old_claims = jwt_claims(old.access)
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                    token=user.access)
    assert r.status_code == 200
    r = client.patch(f"/api/auth/update/{user.username}", json={"two_fa_enabled": True},
                     token=user.access)
    assert r.status_code == 200, r.text
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_2FA_ON)
    r = client.refresh(old.refresh)
    assert r.status_code == 200, r.text
    refreshed = r.json()
    claims = jwt_claims(refreshed["access"])
    assert claims["sid"] == old_claims["sid"] and claims["auth_time"] == old_claims["auth_time"]
    # A new login needs the second factor.
    ticket_of(client, user)
    # Ending the other sessions ends the old one.
    tokens = assert_tokens(otp(client, ticket_of(client, user), app.next_code()),
                           user.username)
    r = client.post("/api/auth/logout_all", token=tokens["access"])
    assert r.status_code in (200, 204), r.text
    for access in (old.access, refreshed["access"]):
        assert_token_not_valid(client.account(user.username, access))
    assert_refresh_invalid(client.refresh(refreshed["refresh"]))


def test_attack_mfa_bypass_through_reset(server, client, smtp_sink):
    user, app, _ = totp_user(client)
    request_reset(client, user.email)
    link = reset_link(smtp_sink, user)
    new_password = random_password()
    r = post_new_password(client, link, new_password)
    assert r.status_code == 200 and r.json() == BODY_RESET_DONE
    assert "access" not in r.text and "refresh" not in r.text
    assert_token_not_valid(client.account(user.username, user.access))
    user.password = new_password
    # 2FA is still on: the new password alone gets a ticket, never tokens, in both forms.
    ticket = ticket_of(client, user)
    r = client.post("/api/auth/otp", json={"username": user.username, "password": new_password,
                                           "otp": app.wrong_code()})
    assert r.status_code == 401 and r.json() == BODY_INVALID_CODE
    tokens = assert_tokens(otp(client, ticket, app.next_code()), user.username)
    account = client.account(user.username, tokens["access"]).json()
    assert account["two_fa_enable"] is True and account["two_fa_methods"] == ["totp"]
    assert session_count(client, tokens["access"]) == 1
