"""The audit log as a user sees it: the events of each live session in GET sessions/, with the
client's address and user agent, and never a secret."""

import json

from authd_mail import SUBJECT_EXPORT


def session_events(client, user):
    r = client.get("/api/auth/sessions/", token=user.access)
    assert r.status_code == 200, r.text
    return {s["id"]: s for s in r.json()["sessions"]}


def test_sessions_list_their_security_events(client):
    user = client.new_user()  # registers and logs in
    sessions = session_events(client, user)
    assert len(sessions) == 1
    (current,) = sessions.values()
    assert current["current"] is True
    kinds = [e["event"] for e in current["events"]]
    assert kinds == ["login_succeeded"]
    event = current["events"][0]
    assert set(event) == {"event", "at", "ip", "user_agent"}
    assert event["ip"] == "127.0.0.1"
    assert event["user_agent"].startswith("python-requests/")

    # A failed login belongs to no session; a second login is its own session.
    assert client.login_raw(user.username, user.password + "x").status_code == 401
    r = client.login_raw(user.username, user.password, headers={"User-Agent": "Second/1.0"})
    assert r.status_code == 200
    sessions = session_events(client, user)
    assert len(sessions) == 2
    other = next(s for s in sessions.values() if not s["current"])
    assert [(e["event"], e["user_agent"]) for e in other["events"]] == [
        ("login_succeeded", "Second/1.0")]


def test_refresh_token_reuse_is_recorded_and_ends_the_session(mail_client, smtp_sink):
    user = mail_client.new_user()
    first = user.refresh
    r = mail_client.refresh(first)
    assert r.status_code == 200
    fresh = r.json()
    # Within the grace window the same pair comes back; the session stays.
    assert mail_client.refresh(first).json() == fresh
    # A second rotation makes `first` two generations old: its use now is reuse.
    assert mail_client.refresh(fresh["refresh"]).status_code == 200
    assert mail_client.refresh(first).status_code == 401
    r = mail_client.get("/api/auth/sessions/", token=fresh["access"])
    assert r.status_code == 401  # the whole session is revoked

    # The export lists what happened, newest first, with no secret in it.
    again = mail_client.login(user)
    assert mail_client.get("/api/auth/dump_data/", token=again.access).status_code == 202
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_EXPORT)
    ((_, _, data),) = message.attachments
    export = json.loads(data)
    kinds = [e["event"] for e in export["security_events"]]
    assert kinds[:2] == ["login_succeeded", "refresh_reuse_detected"]
    assert kinds[-1] == "account_created"
    text = data.decode()
    for secret in (first, fresh["refresh"], fresh["access"], user.password):
        assert secret not in text
