"""Password reset by e-mail, end to end through a real SMTP server (aiosmtpd): the request (same
answer for known and unknown addresses, the limit), the link in the message, the HTML form
(CSRF, security headers, policy errors) and the JSON variant, what a reset ends (the old
password, every session, the link itself) and the notice that follows."""

import base64
import hashlib
import re
import time

import pytest

from authd_mail import (BODY_RESET_DONE, BODY_RESET_LINK_INVALID, BODY_RESET_LINK_VALID,
                        BODY_RESET_SENT, CSRF_COOKIE, MSG_CSRF, PUBLIC_URL,
                        SUBJECT_PASSWORD_CHANGED, SUBJECT_PASSWORD_RESET_NOTICE, SUBJECT_RESET,
                        TITLE_RESET_DONE, TITLE_RESET_FORM, TITLE_RESET_INVALID,
                        TITLE_RESET_REQUESTED, csrf_field, error_items, extract_link,
                        flush_outbox, link_path, page_title, set_cookie_value)
from authd_testlib import (BODY_BAD_LOGIN, MSG_PASSWORD_COMMON, MSG_PASSWORD_MISMATCH,
                           MSG_PASSWORD_NUMERIC, MSG_PASSWORD_SHORT, MSG_EMAIL_INVALID,
                           assert_json, assert_refresh_invalid, assert_token_not_valid,
                           b64url_decode, random_password, unique_name)

RESET_LINK = re.compile(re.escape(PUBLIC_URL) +
                        r"/api/auth/reset/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]{43,})/$")
JSON = {"Accept": "application/json"}
CSP_PREFIX = "default-src 'none'; style-src 'sha256-"


def request_reset(client, email, **kw):
    r = client.post("/api/auth/password_reset/", json={"email": email}, **kw)
    assert r.status_code == 200, r.text
    assert_json(r)
    assert r.json() == BODY_RESET_SENT
    return r


def reset_link(client, sink, user, nth: int = 1) -> str:
    """Asks for a reset link for `user` and returns it as delivered (the nth reset message)."""
    request_reset(client, user.email)
    return delivered_link(sink, user, nth)


def delivered_link(sink, user, nth: int = 1) -> str:
    """The link of the nth reset message to `user`, once it has arrived."""
    messages = sink.wait_for_messages(nth, to=user.email, subject=SUBJECT_RESET)
    assert len(messages) == nth, messages
    return extract_link(messages[-1], "/api/auth/reset/")


def open_form(client, link):
    """GET the link as a browser: (response, CSRF field, CSRF cookie)."""
    r = client.get(link_path(link))
    assert r.status_code == 200, r.text
    token = csrf_field(r.text)
    cookie = set_cookie_value(r.headers["Set-Cookie"], CSRF_COOKIE)
    return r, token, cookie


def post_form(client, link, fields: dict, cookie=None):
    headers = {"Cookie": f"{CSRF_COOKIE}={cookie}"} if cookie is not None else {}
    return client.post(link_path(link), data=fields, headers=headers)


def assert_page_headers(r):
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = r.headers["Content-Security-Policy"]
    assert csp.startswith(CSP_PREFIX), csp
    for directive in ("form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r.headers["Cache-Control"]
    assert "<script" not in r.text


def assert_invalid_page(r):
    assert r.status_code == 400, r.text
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_RESET_INVALID
    assert "<form" not in r.text and "Set-Cookie" not in r.headers


def login_works(client, username, password) -> bool:
    r = client.login_raw(username, password)
    assert r.status_code in (200, 401), r.text
    if r.status_code == 401:
        assert r.json() == BODY_BAD_LOGIN
    return r.status_code == 200


@pytest.fixture
def user(mail_client, smtp_sink):
    user = mail_client.register()
    return user


# ----------------------------------------------------------------------------------------------
# the request

def test_same_answer_for_known_and_unknown_addresses(mail_client, smtp_sink, user):
    known = request_reset(mail_client, user.email)
    unknown_email = f"{unique_name('nobody')}@example.com"
    unknown = request_reset(mail_client, unknown_email)
    assert known.content == unknown.content
    assert known.headers["Content-Type"] == unknown.headers["Content-Type"]

    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_RESET)
    assert message.rcpt_tos == [user.email]
    link = extract_link(message, "/api/auth/reset/")
    match = RESET_LINK.match(link)
    assert match, link
    assert len(b64url_decode(match.group(2))) == 32
    assert f"\n\n{link}\n\n" in message.text
    assert f'<a href="{link}">{link}</a>' in message.html
    assert message.text.startswith(f"Hello {user.username},\n")
    assert "The link works once and expires in 1 hour." in message.text
    assert [p.get_content_type() for p in message.message.iter_parts()] == [
        "text/plain", "text/html"]

    flush_outbox(smtp_sink, mail_client)
    assert smtp_sink.messages_to(unknown_email) == []
    assert len(smtp_sink.messages_to(user.email)) == 2  # verification + reset


def test_address_matches_case_insensitively(mail_client, smtp_sink, user):
    request_reset(mail_client, user.email.upper())
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_RESET)
    assert message.rcpt_tos == [user.email]  # sent to the stored address


def test_invalid_address_is_a_validation_error(mail_client):
    for body in ({"email": "not-an-address"}, {"email": "a@example.com\r\nBcc: x@evil.test"}):
        r = mail_client.post("/api/auth/password_reset/", json=body)
        assert r.status_code == 400, r.text
        assert r.json() == {"email": [MSG_EMAIL_INVALID]}


def test_link_host_never_comes_from_the_request(mail_client, smtp_sink, user):
    request_reset(mail_client, user.email,
                  headers={"Host": "evil.example.net", "X-Forwarded-Host": "evil.example.net",
                           "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example.net"})
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_RESET)
    link = extract_link(message, "/api/auth/reset/")
    assert RESET_LINK.match(link), link
    assert "evil" not in message.text and "evil" not in message.html


def test_fourth_request_in_an_hour_is_silently_not_sent(mail_client, smtp_sink, user):
    for _ in range(4):
        request_reset(mail_client, user.email)  # always 200 with the same body
    smtp_sink.wait_for_messages(3, to=user.email, subject=SUBJECT_RESET)
    flush_outbox(smtp_sink, mail_client)
    assert len([m for m in smtp_sink.messages_to(user.email)
                if m.subject == SUBJECT_RESET]) == 3


def test_done_page(mail_client):
    r = mail_client.get("/api/auth/password_reset/done/")
    assert r.status_code == 200
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_RESET_REQUESTED


# ----------------------------------------------------------------------------------------------
# the form

def test_reset_through_the_form(mail_client, smtp_sink, user):
    link = reset_link(mail_client, smtp_sink, user)
    first = mail_client.login(user)
    second = mail_client.login(user)

    r, token, cookie = open_form(mail_client, link)
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_RESET_FORM
    assert error_items(r.text) == []
    assert '<form method="post" action="">' in r.text
    assert token and len(token) >= 43 and token == cookie
    set_cookie = r.headers["Set-Cookie"]
    for attribute in ("Path=/api/auth/reset/", "HttpOnly", "SameSite=Strict", "Secure"):
        assert f"; {attribute}" in set_cookie, set_cookie  # Secure: the public URL is https
    # Another visit gets another token.
    assert open_form(mail_client, link)[1] != token

    new_password = random_password()
    r = post_form(mail_client, link, {"csrf_token": token, "new_password": new_password,
                                      "new_password2": new_password}, cookie)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/api/auth/reset/done/"
    r = mail_client.get(r.headers["Location"])
    assert r.status_code == 200
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_RESET_DONE

    # The new password works, the old one not, and every earlier session has ended.
    assert login_works(mail_client, user.username, new_password)
    assert not login_works(mail_client, user.username, user.password)
    for session in (first, second):
        assert_refresh_invalid(mail_client.refresh(session.refresh))
        assert_token_not_valid(mail_client.account(user.username, session.access))

    notice = smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_RESET_NOTICE)
    assert f'"{user.username}" was just reset with a link sent to this address.' in " ".join(
        notice.text.split())

    # The link worked once.
    assert_invalid_page(mail_client.get(link_path(link)))
    r = post_form(mail_client, link, {"csrf_token": token, "new_password": user.password,
                                      "new_password2": user.password}, cookie)
    assert_invalid_page(r)
    assert login_works(mail_client, user.username, new_password)


def test_form_without_or_with_a_wrong_csrf_token_is_refused(mail_client, smtp_sink, user):
    link = reset_link(mail_client, smtp_sink, user)
    _, token, cookie = open_form(mail_client, link)
    new_password = random_password()
    passwords = {"new_password": new_password, "new_password2": new_password}

    attempts = [
        ({"csrf_token": token, **passwords}, None),                  # no cookie
        (passwords, cookie),                                         # no field
        ({"csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B"), **passwords}, cookie),
        ({"csrf_token": "", **passwords}, ""),                       # both empty
        ({"csrf_token": token + "x", **passwords}, token + "xy"),    # other lengths
    ]
    for fields, sent_cookie in attempts:
        r = post_form(mail_client, link, fields, sent_cookie)
        assert r.status_code == 403, (fields, sent_cookie, r.text)
        assert_page_headers(r)
        assert page_title(r.text) == TITLE_RESET_FORM
        assert error_items(r.text) == [MSG_CSRF]
        # A fresh token to try again with.
        assert csrf_field(r.text) == set_cookie_value(r.headers["Set-Cookie"], CSRF_COOKIE)

    # Nothing changed, and the link still works.
    assert login_works(mail_client, user.username, user.password)
    r = mail_client.get(link_path(link), headers=JSON)
    assert (r.status_code, r.json()) == (200, BODY_RESET_LINK_VALID)
    r = post_form(mail_client, link, {"csrf_token": token, **passwords}, cookie)
    assert r.status_code == 303, r.text
    assert login_works(mail_client, user.username, new_password)


@pytest.mark.parametrize("password,password2,errors", [
    ("short-pw", "short-pw", [MSG_PASSWORD_SHORT]),
    ("password1234", "password1234", [MSG_PASSWORD_COMMON]),
    ("804412678315", "804412678315", [MSG_PASSWORD_NUMERIC]),
    ("ghijknqrstvwyzGH", "ghijknqrstvwyzGJ", [MSG_PASSWORD_MISMATCH]),
    ("short-pw", "other", [MSG_PASSWORD_SHORT, MSG_PASSWORD_MISMATCH]),
])
def test_form_shows_policy_errors(mail_client, smtp_sink, user, password, password2, errors):
    link = reset_link(mail_client, smtp_sink, user)
    _, token, cookie = open_form(mail_client, link)
    r = post_form(mail_client, link, {"csrf_token": token, "new_password": password,
                                      "new_password2": password2}, cookie)
    assert r.status_code == 400, r.text
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_RESET_FORM
    assert error_items(r.text) == errors
    assert password not in r.text  # the typed password is not sent back
    # The refused attempt spent nothing.
    assert login_works(mail_client, user.username, user.password)
    r = mail_client.get(link_path(link), headers=JSON)
    assert (r.status_code, r.json()) == (200, BODY_RESET_LINK_VALID)


# ----------------------------------------------------------------------------------------------
# the JSON variant, and what ends a link

def test_reset_through_json(mail_client, smtp_sink, user):
    link = reset_link(mail_client, smtp_sink, user)
    session = mail_client.login(user)

    r = mail_client.get(link_path(link), headers=JSON)
    assert r.status_code == 200
    assert r.json() == BODY_RESET_LINK_VALID

    r = mail_client.post(link_path(link), json={"new_password": "short-pw",
                                                "new_password2": "short-pw"})
    assert r.status_code == 400
    assert r.json() == {"new_password": [MSG_PASSWORD_SHORT]}
    good = random_password()
    r = mail_client.post(link_path(link), json={"new_password": good, "new_password2": good + "x"})
    assert r.status_code == 400
    assert r.json() == {"new_password2": [MSG_PASSWORD_MISMATCH]}

    r = mail_client.post(link_path(link), json={"new_password": good, "new_password2": good})
    assert r.status_code == 200, r.text
    assert r.json() == BODY_RESET_DONE

    assert login_works(mail_client, user.username, good)
    assert not login_works(mail_client, user.username, user.password)
    assert_refresh_invalid(mail_client.refresh(session.refresh))
    assert_token_not_valid(mail_client.account(user.username, session.access))
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_RESET_NOTICE)

    # Once only.
    other = random_password()
    r = mail_client.post(link_path(link), json={"new_password": other, "new_password2": other})
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    r = mail_client.get(link_path(link), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    assert login_works(mail_client, user.username, good)


def test_link_dies_when_the_password_changes(mail_client, smtp_sink, user):
    link = reset_link(mail_client, smtp_sink, user)
    session = mail_client.login(user)
    other_session = mail_client.login(user)
    changed = random_password()
    r = mail_client.put(f"/api/auth/password/{user.username}", token=session.access,
                        json={"password": user.password, "new_password": changed,
                              "new_password2": changed})
    assert r.status_code == 200, r.text
    assert r.json() == {}

    notice = smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_CHANGED)
    assert notice.rcpt_tos == [user.email]
    assert f'"{user.username}" was just changed.' in " ".join(notice.text.split())
    # The changing session lives on; the other ended.
    assert mail_client.account(user.username, session.access).status_code == 200
    assert_refresh_invalid(mail_client.refresh(other_session.refresh))

    assert_invalid_page(mail_client.get(link_path(link)))
    r = mail_client.post(link_path(link), json={"new_password": user.password,
                                                "new_password2": user.password})
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    assert login_works(mail_client, user.username, changed)


def test_every_link_dies_with_a_reset(mail_client, smtp_sink, user):
    request_reset(mail_client, user.email)
    first = delivered_link(smtp_sink, user, 1)
    request_reset(mail_client, user.email)
    second = delivered_link(smtp_sink, user, 2)
    assert first != second
    new_password = random_password()
    r = mail_client.post(link_path(second), json={"new_password": new_password,
                                                  "new_password2": new_password})
    assert r.status_code == 200, r.text
    r = mail_client.get(link_path(first), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID


def test_link_of_another_user_is_refused(mail_client, smtp_sink, user):
    other = mail_client.register()
    request_reset(mail_client, user.email)
    request_reset(mail_client, other.email)
    link, other_link = delivered_link(smtp_sink, user), delivered_link(smtp_sink, other)
    uid = other_link.rstrip("/").rsplit("/", 2)[1]
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = f"/api/auth/reset/{uid}/{token}/"
    assert_invalid_page(mail_client.get(forged))
    password = random_password()
    r = mail_client.post(forged, json={"new_password": password, "new_password2": password})
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    assert login_works(mail_client, other.username, other.password)
    assert login_works(mail_client, user.username, user.password)


def test_link_sent_to_an_old_address_dies_when_the_address_changes(mail_client, smtp_sink,
                                                                   user):
    link = reset_link(mail_client, smtp_sink, user)
    session = mail_client.login(user)
    new_email = f"{unique_name('moved')}@example.org"
    r = mail_client.patch(f"/api/auth/update/{user.username}", token=session.access,
                          json={"email": new_email})
    assert r.status_code == 200, r.text
    assert_invalid_page(mail_client.get(link_path(link)))
    password = random_password()
    r = mail_client.post(link_path(link), json={"new_password": password,
                                                "new_password2": password})
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    assert login_works(mail_client, user.username, user.password)
    # The old address no longer gets links; the new one does.
    request_reset(mail_client, user.email)
    request_reset(mail_client, new_email)
    smtp_sink.wait_for(to=new_email, subject=SUBJECT_RESET)
    time.sleep(0.3)  # a message of the same outbox pass as the one just received
    assert len([m for m in smtp_sink.messages_to(user.email) if m.subject == SUBJECT_RESET]) == 1
