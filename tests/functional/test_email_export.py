"""The data export (GET dump_data/) through a real SMTP server (aiosmtpd): the message and its
JSON attachment, what the export holds and what it must never hold, and its limit."""

import json
import re
import time

from authd_mail import BODY_EXPORT_ACCEPTED, SUBJECT_EXPORT, flush_outbox, throttled_body
from authd_testlib import (BODY_NOT_AUTHENTICATED, all_keys, assert_json, assert_token_not_valid,
                           jwt_claims)

ACCOUNT_KEYS = {"username", "email", "email_verified", "two_fa_enable", "lang", "is_active",
                "date_joined", "last_login", "password_changed_at", "has_password"}
SESSION_KEYS = {"created", "last_used", "expires", "ended", "end_reason", "ip", "user_agent"}


def all_strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, str):
        yield value


def test_export_is_mailed_as_a_json_attachment(mail_client, smtp_sink):
    user = mail_client.register(lang="fr")
    before = int(time.time())
    first = mail_client.login(user)
    second = mail_client.login(user)
    assert mail_client.logout(second.refresh).status_code == 200

    # A French user: with no language named by the request, the answer is in French, and so is
    # the message (docs/API.md, "Languages"); the export itself is language-neutral JSON.
    r = mail_client.get("/api/auth/dump_data/", token=first.access)
    assert r.status_code == 202, r.text
    assert_json(r)
    assert r.json() == {"detail": "Vos données vont être envoyées sous peu à votre adresse e-mail."}

    message = smtp_sink.wait_for(to=user.email, subject="Export de vos données authd")
    assert message.rcpt_tos == [user.email]
    m = message.message
    assert m.get_content_type() == "multipart/mixed"
    parts = list(m.iter_parts())
    assert [p.get_content_type() for p in parts] == ["multipart/alternative", "application/json"]
    assert [p.get_content_type() for p in parts[0].iter_parts()] == ["text/plain", "text/html"]
    assert parts[1]["Content-Transfer-Encoding"] == "base64"
    assert message.text.startswith(f"Bonjour {user.username},\n")
    assert "Le fichier JSON joint contient tout ce qu'authd conserve sur le compte" in " ".join(
        message.text.split())

    attachments = message.attachments
    assert len(attachments) == 1
    filename, content_type, data = attachments[0]
    assert filename == f"authd-export-{user.username}.json"
    assert content_type == "application/json"
    export = json.loads(data.decode("utf-8"))

    assert export["format"] == "authd-export-1"
    assert set(export) == {"format", "times", "account", "sessions", "passkeys",
                           "security_events"}
    assert export["passkeys"] == []
    account = export["account"]
    assert set(account) == ACCOUNT_KEYS
    assert account["username"] == user.username
    assert account["email"] == user.email
    assert account["email_verified"] is False
    assert account["two_fa_enable"] is False
    assert account["lang"] == "fr"
    assert account["is_active"] is True
    assert before - 60 <= account["date_joined"] <= before + 1
    assert before <= account["last_login"] <= time.time() + 1

    sessions = export["sessions"]
    assert len(sessions) == 2
    assert all(set(s) == SESSION_KEYS for s in sessions)
    assert all(s["ip"] == "127.0.0.1" for s in sessions)
    assert all(s["user_agent"].startswith("python-requests/") for s in sessions)
    ended = [s for s in sessions if s["ended"] is not None]
    live = [s for s in sessions if s["ended"] is None]
    assert len(ended) == 1 and len(live) == 1
    assert ended[0]["end_reason"] == "logout"
    assert live[0]["end_reason"] is None
    events = export["security_events"]
    # The audit log's events, newest first: registration, two logins, one logout.
    assert sorted(e["event"] for e in events) == [
        "account_created", "login_succeeded", "login_succeeded", "logout"]
    assert all(set(e) == {"event", "at", "ip", "user_agent", "detail"} for e in events)
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert all(e["ip"] == "127.0.0.1" for e in events)
    assert {e["detail"] for e in events if e["event"] == "login_succeeded"} == {"password"}

    # Never a hash, a secret, a password or a token identifier.
    text = data.decode("utf-8")
    assert "$argon2" not in text
    assert user.password not in text
    for pair in (first, second):
        for token in (pair.access, pair.refresh):
            assert token not in text
            assert token.split(".")[-1] not in text  # the signature, or the refresh secret
        assert jwt_claims(pair.access)["jti"] not in text
    forbidden = {"password", "password_hash", "hash", "jti", "refresh", "refresh_hash",
                 "token", "token_hash", "secret", "otp_secret", "recovery_codes"}
    assert not forbidden & set(all_keys(export)), set(all_keys(export))
    assert not any("hash" in key or "secret" in key for key in all_keys(export))
    # Nothing that looks like a digest or an identifier of 128 bits or more.
    for value in all_strings(export):
        assert not re.search(r"[A-Za-z0-9+/_=-]{22,}", value), value


def test_export_needs_a_live_session(mail_client, smtp_sink):
    r = mail_client.get("/api/auth/dump_data/")
    assert r.status_code == 401
    assert r.json() == BODY_NOT_AUTHENTICATED

    user = mail_client.new_user()
    assert mail_client.logout(user.refresh).status_code == 200
    assert_token_not_valid(mail_client.get("/api/auth/dump_data", token=user.access))
    flush_outbox(smtp_sink, mail_client)
    assert [m.subject for m in smtp_sink.messages_to(user.email)] == ["Confirm your e-mail address"]


def test_export_is_limited_to_three_an_hour(mail_client, smtp_sink):
    user = mail_client.new_user()
    for _ in range(3):
        r = mail_client.get("/api/auth/dump_data/", token=user.access)
        assert r.status_code == 202, r.text
        assert r.json() == BODY_EXPORT_ACCEPTED
    r = mail_client.get("/api/auth/dump_data/", token=user.access)
    assert r.status_code == 429, r.text
    assert_json(r)
    retry_after = int(r.headers["Retry-After"])
    assert 3590 <= retry_after <= 3600
    assert r.json() == throttled_body(retry_after)

    # The limit is the account's: another account is not affected.
    other = mail_client.new_user()
    assert mail_client.get("/api/auth/dump_data/", token=other.access).status_code == 202

    smtp_sink.wait_for_messages(3, to=user.email, subject=SUBJECT_EXPORT)
    smtp_sink.wait_for(to=other.email, subject=SUBJECT_EXPORT)
    flush_outbox(smtp_sink, mail_client)
    assert len([m for m in smtp_sink.messages_to(user.email) if m.subject == SUBJECT_EXPORT]) == 3
