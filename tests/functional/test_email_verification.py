"""E-mail verification, end to end through a real SMTP server (aiosmtpd): the message sent at
registration (its MIME structure, sender and link), opening the link (JSON and HTML), single
use, a link for an address that changed, the resend route and its limit."""

import base64
import email.utils
import hashlib
import re
import time

from authd_mail import (BODY_ALREADY_VERIFIED, BODY_VERIFICATION_SENT, BODY_VERIFIED,
                        BODY_VERIFY_LINK_INVALID, PUBLIC_URL, SUBJECT_EMAIL_CHANGED,
                        SUBJECT_VERIFY, TITLE_VERIFIED, TITLE_VERIFY_INVALID, extract_link,
                        flush_outbox, link_path, page_title, throttled_body)
from authd_testlib import (BODY_NOT_AUTHENTICATED, assert_json, b64url_decode, random_password,
                           unique_name)

VERIFY_LINK = re.compile(re.escape(PUBLIC_URL) +
                         r"/api/auth/verify_email/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]{43,})/$")
FROM_NAME = "Authd Sécurité"
FROM_ADDRESS = "no-reply@auth.example.test"
JSON = {"Accept": "application/json"}


def registered(client, sink, **kw):
    """Registers an account; returns (user, its verification message, the link in it)."""
    return delivered(sink, client.register(**kw))


def delivered(sink, user):
    """(user, its verification message, the link in it), once the message has arrived."""
    message = sink.wait_for(to=user.email, subject=SUBJECT_VERIFY)
    return user, message, extract_link(message, "/api/auth/verify_email/")


def email_verified(client, user) -> bool:
    r = client.account(user.username, user.access)
    assert r.status_code == 200, r.text
    return r.json()["email_verified"]


def assert_page_headers(r):
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = r.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; "), csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in r.headers["Cache-Control"]


# ----------------------------------------------------------------------------------------------

def test_registration_sends_a_well_formed_verification_message(mail_client, smtp_sink):
    before = time.time()
    user, message, link = registered(mail_client, smtp_sink)

    # Envelope: from the configured address, to the account's address only.
    assert message.mail_from == FROM_ADDRESS
    assert message.rcpt_tos == [user.email]
    assert len(smtp_sink.messages_to(user.email)) == 1

    # The bytes on the wire: 7-bit, CRLF line ends, no line over 998 characters.
    raw = message.content
    assert max(raw) < 128, "non-ASCII byte in the message"
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the message"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998

    headers = message.raw_headers
    # A non-ASCII display name is sent as an RFC 2047 encoded word, the subject as plain text.
    assert re.search(r"(?m)^From: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=", headers), headers
    assert "\r\nSubject: Confirm your e-mail address\r\n" in headers
    m = message.message
    sender = m["From"].addresses
    assert len(sender) == 1
    assert (sender[0].display_name, sender[0].addr_spec) == (FROM_NAME, FROM_ADDRESS)
    assert str(m["To"]) == user.email
    assert message.subject == SUBJECT_VERIFY
    assert m["MIME-Version"] == "1.0"
    assert m["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[A-Za-z0-9_.-]+@auth\.example\.test>", m["Message-ID"]), m["Message-ID"]
    sent = email.utils.parsedate_to_datetime(m["Date"]).timestamp()
    assert before - 2 <= sent <= time.time() + 2

    # multipart/alternative: a text part, then its HTML version; nothing attached.
    assert m.get_content_type() == "multipart/alternative"
    parts = list(m.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert message.attachments == []

    text, html = message.text, message.html
    assert text.startswith(f"Hello {user.username},\n")
    assert f'the authd account "{user.username}"' in text
    assert f"\n\n{link}\n\n" in text  # the link whole, on a line of its own
    assert "The link works once and expires in 24 hours." in text
    assert f'<a href="{link}">{link}</a>' in html
    assert html.count("<a ") == 1
    assert html.startswith("<!DOCTYPE html>")

    # The link: <public URL>/api/auth/verify_email/<uidb64>/<token>/, 256 random bits.
    match = VERIFY_LINK.match(link)
    assert match, link
    assert len(b64url_decode(match.group(2))) == 32
    assert b64url_decode(match.group(1))  # the user's id, base64url

    user = mail_client.login(user)
    r = mail_client.account(user.username, user.access)
    assert r.json()["email_verified"] is False
    assert r.json()["two_fa_methods"] == []


def test_link_opened_by_an_api_client_verifies_once(mail_client, smtp_sink):
    user, _, link = registered(mail_client, smtp_sink)
    user = mail_client.login(user)

    r = mail_client.get(link_path(link), headers=JSON)
    assert r.status_code == 200, r.text
    assert_json(r)
    assert r.json() == BODY_VERIFIED
    body = mail_client.account(user.username, user.access).json()
    assert body["email_verified"] is True
    assert body["two_fa_methods"] == ["email"]

    # Single use, in either form, and the address stays verified.
    r = mail_client.get(link_path(link), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_VERIFY_LINK_INVALID
    r = mail_client.get(link_path(link))
    assert r.status_code == 400
    assert page_title(r.text) == TITLE_VERIFY_INVALID
    assert email_verified(mail_client, user) is True


def test_link_opened_in_a_browser_shows_a_page(mail_client, smtp_sink):
    user, _, link = registered(mail_client, smtp_sink)
    user = mail_client.login(user)

    r = mail_client.get(link_path(link), headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 200, r.text
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_VERIFIED
    assert "<form" not in r.text
    # The page's one stylesheet is the one the CSP allows by its hash.
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in r.headers["Content-Security-Policy"]
    assert email_verified(mail_client, user) is True

    r = mail_client.get(link_path(link))
    assert r.status_code == 400
    assert_page_headers(r)
    assert page_title(r.text) == TITLE_VERIFY_INVALID


def test_link_host_never_comes_from_the_request(mail_client, smtp_sink):
    spoof = {"Host": "evil.example.net", "X-Forwarded-Host": "evil.example.net",
             "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example.net"}
    name = unique_name()
    password = random_password()
    r = mail_client.post("/api/auth/", headers=spoof,
                         json={"username": name, "email": f"{name}@example.com",
                               "password": password, "password2": password})
    assert r.status_code == 201, r.text
    message = smtp_sink.wait_for(to=f"{name}@example.com", subject=SUBJECT_VERIFY)
    link = extract_link(message, "/api/auth/verify_email/")
    assert VERIFY_LINK.match(link), link
    assert "evil" not in message.text and "evil" not in message.html

    # The resend too.
    r = mail_client.login_raw(name, password)
    access = r.json()["access"]
    r = mail_client.post("/api/auth/verify_email/", token=access, headers=spoof)
    assert r.status_code == 202, r.text
    messages = smtp_sink.wait_for_messages(2, to=f"{name}@example.com", subject=SUBJECT_VERIFY)
    resent = extract_link(messages[1], "/api/auth/verify_email/")
    assert VERIFY_LINK.match(resent), resent
    assert "evil" not in messages[1].text and "evil" not in messages[1].html


def test_link_of_another_user_or_tampered_is_refused_and_spends_nothing(mail_client, smtp_sink):
    alice, bob = mail_client.register(), mail_client.register()
    alice, _, alice_link = delivered(smtp_sink, alice)
    bob, _, bob_link = delivered(smtp_sink, bob)
    alice_uid, alice_token = alice_link.rstrip("/").rsplit("/", 2)[1:]
    bob_uid = bob_link.rstrip("/").rsplit("/", 2)[1]

    for path in (f"/api/auth/verify_email/{bob_uid}/{alice_token}/",
                 f"/api/auth/verify_email/{alice_uid}/{alice_token[:-2]}/",
                 f"/api/auth/verify_email/{alice_uid}/{'A' * 43}/",
                 f"/api/auth/verify_email/!!/{alice_token}/"):
        r = mail_client.get(path, headers=JSON)
        assert r.status_code == 400, (path, r.text)
        assert r.json() == BODY_VERIFY_LINK_INVALID

    alice, bob = mail_client.login(alice), mail_client.login(bob)
    assert email_verified(mail_client, alice) is False
    assert email_verified(mail_client, bob) is False
    assert mail_client.get(link_path(alice_link), headers=JSON).json() == BODY_VERIFIED
    assert email_verified(mail_client, alice) is True
    assert email_verified(mail_client, bob) is False


def test_link_dies_when_the_address_changes(mail_client, smtp_sink):
    user, _, old_link = registered(mail_client, smtp_sink)
    user = mail_client.login(user)
    new_email = f"{unique_name('new')}@example.org"

    r = mail_client.patch(f"/api/auth/update/{user.username}", token=user.access,
                          json={"email": new_email})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == new_email
    assert r.json()["email_verified"] is False

    # A new link goes to the new address, a notice to the old one.
    message = smtp_sink.wait_for(to=new_email, subject=SUBJECT_VERIFY)
    new_link = extract_link(message, "/api/auth/verify_email/")
    assert new_link != old_link
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_EMAIL_CHANGED)

    r = mail_client.get(link_path(old_link), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_VERIFY_LINK_INVALID
    assert email_verified(mail_client, user) is False

    assert mail_client.get(link_path(new_link), headers=JSON).json() == BODY_VERIFIED
    body = mail_client.account(user.username, user.access).json()
    assert (body["email"], body["email_verified"]) == (new_email, True)


def test_changing_a_verified_address_unverifies_it(mail_client, smtp_sink):
    user, _, link = registered(mail_client, smtp_sink)
    user = mail_client.login(user)
    assert mail_client.get(link_path(link), headers=JSON).json() == BODY_VERIFIED
    new_email = f"{unique_name('moved')}@example.org"

    r = mail_client.patch(f"/api/auth/update/{user.username}", token=user.access,
                          json={"email": new_email})
    assert r.status_code == 200, r.text
    assert r.json()["email_verified"] is False
    assert r.json()["two_fa_methods"] == []
    notice = smtp_sink.wait_for(to=user.email, subject=SUBJECT_EMAIL_CHANGED)
    assert notice.rcpt_tos == [user.email]
    assert f"was just changed from this address to {new_email}." in " ".join(
        notice.text.split())
    smtp_sink.wait_for(to=new_email, subject=SUBJECT_VERIFY)

    # A change of case is a change like any other (a mailbox may tell them apart): a notice to
    # the address as it was, a verification to the address as it is now written.
    r = mail_client.patch(f"/api/auth/update/{user.username}", token=user.access,
                          json={"email": new_email.upper()})
    assert r.status_code == 200, r.text
    assert r.json()["email"] == new_email.upper() and r.json()["email_verified"] is False
    flush_outbox(smtp_sink, mail_client)
    messages = smtp_sink.messages_to(new_email)  # either case
    assert sorted(m.subject for m in messages) == sorted(
        [SUBJECT_VERIFY, SUBJECT_EMAIL_CHANGED, SUBJECT_VERIFY])
    assert [m.rcpt_tos for m in messages if m.subject == SUBJECT_VERIFY][-1] == [
        new_email.upper()]
    assert len(smtp_sink.messages_to(user.email)) == 2  # the verification and the notice


def test_resend_sends_a_new_working_link(mail_client, smtp_sink):
    user, _, first_link = registered(mail_client, smtp_sink)
    user = mail_client.login(user)

    r = mail_client.post("/api/auth/verify_email/", token=user.access)
    assert r.status_code == 202, r.text
    assert_json(r)
    assert r.json() == BODY_VERIFICATION_SENT
    messages = smtp_sink.wait_for_messages(2, to=user.email, subject=SUBJECT_VERIFY)
    new_link = extract_link(messages[1], "/api/auth/verify_email/")
    assert VERIFY_LINK.match(new_link) and new_link != first_link

    assert mail_client.get(link_path(new_link), headers=JSON).json() == BODY_VERIFIED
    assert email_verified(mail_client, user) is True

    # Verified: nothing more to send.
    r = mail_client.post("/api/auth/verify_email", token=user.access)
    assert r.status_code == 400
    assert r.json() == BODY_ALREADY_VERIFIED

    r = mail_client.post("/api/auth/verify_email/")
    assert r.status_code == 401
    assert r.json() == BODY_NOT_AUTHENTICATED


def test_resend_is_limited_to_three_an_hour(mail_client, smtp_sink):
    user, _, _ = registered(mail_client, smtp_sink)
    user = mail_client.login(user)
    for _ in range(3):
        r = mail_client.post("/api/auth/verify_email/", token=user.access)
        assert r.status_code == 202, r.text
    r = mail_client.post("/api/auth/verify_email/", token=user.access)
    assert r.status_code == 429, r.text
    assert_json(r)
    retry_after = int(r.headers["Retry-After"])
    assert 3590 <= retry_after <= 3600
    assert r.json() == throttled_body(retry_after)

    # The registration's message and three resends; the fourth was not sent.
    smtp_sink.wait_for_messages(4, to=user.email, subject=SUBJECT_VERIFY)
    flush_outbox(smtp_sink, mail_client)
    assert len(smtp_sink.messages_to(user.email)) == 4

