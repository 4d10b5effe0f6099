"""Account hooks (docs/HOOKS.md): signed events to subscribers (Standard Webhooks, verified
here from the specification), the data export with the services' data (through a real SMTP
server), and the metrics of both."""

import json
import re
import time

import pytest

from authd_mail import BODY_EXPORT_ACCEPTED, SUBJECT_EXPORT
from authd_testlib import User, all_keys, random_password, unique_name
from hook_stubs import (EXPORT, EventSink, check_call, expected_export, metric_samples,
                        new_webhook_secret, poll, shape, start_platform)

TIMEOUT = 2
EXPORT_WAIT = 3  # seconds (AUTH_HOOKS_EXPORT_WAIT) in the module's server
BASE_EXPORT_KEYS = {"format", "times", "account", "sessions", "passkeys", "security_events"}
EVENT_KEYS = {"type", "timestamp", "data"}
SESSION_DATA_KEYS = {"user_id", "username", "reason", "session_id", "all", "except_session_id"}


@pytest.fixture(scope="module")
def events_platform(module_factory, smtp_sink, tmp_path_factory):
    audit, deletes = EventSink("audit"), EventSink("deletes")
    secrets = {"audit": new_webhook_secret(), "deletes": new_webhook_secret(64)}
    subscribers = [
        {"name": "audit", "url": audit.url + "/webhooks/authd", "secret": secrets["audit"],
         "timeout": TIMEOUT},
        # From the environment, and only one type.
        {"name": "deletes", "url": "${DELETES_SINK_URL}/hook", "secret": "${DELETES_SECRET}",
         "events": ["account.deleted"], "timeout": TIMEOUT},
    ]
    try:
        platform = start_platform(module_factory, tmp_path_factory.mktemp("hooks"), TIMEOUT,
                                  subscribers=subscribers,
                                  sinks={"audit": audit, "deletes": deletes},
                                  env=smtp_sink.env(),
                                  AUTH_HOOKS_EXPORT_WAIT=f"{EXPORT_WAIT}s",
                                  DELETES_SINK_URL=deletes.url,
                                  DELETES_SECRET=secrets["deletes"])
    except BaseException:
        audit.down()
        deletes.down()
        raise
    platform.secrets = secrets
    yield platform
    platform.stop()


@pytest.fixture
def plat(events_platform):
    events_platform.reset()
    yield events_platform
    events_platform.reset()


def events_of(plat, sink_name, predicate, timeout=30.0):
    sink = plat.sinks[sink_name]
    return sink.wait_for_events(predicate, timeout=timeout, secret=plat.secrets[sink_name])


def has(events, type_, **data):
    return any(e["type"] == type_ and all(e["data"].get(k) == v for k, v in data.items())
               for e in events)


# ----------------------------------------------------------------------------------------------
# events

def test_events_of_an_account_arrive_signed_and_in_order(plat):
    c = plat.client()
    user = c.register()
    name = user.username
    first = c.login(user)    # the session that makes the changes
    second = c.login(user)   # another session, revoked by the password change
    created = events_of(plat, "audit", lambda es: has(es, "account.created", username=name))
    uid = next(e["data"]["user_id"] for e in created
               if e["type"] == "account.created" and e["data"]["username"] == name)

    new = unique_name()
    r = c.patch("/api/auth/update/" + name, json={"username": new}, token=first.access)
    assert r.status_code == 200, r.text
    access, refresh = r.json()["access"], r.json()["refresh"]
    new_email = f"{new}@example.org"
    r = c.patch("/api/auth/update/" + new, json={"email": new_email}, token=access)
    assert r.status_code == 200, r.text
    new_password = random_password()
    r = c.put("/api/auth/password/" + new, token=access, json={
        "password": user.password, "new_password": new_password,
        "new_password2": new_password})
    assert (r.status_code, r.json()) == (200, {})
    assert c.logout(refresh).status_code == 200
    last = c.login(User(new, new_password, new_email))
    r = c.delete("/api/auth/delete/" + new, token=last.access)
    assert r.status_code == 204, r.text

    events = events_of(plat, "audit", lambda es: has(es, "account.deleted", user_id=uid))
    mine = [e for e in events if e["data"].get("user_id") == uid]
    types = [e["type"] for e in mine]
    assert [t for t in types if t != "session.revoked"] == [
        "account.created", "account.renamed", "account.email_changed",
        "account.password_changed", "account.deleted"], types
    by_type = {e["type"]: e["data"] for e in mine if e["type"] != "session.revoked"}
    assert by_type == {
        "account.created": {"user_id": uid, "username": name, "email": user.email},
        "account.renamed": {"user_id": uid, "username": new, "old_username": name},
        "account.email_changed": {"user_id": uid, "username": new, "email": new_email},
        "account.password_changed": {"user_id": uid, "username": new},
        "account.deleted": {"user_id": uid, "username": new},
    }
    # The password change ends the other session (all but the current one); the logout ends
    # the current one.
    revoked = [(i, e["data"]) for i, e in enumerate(mine) if e["type"] == "session.revoked"]
    assert len(revoked) == 2, types
    (i_all, everything), (i_one, one) = revoked
    assert types.index("account.email_changed") < i_all < i_one < types.index("account.deleted")
    for data in (everything, one):
        assert set(data) <= SESSION_DATA_KEYS and data["username"] == new, data
        assert isinstance(data["reason"], str) and data["reason"], data
    assert everything["all"] is True and everything["except_session_id"], everything
    assert one.get("all") in (None, False) and one["session_id"], one
    assert one["session_id"] == everything["except_session_id"]

    for e in mine:
        assert set(e) - {"_call"} == EVENT_KEYS, e
        call = e["_call"]
        assert call.method == "POST" and call.path == "/webhooks/authd"
        assert call.headers.get("Content-Type", "").startswith("application/json")
        assert re.fullmatch(r"[\x21-\x7e]{1,255}", call.headers["webhook-id"])
    assert len({e["_call"].headers["webhook-id"] for e in mine}) == len(mine)

    # Never a password, a token or a hash in any delivery.
    secrets = [user.password, new_password, "$argon2"]
    for pair in (first, second, last):
        secrets += [pair.access, pair.refresh]
    secrets += [access, refresh]
    for sink in plat.sinks.values():
        for call in sink.deliveries(answered=False):
            text = call.body.decode("utf-8")
            assert not [s for s in secrets if s in text], text
            keys = set(all_keys(json.loads(text)))
            assert not [k for k in keys if re.search("password|hash|secret|token", k)], keys

    # The second subscriber gets its one type only, signed with its own secret.
    deletes = events_of(plat, "deletes", lambda es: has(es, "account.deleted", user_id=uid))
    assert {e["type"] for e in deletes} == {"account.deleted"}
    assert [e["data"] for e in deletes if e["data"]["user_id"] == uid] == [
        {"user_id": uid, "username": new}]


def test_a_subscriber_down_gets_everything_once_back(plat):
    c = plat.client()
    sink = plat.sinks["audit"]
    sink.down()
    user = c.new_user()
    name, new = user.username, unique_name()
    r = c.patch("/api/auth/update/" + name, json={"username": new}, token=user.access)
    assert r.status_code == 200, r.text
    assert c.logout(r.json()["refresh"]).status_code == 200
    poll(lambda: events_pending(c, "audit") >= 1, timeout=15, message="a backlog in /metrics")

    sink.up()
    events = events_of(plat, "audit", lambda es: has(es, "session.revoked", username=new))
    uid = next(e["data"]["user_id"] for e in events
               if e["type"] == "account.created" and e["data"]["username"] == name)
    assert [e["type"] for e in events if e["data"].get("user_id") == uid] == [
        "account.created", "account.renamed", "session.revoked"]
    poll(lambda: events_pending(c, "audit") == 0, timeout=30, message="no backlog left")
    deliveries = metric_samples(c.get("/metrics").text, "authd_event_deliveries_total")
    assert {labels.get("subscriber") for labels, _ in deliveries} >= {"audit"}
    assert all("outcome" in labels for labels, _ in deliveries)


def events_pending(c, subscriber):
    r = c.get("/metrics")
    assert r.status_code == 200, r.text
    samples = [v for labels, v in metric_samples(r.text, "authd_events_pending")
               if labels.get("subscriber") == subscriber]
    assert len(samples) == 1, r.text
    return samples[0]


# ----------------------------------------------------------------------------------------------
# export

def attachment_json(message):
    attachments = message.attachments
    assert len(attachments) == 1, attachments
    filename, content_type, data = attachments[0]
    assert content_type == "application/json"
    return json.loads(data.decode("utf-8"))


def test_export_carries_each_services_answer(plat, smtp_sink):
    c = plat.client()
    user = c.login(c.register(lang="fr"))
    name = user.username
    answers = {
        "matchmaking_data": {"service": "matchmaking", "username": name, "wins": 3,
                             "games": [{"id": 1, "won": True}]},
        "users_data": {"service": "users", "username": name, "friends": ["a", "b"]},
        "history_data": [{"service": "history", "match": 7}],
    }
    for svc, path, key in EXPORT:
        plat.stubs[svc].answer_get(path.replace("{username}", name), answers[key])
    plat.stubs.recorder.clear()
    r = c.get("/api/auth/dump_data/", token=user.access, headers={"lang": "en"})
    assert (r.status_code, r.json()) == (202, BODY_EXPORT_ACCEPTED)

    message = smtp_sink.wait_for(to=user.email, subject="Export de vos données authd", timeout=30)
    export = attachment_json(message)
    assert set(export) == BASE_EXPORT_KEYS | set(answers)
    for key, value in answers.items():
        assert export[key] == value, key
    assert export["account"]["username"] == name
    calls = plat.stubs.calls(name)
    assert shape(calls) == expected_export(name)
    jwks = c.jwks()
    for call in calls:
        check_call(call, jwks, lang="fr")
        assert call.body == b""


def test_export_without_a_service_that_stays_down(plat, smtp_sink):
    c = plat.client()
    user = c.new_user()
    name = user.username
    plat.stubs.history.down()
    started = time.monotonic()
    r = c.get("/api/auth/dump_data/", token=user.access)
    assert (r.status_code, r.json()) == (202, BODY_EXPORT_ACCEPTED)
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_EXPORT, timeout=EXPORT_WAIT + 30)
    assert time.monotonic() - started >= EXPORT_WAIT - 0.5  # it waited for history
    export = attachment_json(message)
    assert set(export) == BASE_EXPORT_KEYS | {"matchmaking_data", "users_data", "history_data"}
    missing = export["history_data"]
    assert set(missing) == {"unavailable", "detail"} and missing["unavailable"] is True, missing
    assert isinstance(missing["detail"], str) and missing["detail"], missing
    assert "127.0.0.1" not in json.dumps(missing)
    assert export["users_data"] == {"service": "users", "path": f"/api/users/{name}/"}
    assert export["matchmaking_data"] == {"service": "matchmaking",
                                          "path": f"/api/matchmaking/{name}/"}
    assert "history" in message.text.lower(), message.text


def test_export_waits_for_a_service_that_comes_back(authd_factory, smtp_sink_factory, tmp_path):
    sink = smtp_sink_factory()
    platform = start_platform(authd_factory, tmp_path, TIMEOUT, env=sink.env(),
                              AUTH_HOOKS_EXPORT_WAIT="60s")
    try:
        c = platform.client()
        user = c.new_user()
        name = user.username
        platform.stubs.users.down()
        r = c.get("/api/auth/dump_data/", token=user.access)
        assert r.status_code == 202, r.text
        time.sleep(1.0)
        platform.stubs.users.up()
        message = sink.wait_for(to=user.email, subject=SUBJECT_EXPORT, timeout=45)
        export = attachment_json(message)
        assert export["users_data"] == {"service": "users", "path": f"/api/users/{name}/"}
        assert export["history_data"] == {"service": "history",
                                          "path": f"/api/history/?username={name}"}
        got = platform.stubs.calls(name, service="users", method="GET")
        assert [x.status for x in got] == [200]
    finally:
        platform.stop()


# ----------------------------------------------------------------------------------------------
# metrics

def test_metrics_of_hook_calls_and_events(plat):
    c = plat.client()
    c.register()
    plat.stubs.users.refuse(400, match=("POST", "/create/"))
    r = c.register(expect=409).registered
    assert r.json()["code"] == "platform_refused"

    text = c.get("/metrics").text
    calls = metric_samples(text, "authd_hook_calls_total")
    assert calls, "no authd_hook_calls_total{...} samples"
    assert all({"service", "event", "outcome"} <= set(labels) for labels, _ in calls), calls
    users_create = [(labels["outcome"], v) for labels, v in calls
                    if labels["service"] == "users" and labels["event"] == "create"]
    assert len({outcome for outcome, _ in users_create}) >= 2, users_create  # success, refused
    assert sum(v for _, v in users_create) >= 2
    durations = metric_samples(text, "authd_hook_call_duration_seconds_count")
    assert any(labels.get("service") == "users" and labels.get("event") == "create"
               for labels, _ in durations), durations
    assert metric_samples(text, "authd_account_changes_pending")
    assert {labels.get("subscriber") for labels, _ in
            metric_samples(text, "authd_events_pending")} >= {"audit", "deletes"}
