"""Account hooks (docs/HOOKS.md): the hooks file and its schema, the test doubles' self-tests,
a bad file at start, the seed platform's file end to end, and the service name of the calls.
Create, rename, delete and one change at a time: test_platform_changes.py; crashes and
background work: test_platform_recovery.py; events, export and metrics:
test_platform_events.py."""

import base64
import copy
import json
import os
import subprocess
import threading
import time

import jwt
import pytest
import requests

from authd_testlib import SERVICES, free_port, unique_name
from hook_stubs import (DEPLOY_HOOKS, EVENT_TYPES, Call, EventSink, PlatformStubs, Recorder,
                        StubService, bearer, build_hooks, check_call, expected_create,
                        expected_delete, expected_export, expected_rename, hook_env, hooks_schema,
                        in_thread, join, new_webhook_secret, schema_errors, shape,
                        sign_standard_webhook, verify_service_token, verify_standard_webhook,
                        write_hooks)

TIMEOUT = 2  # seconds per call in the tests' hooks files


# ----------------------------------------------------------------------------------------------
# the schema (no authd needed: `-k schema`)

def test_schema_is_a_draft_2020_12_schema():
    from jsonschema import Draft202012Validator
    schema = hooks_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_accepts_the_deploy_file():
    with open(DEPLOY_HOOKS) as f:
        doc = json.load(f)
    assert schema_errors(doc) == []
    assert doc["$schema"] == "../../resources/hooks.schema.json"
    assert "subscribers" not in doc
    # Every call of the seed's file is the issue's table with 5 s, and its bases are the four
    # ${..._URL:-http://<service>:8443} variables.
    calls = [c for key in ("create", "rename", "delete", "export") for c in doc[key]]
    assert all(c["timeout"] == 5 for c in calls)
    for c in calls + [c["undo"] for c in doc["create"] + doc["rename"]]:
        svc = c.get("service") or next(x["service"] for x in calls if x.get("undo") is c)
        env = {"users": "USERS_URL", "matchmaking": "MATCHMAKING_URL", "history": "HISTORY_URL",
               "avatars": "AVATARS_URL"}[svc]
        assert c["url"].startswith("${%s:-http://%s:8443}/api/" % (env, svc)), c


def test_schema_accepts_the_test_files():
    secret = new_webhook_secret()
    assert schema_errors(build_hooks()) == []
    assert schema_errors(build_hooks(timeout=0.5, export=False, subscribers=[
        {"name": "audit", "url": "http://127.0.0.1:1/h", "secret": secret, "timeout": 2},
        {"name": "only-deletes", "url": "${SINK_URL}/h", "secret": "${HOOK_SECRET}",
         "events": ["account.deleted"]}])) == []
    assert schema_errors({}) == []
    assert schema_errors({"$schema": "x", "create": [], "rename": [], "delete": [], "export": [],
                          "subscribers": []}) == []
    # Lengths at the bounds of a secret: 24 and 64 bytes.
    for n in (24, 25, 26, 63, 64):
        assert schema_errors({"subscribers": [{"name": "s", "url": "https://x.test/",
                                               "secret": new_webhook_secret(n)}]}) == [], n
    # The undo's service may be left out; a CALL's body may be any JSON value.
    assert schema_errors({"create": [{"service": "a", "method": "PUT", "url": "https://a/x",
                                      "body": ["{username}", 1, None], "success": [200, 201],
                                      "undo": {"method": "DELETE", "url": "https://a/y",
                                               "success": [204], "service": "b"}}],
                          "delete": [{"service": "a", "method": "DELETE", "url": "http://a/",
                                      "success": [204], "timeout": 300}],
                          "export": [{"service": "a", "url": "http://a/{username}", "key": "A_1"}]
                          }) == []


def _call(**kw):
    c = {"service": "users", "method": "POST", "url": "http://users/x", "success": [201]}
    c.update(kw)
    return c


def _undo(**kw):
    u = {"method": "DELETE", "url": "http://users/y", "success": [204]}
    u.update(kw)
    return u


BAD_DOCUMENTS = {
    "unknown top-level key": {"subscriber": []},
    "$schema not a string": {"$schema": 1},
    "create is not a list": {"create": {}},
    "unknown field in a call": {"delete": [_call(retries=3)]},
    "unknown field in an undo": {"create": [_call(undo=_undo(retries=3))]},
    "bad method": {"delete": [_call(method="FETCH")]},
    "lower-case method": {"delete": [_call(method="post")]},
    "create without undo": {"create": [_call()]},
    "rename without undo": {"rename": [_call(method="PATCH")]},
    "undo of an undo": {"create": [_call(undo=_undo(undo=_undo()))]},
    "delete with an undo": {"delete": [_call(undo=_undo())]},
    "undo without url": {"create": [_call(undo={"method": "DELETE", "success": [204]})]},
    "call without service": {"delete": [{"method": "DELETE", "url": "http://a/",
                                         "success": [204]}]},
    "call without success": {"delete": [{"service": "a", "method": "DELETE",
                                         "url": "http://a/"}]},
    "empty success": {"delete": [_call(success=[])]},
    "status 99": {"delete": [_call(success=[99])]},
    "status 600": {"delete": [_call(success=[600])]},
    "status as string": {"delete": [_call(success=["201"])]},
    "repeated status": {"delete": [_call(success=[201, 201])]},
    "timeout 0": {"delete": [_call(timeout=0)]},
    "timeout 301": {"delete": [_call(timeout=301)]},
    "timeout as string": {"delete": [_call(timeout="5")]},
    "ftp url": {"delete": [_call(url="ftp://users/x")]},
    "relative url": {"delete": [_call(url="/api/users/")]},
    "upper-case service": {"delete": [_call(service="Users")]},
    "service with a dot": {"delete": [_call(service="a.b")]},
    "service too long": {"delete": [_call(service="a" * 65)]},
    "empty service": {"delete": [_call(service="")]},
    "export by POST": {"export": [{"service": "a", "url": "http://a/", "key": "k",
                                   "method": "POST"}]},
    "export without key": {"export": [{"service": "a", "url": "http://a/"}]},
    "export key with a dash": {"export": [{"service": "a", "url": "http://a/", "key": "a-b"}]},
    "export key too long": {"export": [{"service": "a", "url": "http://a/", "key": "k" * 65}]},
    "export with a body": {"export": [{"service": "a", "url": "http://a/", "key": "k",
                                       "body": {}}]},
    "subscriber without secret": {"subscribers": [{"name": "s", "url": "http://s/"}]},
    "secret without prefix": {"subscribers": [{"name": "s", "url": "http://s/",
                                               "secret": base64.b64encode(b"x" * 32).decode()}]},
    "secret of 16 bytes": {"subscribers": [{"name": "s", "url": "http://s/",
                                            "secret": new_webhook_secret(16)}]},
    "secret of 65 bytes": {"subscribers": [{"name": "s", "url": "http://s/",
                                            "secret": new_webhook_secret(65)}]},
    "secret not base64": {"subscribers": [{"name": "s", "url": "http://s/",
                                           "secret": "whsec_" + "!" * 40}]},
    "unknown event type": {"subscribers": [{"name": "s", "url": "http://s/",
                                            "secret": new_webhook_secret(),
                                            "events": ["account.updated"]}]},
    "repeated event type": {"subscribers": [{"name": "s", "url": "http://s/",
                                             "secret": new_webhook_secret(),
                                             "events": ["account.created"] * 2}]},
    "unknown subscriber field": {"subscribers": [{"name": "s", "url": "http://s/",
                                                  "secret": new_webhook_secret(), "retry": 1}]},
    "bad subscriber name": {"subscribers": [{"name": "S S", "url": "http://s/",
                                             "secret": new_webhook_secret()}]},
}


@pytest.mark.parametrize("key", ["format", "times", "account", "sessions", "security_events"])
def test_schema_refuses_a_reserved_export_key(key):
    assert schema_errors({"export": [{"service": "a", "url": "http://a/", "key": key}]})


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_schema_refuses(name):
    assert schema_errors(copy.deepcopy(BAD_DOCUMENTS[name])), name


def test_schema_knows_the_nine_event_types():
    subscriber = {"name": "s", "url": "http://s/", "secret": new_webhook_secret(),
                  "events": list(EVENT_TYPES)}
    assert len(EVENT_TYPES) == 9
    assert schema_errors({"subscribers": [subscriber]}) == []


# ----------------------------------------------------------------------------------------------
# self-tests of the stubs and verifiers (no authd needed: `-k stub_selftest`)

def test_stub_selftest_answers_records_and_rules():
    recorder = Recorder()
    a, b = StubService("a", recorder), StubService("b", recorder)
    try:
        s = requests.Session()
        assert s.post(a.url + "/x/create/", json={"username": "bob"}).status_code == 201
        r = s.delete(b.url + "/x/bob/delete/", json={"username": "bob"}, headers={"lang": "fr"})
        assert r.status_code == 204 and r.content == b""
        assert s.patch(a.url + "/p").status_code == 200
        a.answer_get("/users/bob/", {"service": "a", "username": "bob"})
        assert s.get(a.url + "/users/bob/").json() == {"service": "a", "username": "bob"}
        assert s.get(a.url + "/other?q=1").json() == {"service": "a", "path": "/other?q=1"}
        calls = recorder.calls()
        assert [c.seq for c in calls] == [1, 2, 3, 4, 5]
        assert [(c.service, c.method) for c in calls] == [
            ("a", "POST"), ("b", "DELETE"), ("a", "PATCH"), ("a", "GET"), ("a", "GET")]
        assert calls[1].headers["LANG"] == "fr" and calls[1].json == {"username": "bob"}
        assert calls[0].body == b'{"username": "bob"}' and calls[0].status == 201
        assert len(recorder.calls("bob")) == 3 and a.calls("GET")[1].path == "/other?q=1"

        a.refuse(409, match=("POST", "/create/"))
        a.fail(503, match=("DELETE", None), times=1)
        assert s.post(a.url + "/x/create/").status_code == 409
        assert s.post(a.url + "/x/other/").status_code == 201
        assert s.delete(a.url + "/x").status_code == 503
        assert s.delete(a.url + "/x").status_code == 204  # times=1 spent
        a.accept(match=("POST", "/create/"))
        assert s.post(a.url + "/x/create/").status_code == 201
        a.accept()

        a.hang(match=("POST", None))
        box = in_thread(requests.post, a.url + "/slow", json={}, timeout=10)
        a.wait_for_calls(1, method="POST", path="/slow")
        time.sleep(0.3)
        assert "result" not in box and a.held == 1
        assert s.get(a.url + "/fast").status_code == 200  # only the matching call hangs
        a.release()
        assert join(box).status_code == 201

        port = b.port
        b.hang()
        box = in_thread(requests.post, b.url + "/cut", timeout=10)
        b.wait_for_calls(1, path="/cut")
        b.down()
        with pytest.raises(requests.ConnectionError):
            join(box)
        with pytest.raises(requests.ConnectionError):
            requests.get(b.url + "/", timeout=2)
        b.up()
        assert b.port == port
        b.release()  # rules outlive down() and up(); release() drops the hang
        assert requests.get(b.url + "/", timeout=2).status_code == 200
    finally:
        a.down()
        b.down()


def test_stub_selftest_wait_for_calls_and_chunked_bodies():
    stub = StubService("c")
    try:
        def later():
            time.sleep(0.2)
            requests.post(stub.url + "/late", data=iter([b'{"user', b'name": "x"}']),
                          headers={"Content-Type": "application/json"}, timeout=5)
        threading.Thread(target=later, daemon=True).start()
        call = stub.wait_for_calls(1, timeout=5)[0]
        assert call.json == {"username": "x"}
        with pytest.raises(AssertionError):
            stub.wait_for_calls(2, timeout=0.3)
        stub.clear()
        assert stub.calls() == []
    finally:
        stub.down()


def test_stub_selftest_standard_webhooks_verifier():
    # The example of the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    assert verify_standard_webhook(secret, headers, body, now=1614265330) == {"test": 2432232314}
    assert sign_standard_webhook(secret, headers["webhook-id"], 1614265330,
                                 body) == headers["webhook-signature"]
    # Several signatures: one valid is enough; other versions are ignored.
    several = dict(headers, **{"webhook-signature": "v1,bm9wZQ== v1a,xyz "
                                                    + headers["webhook-signature"]})
    assert verify_standard_webhook(secret, several, body, now=1614265330 + 299)
    bad = [
        (dict(headers), body + b" ", 1614265330),                          # body changed
        (dict(headers, **{"webhook-id": "msg_other"}), body, 1614265330),  # id changed
        (dict(headers, **{"webhook-timestamp": "1614265331"}), body, 1614265331),
        (dict(headers), body, 1614265330 + 301),                           # too old
        (dict(headers), body, 1614265330 - 301),                           # from the future
        (dict(headers, **{"webhook-signature": "v2,"
                          + headers["webhook-signature"][3:]}), body, 1614265330),
        ({k: v for k, v in headers.items() if k != "webhook-id"}, body, 1614265330),
    ]
    for h, b, now in bad:
        with pytest.raises(AssertionError):
            verify_standard_webhook(secret, h, b, now=now)
    with pytest.raises(AssertionError):
        verify_standard_webhook("whsec_" + base64.b64encode(b"k" * 24).decode(), headers, body,
                                now=1614265330)


def test_stub_selftest_service_token_verifier():
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [dict(jwk, kid="k1", alg="EdDSA", use="sig")]}
    now = int(time.time())
    claims = {"service_name": "auth", "token_type": "service", "iat": now, "exp": now + 600,
              "jti": "j"}
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "k1"})
    assert verify_service_token(token, jwks, "auth")["service_name"] == "auth"
    with pytest.raises(AssertionError):
        verify_service_token(token, jwks, "platform")
    other = ed25519.Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, other, algorithm="EdDSA", headers={"kid": "k1"})
    with pytest.raises(jwt.InvalidSignatureError):
        verify_service_token(forged, jwks, "auth")
    user_token = jwt.encode(dict(claims, token_type="access", username="bob"), key,
                            algorithm="EdDSA", headers={"kid": "k1"})
    with pytest.raises(AssertionError):
        verify_service_token(user_token, jwks, "auth")
    call = Call("s", "GET", "/", requests.structures.CaseInsensitiveDict(
        {"authorization": "Bearer " + token}), b"", None, 0.0, 1)
    assert bearer(call) == token


def test_stub_selftest_event_sink_keeps_signed_deliveries():
    sink = EventSink("audit")
    secret = new_webhook_secret()
    try:
        body = json.dumps({"type": "account.created", "timestamp": "t", "data": {}}).encode()
        ts = int(time.time())
        for msg_id in ("msg_1", "msg_1", "msg_2"):  # at least once: msg_1 twice
            r = requests.post(sink.url + "/hooks", data=body, timeout=5, headers={
                "webhook-id": msg_id, "webhook-timestamp": str(ts),
                "webhook-signature": sign_standard_webhook(secret, msg_id, ts, body)})
            assert r.status_code == 200
        events = sink.wait_for_events(lambda e: len(e) == 2, timeout=5, secret=secret)
        assert [e["_call"].headers["webhook-id"] for e in events] == ["msg_1", "msg_2"]
        assert len(sink.deliveries()) == 3
    finally:
        sink.down()


# ----------------------------------------------------------------------------------------------
# a bad hooks file stops authd with status 2 and one line naming the place

def run_authd(authd_binary, tmp_path, overrides, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env.update({"AUTH_LISTEN": f"127.0.0.1:{free_port()}", "AUTH_DATA_DIR": str(tmp_path),
                "AUTH_DATABASE_URL": f"sqlite://{tmp_path}/auth.db",
                "AUTH_SERVICES": ",".join(f"{k}:{v}" for k, v in SERVICES.items()),
                "AUTH_EMAIL_URL": "console:",
                "USERS_URL": "http://127.0.0.1:9", "MATCHMAKING_URL": "http://127.0.0.1:9",
                "HISTORY_URL": "http://127.0.0.1:9", "AVATARS_URL": "http://127.0.0.1:9"})
    env.update(overrides)
    try:
        return subprocess.run([authd_binary], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"authd kept running with {overrides}")


def _bad(mutate):
    def make():
        doc = build_hooks(subscribers=[{"name": "audit", "url": "http://127.0.0.1:9/h",
                                        "secret": new_webhook_secret(), "timeout": 2}])
        mutate(doc)
        return doc
    return make


BAD_FILES = [
    # (id, document maker, whether the schema refuses it, words the stderr line must hold)
    ("unknown field", _bad(lambda d: d["create"][0].update(retries=3)), False,
     ["create[0]", "retries"]),
    ("bad method", _bad(lambda d: d["create"][1].update(method="FETCH")), False,
     ["create[1]", "method"]),
    ("missing undo", _bad(lambda d: d["rename"][2].pop("undo")), False, ["rename[2]", "undo"]),
    ("unknown top-level key", _bad(lambda d: d.update(subscriber=[])), False, ["subscriber"]),
    ("unknown undo field", _bad(lambda d: d["create"][2]["undo"].update(undo={})), False,
     ["create[2]", "undo"]),
    ("reserved export key", _bad(lambda d: d["export"][1].update(key="account")), False,
     ["export[1]", "key"]),
    ("empty success", _bad(lambda d: d["delete"][3].update(success=[])), False,
     ["delete[3]", "success"]),
    ("zero timeout", _bad(lambda d: d["delete"][0].update(timeout=0)), False,
     ["delete[0]", "timeout"]),
    ("url scheme", _bad(lambda d: d["delete"][1].update(url="ftp://127.0.0.1/x")), False,
     ["delete[1]", "url"]),
    ("bad secret", _bad(lambda d: d["subscribers"][0].update(secret="whsec_short")), False,
     ["subscribers[0]", "secret"]),
    ("unknown event", _bad(lambda d: d["subscribers"][0].update(events=["account.updated"])),
     False, ["subscribers[0]", "events"]),
    ("unset variable", _bad(lambda d: d["delete"][2].update(
        url="${AUTHD_TEST_UNSET_VARIABLE}/api/history/")), True, ["AUTHD_TEST_UNSET_VARIABLE"]),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_hooks_file_exits_2_with_one_line(authd_binary, tmp_path, case):
    _, make, schema_accepts, words = case
    path = write_hooks(tmp_path / "hooks.json", make(), expect_valid=schema_accepts)
    result = run_authd(authd_binary, tmp_path, {"AUTH_HOOKS_FILE": path})
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, f"status {result.returncode}, stderr:\n{stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("content", ["", "{", "[]", '{"create": [}', "null"])
def test_hooks_file_that_is_not_a_json_object_exits_2(authd_binary, tmp_path, content):
    path = tmp_path / "hooks.json"
    path.write_text(content)
    result = run_authd(authd_binary, tmp_path, {"AUTH_HOOKS_FILE": str(path)})
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, stderr
    assert len([line for line in stderr.splitlines() if line.strip()]) == 1, stderr


def test_missing_hooks_file_exits_2(authd_binary, tmp_path):
    missing = str(tmp_path / "nope" / "hooks.json")
    result = run_authd(authd_binary, tmp_path, {"AUTH_HOOKS_FILE": missing})
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and ("AUTH_HOOKS_FILE" in lines[0] or missing in lines[0]), stderr


def test_bad_hooks_file_does_not_echo_a_secret(authd_binary, tmp_path):
    secret = new_webhook_secret()
    doc = build_hooks(subscribers=[{"name": "audit", "url": "gopher://127.0.0.1/h",
                                    "secret": secret}])
    path = write_hooks(tmp_path / "hooks.json", doc, expect_valid=False)
    result = run_authd(authd_binary, tmp_path, {"AUTH_HOOKS_FILE": path})
    assert result.returncode == 2
    assert secret[6:].encode() not in result.stderr + result.stdout


# ----------------------------------------------------------------------------------------------
# the seed platform's file, end to end

def test_deploy_file_end_to_end(authd_factory):
    stubs = PlatformStubs()
    try:
        server = authd_factory(hook_env(DEPLOY_HOOKS, stubs))
        c = server.client()
        old, new = unique_name(), unique_name()
        user = c.login(c.register(username=old))
        assert shape(stubs.calls()) == expected_create(old)

        assert c.get("/api/auth/dump_data/", token=user.access).status_code == 202
        stubs.wait_for(3, old, method="GET")
        r = c.patch("/api/auth/update/" + old, json={"username": new}, token=user.access)
        assert r.status_code == 200, r.text
        assert c.delete("/api/auth/delete/" + new, token=r.json()["access"]).status_code == 204
        calls = stubs.wait_for(3 + 3 + 4 + 4, timeout=10)
        assert shape(calls) == (expected_create(old) + expected_export(old)
                                + expected_rename(old, new) + expected_delete(new))
        jwks = c.jwks()
        for call in calls:
            check_call(call, jwks)
    finally:
        stubs.stop()


def test_hooks_service_name_setting(authd_factory, tmp_path):
    stubs = PlatformStubs()
    try:
        path = write_hooks(tmp_path / "hooks.json", build_hooks(TIMEOUT))
        server = authd_factory(hook_env(path, stubs, AUTH_HOOKS_SERVICE_NAME="platform-auth"))
        c = server.client()
        c.register()
        calls = stubs.calls()
        assert len(calls) == 3
        jwks = c.jwks()
        for call in calls:
            claims = check_call(call, jwks, service_name="platform-auth")
            assert claims["exp"] - time.time() > 60
        # One token, reused for every call until a minute before it expires.
        assert len({bearer(call) for call in calls}) == 1
    finally:
        stubs.stop()
