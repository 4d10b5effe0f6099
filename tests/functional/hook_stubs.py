"""Stand-ins for the platform's services in the account-hook tests (docs/HOOKS.md): an HTTP
server that records every request and answers as the test says (accept, refuse, fail, hang,
down/up on the same port), a sink for signed events, a Standard Webhooks verifier written from
the specification, a service-token verifier, and the hooks files of the tests (validated
against resources/hooks.schema.json before they are written). Nothing here knows authd's
internals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Optional
from urllib.parse import quote, unquote

from requests.structures import CaseInsensitiveDict

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "resources" / "hooks.schema.json"
DEPLOY_HOOKS = REPO / "deploy" / "hooks" / "transcendence.json"

EVENT_TYPES = ("account.created", "account.renamed", "account.deleted", "account.email_changed",
               "account.password_changed", "account.password_reset", "session.revoked",
               "two_factor.enabled", "two_factor.disabled")

# ----------------------------------------------------------------------------------------------
# the seed platform's calls (the table), as the tests expect to see them

SERVICE_ENV = {"users": "USERS_URL", "matchmaking": "MATCHMAKING_URL",
               "history": "HISTORY_URL", "avatars": "AVATARS_URL"}
BODY_USERNAME = {"username": "{username}"}
BODY_RENAME = {"username": "{new_username}", "old_username": "{old_username}",
               "new_username": "{new_username}"}
# (service, method, path, undo method, undo path)
CREATE = [
    ("users", "POST", "/api/users/create/", "DELETE", "/api/users/delete/{username}/"),
    ("matchmaking", "POST", "/api/matchmaking/create/", "DELETE",
     "/api/matchmaking/{username}/delete/"),
    ("history", "POST", "/api/history/user/create/", "DELETE",
     "/api/history/user/delete/{username}/"),
]
RENAME = [
    ("matchmaking", "PATCH", "/api/matchmaking/{old_username}/update/"),
    ("users", "PATCH", "/api/users/{old_username}/update/"),
    ("history", "PATCH", "/api/history/user/update/{old_username}/"),
    ("avatars", "PATCH", "/api/avatars/"),
]
DELETE = [
    ("matchmaking", "DELETE", "/api/matchmaking/{username}/delete/"),
    ("users", "DELETE", "/api/users/delete/{username}/"),
    ("history", "DELETE", "/api/history/user/delete/{username}/"),
    ("avatars", "DELETE", "/api/avatars/"),
]
# (service, path, key)
EXPORT = [
    ("matchmaking", "/api/matchmaking/{username}/", "matchmaking_data"),
    ("users", "/api/users/{username}/", "users_data"),
    ("history", "/api/history/?username={username}", "history_data"),
]


def fill(template: Any, **names: str) -> Any:
    """A template with {username}-style names replaced (percent-encoded in a path string)."""
    if isinstance(template, dict):
        return {k: fill(v, **names) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, **names) for v in template]
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: names[m.group(1)], template)
    return template


def fill_path(template: str, **names: str) -> str:
    return fill(template, **{k: quote(v, safe="") for k, v in names.items()})


def build_hooks(timeout: float = 2, subscribers: Iterable[dict] = (), export: bool = True,
                services: Optional[dict] = None) -> dict:
    """The seed platform's file with test timeouts. Service bases are ${USERS_URL} etc. without
    defaults (the tests set them); `services` maps a service to a literal base instead."""
    def base(svc):
        return (services or {}).get(svc) or "${" + SERVICE_ENV[svc] + "}"

    def call(svc, method, path, body, success):
        c = {"service": svc, "method": method, "url": base(svc) + path}
        if body is not None:
            c["body"] = body
        c.update({"success": success, "timeout": timeout})
        return c

    doc: dict = {
        "create": [dict(call(s, m, p, BODY_USERNAME, [201]),
                        undo={"method": um, "url": base(s) + up, "body": BODY_USERNAME,
                              "success": [204, 304], "timeout": timeout})
                   for s, m, p, um, up in CREATE],
        "rename": [dict(call(s, m, p, BODY_RENAME, [200, 304]),
                        undo={"method": m, "url": base(s) + p, "body": BODY_RENAME,
                              "success": [200, 304], "timeout": timeout})
                   for s, m, p in RENAME],
        "delete": [call(s, m, p, BODY_USERNAME, [204, 304]) for s, m, p in DELETE],
    }
    if export:
        doc["export"] = [{"service": s, "method": "GET", "url": base(s) + p, "key": k,
                          "success": [200], "timeout": timeout} for s, p, k in EXPORT]
    subscribers = list(subscribers)
    if subscribers:
        doc["subscribers"] = subscribers
    return doc


def new_webhook_secret(n: int = 32) -> str:
    return "whsec_" + base64.b64encode(os.urandom(n)).decode()


# ----------------------------------------------------------------------------------------------
# the schema

_schema_cache: dict = {}


def hooks_schema() -> dict:
    if "schema" not in _schema_cache:
        with open(SCHEMA_PATH) as f:
            _schema_cache["schema"] = json.load(f)
    return _schema_cache["schema"]


def schema_validator():
    from jsonschema import Draft202012Validator  # Debian's python3-jsonschema
    return Draft202012Validator(hooks_schema())


def schema_errors(doc: Any) -> list:
    """The schema's complaints about a hooks document, as 'path: message' strings."""
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in schema_validator().iter_errors(doc)]


def write_hooks(path, doc: Any, expect_valid: Optional[bool] = True) -> str:
    """Writes a hooks file. Every file the tests write is checked against the schema first:
    expect_valid=True (a file authd must accept), False (one the schema must refuse), None (the
    schema cannot tell, e.g. an unset ${VAR})."""
    errors = schema_errors(doc)
    if expect_valid is True:
        assert errors == [], f"a test's hooks file does not match the schema: {errors}"
    elif expect_valid is False:
        assert errors, f"the schema accepts a hooks file it should refuse: {doc}"
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=2)
    Path(path).write_text(text)
    return str(path)


# ----------------------------------------------------------------------------------------------
# recorded requests

@dataclass
class Call:
    service: str
    method: str
    path: str                      # with the query string, percent-encoded as sent
    headers: CaseInsensitiveDict
    body: bytes
    json: Any
    time: float                    # time.monotonic() at arrival
    seq: int                       # order of arrival across the stubs sharing a recorder
    status: Optional[int] = None   # the answer sent (None: held, cut, or not yet answered)
    answered_at: Optional[float] = None  # time.monotonic() just before the answer was sent

    @property
    def unquoted_path(self) -> str:
        return unquote(self.path)

    def strings(self) -> list:
        out = [self.unquoted_path]

        def walk(v):
            if isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, str):
                out.append(v)
        walk(self.json)
        return out

    def mentions(self, *names: str) -> bool:
        return any(n in s for n in names for s in self.strings())

    def short(self) -> tuple:
        return (self.service, self.method, self.path, self.json)

    def __repr__(self):
        return (f"<Call #{self.seq} {self.service} {self.method} {self.path} json={self.json!r} "
                f"-> {self.status}>")


class Recorder:
    """Keeps the calls of one or more stubs in one order."""

    def __init__(self):
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._seq = itertools.count(1)

    def _add(self, call_factory: Callable[[int], Call]) -> Call:
        with self._cond:
            call = call_factory(next(self._seq))
            self._calls.append(call)
            self._cond.notify_all()
            return call

    def _changed(self):
        with self._cond:
            self._cond.notify_all()

    def calls(self, *names: str, service: Optional[str] = None, method: Optional[str] = None,
              path: Optional[str] = None) -> list[Call]:
        """Calls in order of arrival; filtered by the usernames they mention (path or JSON
        body), the stub, the method and a substring of the path."""
        with self._cond:
            found = list(self._calls)
        return [c for c in found
                if (not names or c.mentions(*names))
                and (service is None or c.service == service)
                and (method is None or c.method == method.upper())
                and (path is None or path in c.unquoted_path)]

    def wait_for(self, n: int, *names: str, timeout: float = 10.0, answered: bool = False,
                 **filters) -> list[Call]:
        """Waits until at least n matching calls have arrived (and, with answered=True, been
        answered); returns them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.calls(*names, **filters)
                if answered:
                    found = [c for c in found if c.status is not None]
                if len(found) >= n:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {n} call(s) {names} {filters} within {timeout}s, got "
                        f"{len(found)}: {found}\nall calls: {self.calls()}")
                self._cond.wait(min(left, 0.2))

    def clear(self):
        with self._cond:
            self._calls.clear()


# ----------------------------------------------------------------------------------------------
# the stub service

@dataclass
class _Rule:
    action: str                    # "answer" or "hang"
    status: Optional[int] = None
    match: Optional[tuple] = None  # (method or None, path substring or None)
    times: Optional[int] = None    # None: for ever
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        if self.match is None:
            return True
        m, sub = self.match
        return ((m is None or m == "*" or m.upper() == method)
                and (sub is None or sub in path or sub in unquote(path)))


DEFAULT_STATUS = {"POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204, "GET": 200}
NO_BODY = {204, 304}


class StubService:
    """A threaded HTTP server on 127.0.0.1 that records every request and answers by the rules
    the test sets (the newest matching rule wins; with none, accept()). `match` is a
    (method, path substring) filter, either part None for any."""

    default_status = DEFAULT_STATUS

    def __init__(self, name: str = "stub", recorder: Optional[Recorder] = None,
                 port: Optional[int] = None, start: bool = True):
        self.name = name
        self.recorder = recorder or Recorder()
        self.port = port or 0
        self._lock = threading.Condition()
        self._rules: list[_Rule] = []
        self._get_bodies: list[tuple] = []   # (path substring, JSON value)
        self._generation = 0                 # bumped by release(), up() and down()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._connections: set = set()
        self.held = 0                        # requests being held right now
        if start:
            self.up()

    # -- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def up(self, timeout: float = 10.0):
        """Listens (again) on the same port."""
        assert self._server is None, f"{self.name}: already up"
        handler = type("Handler", (_Handler,), {"stub": self})
        deadline = time.monotonic() + timeout
        while True:
            try:
                server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"stub-{self.name}")
        self._thread.start()

    def down(self):
        """Stops listening (connections are refused) and cuts the requests still held."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._generation += 1
            connections = list(self._connections)
            self._lock.notify_all()
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    stop = down

    # -- rules
    def _add_rule(self, rule: _Rule):
        with self._lock:
            self._rules.append(rule)

    def accept(self, match: Optional[tuple] = None):
        """Without match: forget every rule (POST 201, PATCH/PUT 200, DELETE 204, GET 200 with
        its JSON body) and let held requests go on. With match: accept those calls."""
        if match is None:
            with self._lock:
                self._rules.clear()
            self.release()
        else:
            self._add_rule(_Rule("answer", None, match))

    def respond(self, status: int, match: Optional[tuple] = None, times: Optional[int] = None,
                body: Any = None):
        self._add_rule(_Rule("answer", status, match, times, body))

    def refuse(self, status: int = 400, match: Optional[tuple] = None,
               times: Optional[int] = None):
        self.respond(status, match, times, {"detail": f"refused by {self.name}"})

    def fail(self, status: int = 500, match: Optional[tuple] = None,
             times: Optional[int] = None):
        self.respond(status, match, times, {"detail": f"{self.name} is broken"})

    def hang(self, match: Optional[tuple] = None):
        """Holds matching requests (never answers them) until release() or down()."""
        self._add_rule(_Rule("hang", None, match))

    def release(self):
        """Drops the hang rules; held requests are then answered by the remaining rules."""
        with self._lock:
            self._rules = [r for r in self._rules if r.action != "hang"]
            self._generation += 1
            self._lock.notify_all()

    def answer_get(self, path_substring: str, body: Any):
        """The JSON body of accepted GETs whose path holds that substring (newest first)."""
        with self._lock:
            self._get_bodies.insert(0, (path_substring, body))

    def reset(self):
        """Back to accepting everything, with no recorded calls; up if it was down."""
        self.accept()
        with self._lock:
            self._get_bodies.clear()
        if not self.running:
            self.up()

    # -- recorded calls
    def calls(self, method: Optional[str] = None, *names: str) -> list[Call]:
        return self.recorder.calls(*names, service=self.name, method=method)

    def wait_for_calls(self, n: int, timeout: float = 10.0, method: Optional[str] = None,
                       *names: str, **filters) -> list[Call]:
        return self.recorder.wait_for(n, *names, timeout=timeout, service=self.name,
                                      method=method, **filters)

    def clear(self):
        """Forgets the calls of this stub (a shared recorder keeps the others')."""
        with self.recorder._cond:
            self.recorder._calls[:] = [c for c in self.recorder._calls if c.service != self.name]

    # -- answering (called by the handler threads)
    def _decide(self, method: str, path: str, skip_hang: bool) -> _Rule:
        with self._lock:
            for rule in reversed(self._rules):
                if rule.action == "hang" and skip_hang:
                    continue
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return _Rule("answer")

    def _answer_for(self, method: str, path: str, rule: _Rule) -> tuple[int, Any]:
        status = rule.status or self.default_status.get(method, 200)
        body = rule.body
        if rule.status is None:
            body = self._default_body(method, path)
        return status, body

    def _default_body(self, method: str, path: str) -> Any:
        if method == "GET":
            with self._lock:
                for sub, body in self._get_bodies:
                    if sub in path or sub in unquote(path):
                        return body
            return {"service": self.name, "path": unquote(path)}
        return {"ok": True, "service": self.name}

    def _hold(self) -> bool:
        """Waits while a hang rule holds the request; False when the stub went down."""
        with self._lock:
            generation = self._generation
            self.held += 1
            try:
                while self._generation == generation:
                    self._lock.wait(0.1)
            finally:
                self.held -= 1
            return self._server is not None


class _Handler(BaseHTTPRequestHandler):
    stub: StubService
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with self.stub._lock:
            self.stub._connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.stub._lock:
                self.stub._connections.discard(self.connection)

    def log_message(self, format, *args):
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        stub = self.stub
        self.close_connection = True
        body = self._read_body()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        headers = CaseInsensitiveDict(self.headers.items())
        method = self.command.upper()
        call = stub.recorder._add(lambda seq: Call(stub.name, method, self.path, headers, body,
                                                   parsed, time.monotonic(), seq))
        rule = stub._decide(method, self.path, skip_hang=False)
        while rule.action == "hang":
            if not stub._hold():
                return  # down: the connection is cut without an answer
            rule = stub._decide(method, self.path, skip_hang=True)
        status, answer = stub._answer_for(method, self.path, rule)
        payload = b"" if status in NO_BODY or answer is None else json.dumps(answer).encode()
        call.answered_at = time.monotonic()  # before the answer leaves: the next call is later
        try:
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if payload:
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            return  # the caller gave up (a time-out) or died
        call.status = status
        stub.recorder._changed()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class EventSink(StubService):
    """A webhook subscriber: accepts POSTs with 200 and keeps raw bodies and headers."""

    default_status = {**DEFAULT_STATUS, "POST": 200}

    def deliveries(self, answered: bool = True) -> list[Call]:
        """POSTs received (by default only those it accepted), in order of arrival."""
        return [c for c in self.calls("POST")
                if not answered or (c.status is not None and 200 <= c.status < 300)]

    def events(self, secret: Optional[str] = None, dedupe: bool = True) -> list[dict]:
        """The accepted events in order, once per webhook-id; each signature is checked when
        the secret is given. Each item is the body with "_call" (the Call) added."""
        seen, out = set(), []
        for c in self.deliveries():
            msg_id = c.headers.get("webhook-id")
            if dedupe and msg_id in seen:
                continue
            seen.add(msg_id)
            if secret is not None:
                body = verify_standard_webhook(secret, c.headers, c.body)
            else:
                body = json.loads(c.body)
            out.append(dict(body, _call=c))
        return out

    def wait_for_events(self, predicate: Callable[[list], bool], timeout: float = 20.0,
                        secret: Optional[str] = None) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(secret)
            if predicate(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: events not as expected within {timeout}s: "
                                     f"{[(e['type'], e['data']) for e in found]}")
            time.sleep(0.05)


class PlatformStubs:
    """The four services of the seed platform on one recorder."""

    def __init__(self, names: Iterable[str] = tuple(SERVICE_ENV)):
        self.recorder = Recorder()
        self.stubs = {n: StubService(n, self.recorder) for n in names}

    def __getitem__(self, name: str) -> StubService:
        return self.stubs[name]

    def __getattr__(self, name: str) -> StubService:
        stubs = self.__dict__.get("stubs", {})
        if name in stubs:
            return stubs[name]
        raise AttributeError(name)

    def env(self) -> dict:
        return {SERVICE_ENV[n]: s.url for n, s in self.stubs.items()}

    def calls(self, *names: str, **filters) -> list[Call]:
        return self.recorder.calls(*names, **filters)

    def wait_for(self, n: int, *names: str, timeout: float = 10.0, **filters) -> list[Call]:
        return self.recorder.wait_for(n, *names, timeout=timeout, **filters)

    def reset(self):
        for s in self.stubs.values():
            s.reset()
        self.recorder.clear()

    def release(self):
        for s in self.stubs.values():
            s.release()

    def stop(self):
        for s in self.stubs.values():
            s.down()


# ----------------------------------------------------------------------------------------------
# verifiers

WEBHOOK_TOLERANCE = 300  # seconds, the specification's five minutes


def verify_standard_webhook(secret: str, headers, raw_body: bytes,
                            now: Optional[float] = None,
                            tolerance: float = WEBHOOK_TOLERANCE) -> Any:
    """Checks a Standard Webhooks signature as the specification describes it and returns the
    parsed body; raises AssertionError otherwise. The key is the base64 decoding of the secret
    without its whsec_ prefix; the signed content is "{webhook-id}.{webhook-timestamp}.{body}";
    webhook-signature is a space-separated list of "v1,<base64 HMAC-SHA256>"."""
    headers = CaseInsensitiveDict(dict(headers))
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    assert msg_id and timestamp and signatures, f"missing webhook headers: {dict(headers)}"
    assert re.fullmatch(r"\d+", timestamp), f"webhook-timestamp is not integer seconds: {timestamp}"
    now = time.time() if now is None else now
    assert abs(now - int(timestamp)) <= tolerance, f"webhook-timestamp {timestamp} is not now"
    encoded = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    key = base64.b64decode(encoded, validate=True)
    if isinstance(raw_body, str):
        raw_body = raw_body.encode()
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return json.loads(raw_body)
    raise AssertionError(f"no valid v1 signature in {signatures!r}")


def sign_standard_webhook(secret: str, msg_id: str, timestamp: int, raw_body: bytes) -> str:
    """The v1 signature of a message (for the verifier's self-test only)."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify_service_token(token: str, public_key_or_jwks: Any,
                         expected_service_name: str = "auth") -> dict:
    """Verifies a service token with PyJWT and the public key (a JWKS as GET /api/auth/jwks
    serves it, one JWK, or a key object/PEM) and returns its claims; raises otherwise."""
    import jwt
    header = jwt.get_unverified_header(token)
    alg = header.get("alg")
    assert alg and alg.lower() != "none", header
    key = public_key_or_jwks
    if isinstance(key, dict):
        jwk = key
        if "keys" in key:
            matching = [k for k in key["keys"] if k.get("kid") == header.get("kid")]
            assert len(matching) == 1, f"kid {header.get('kid')} not in the jwks: {key}"
            jwk = matching[0]
        loader = {"OKP": jwt.algorithms.OKPAlgorithm, "RSA": jwt.algorithms.RSAAlgorithm,
                  "EC": jwt.algorithms.ECAlgorithm}[jwk["kty"]]
        key = loader.from_jwk(json.dumps(jwk))
    claims = jwt.decode(token, key, algorithms=[alg],
                        options={"verify_aud": False, "require": ["exp", "iat"]})
    assert claims.get("token_type") == "service", claims
    assert claims.get("service_name") == expected_service_name, claims
    assert "username" not in claims, claims
    return claims


def bearer(call: Call) -> str:
    value = call.headers.get("Authorization") or ""
    assert value.startswith("Bearer "), f"no bearer token on {call}: {value!r}"
    return value[len("Bearer "):]


# ----------------------------------------------------------------------------------------------
# small helpers of the tests

def poll(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1,
         message: str = "condition") -> Any:
    """Calls predicate until it returns something true; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s (last: {value!r})")
        time.sleep(interval)


def hook_env(hooks_path, stubs: Optional[PlatformStubs] = None, **extra) -> dict:
    env = {"AUTH_HOOKS_FILE": str(hooks_path), "AUTH_HOOKS_RETRY_BASE": "1s"}
    if stubs is not None:
        env.update(stubs.env())
    env.update({k: str(v) for k, v in extra.items()})
    return env


def in_thread(fn: Callable, *args, **kwargs) -> dict:
    """Runs fn in a daemon thread; the returned dict gets "result" or "error", and "thread"."""
    box: dict = {}

    def run():
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            box["error"] = e
    box["thread"] = threading.Thread(target=run, daemon=True)
    box["thread"].start()
    return box


def join(box: dict, timeout: float = 20.0):
    box["thread"].join(timeout)
    assert not box["thread"].is_alive(), "the request in the background did not finish"
    if "error" in box:
        raise box["error"]
    return box["result"]


# ----------------------------------------------------------------------------------------------
# what the tests expect authd to send (the table), as (service, method, path, JSON body)

def shape(calls: Iterable[Call]) -> list[tuple]:
    return [(c.service, c.method, c.path, c.json) for c in calls]


def expected_create(name: str, upto: Optional[int] = None) -> list[tuple]:
    rows = CREATE if upto is None else CREATE[:upto]
    return [(s, m, fill_path(p, username=name), fill(BODY_USERNAME, username=name))
            for s, m, p, _, _ in rows]


def expected_create_undo(name: str, services: Iterable[str]) -> list[tuple]:
    """The undo of the create calls of these services, in the order given."""
    undo = {s: (um, up) for s, _, _, um, up in CREATE}
    return [(s, undo[s][0], fill_path(undo[s][1], username=name),
             fill(BODY_USERNAME, username=name)) for s in services]


def _rename_names(old: str, new: str) -> dict:
    return {"old_username": old, "new_username": new, "username": new}


def expected_rename(old: str, new: str, upto: Optional[int] = None) -> list[tuple]:
    rows = RENAME if upto is None else RENAME[:upto]
    names = _rename_names(old, new)
    return [(s, m, fill_path(p, **names), fill(BODY_RENAME, **names)) for s, m, p in rows]


def expected_rename_undo(old: str, new: str, services: Iterable[str]) -> list[tuple]:
    """The undo of a rename old -> new: the same calls with the names swapped."""
    names = _rename_names(new, old)
    rows = {s: (m, p) for s, m, p in RENAME}
    return [(s, rows[s][0], fill_path(rows[s][1], **names), fill(BODY_RENAME, **names))
            for s in services]


def expected_delete(name: str, services: Optional[Iterable[str]] = None) -> list[tuple]:
    wanted = None if services is None else set(services)
    return [(s, m, fill_path(p, username=name), fill(BODY_USERNAME, username=name))
            for s, m, p in DELETE if wanted is None or s in wanted]


def expected_export(name: str) -> list[tuple]:
    return [(s, "GET", fill_path(p, username=name), None) for s, p, _ in EXPORT]


def check_call(call: Call, jwks: Optional[dict] = None, lang: str = "en",
               service_name: str = "auth") -> dict:
    """What every call carries (docs/HOOKS.md): a service token of authd, the user's lang, an
    Idempotency-Key, Accept (and Content-Type with a body) application/json."""
    h = call.headers
    assert h.get("lang") == lang, f"lang {h.get('lang')!r} on {call}"
    assert (h.get("Idempotency-Key") or "").strip(), f"no Idempotency-Key on {call}"
    assert "application/json" in (h.get("Accept") or ""), f"Accept {h.get('Accept')!r} on {call}"
    if call.body:
        assert (h.get("Content-Type") or "").startswith("application/json"), call
        assert call.json is not None, f"body of {call} is not JSON: {call.body[:200]!r}"
    token = bearer(call)
    if jwks is not None:
        return verify_service_token(token, jwks, service_name)
    return {}


def assert_platform_error(r, status: int, code: str, stubs: Optional[PlatformStubs] = None,
                          detail: Optional[str] = None) -> dict:
    """A 409/503 of the hooks: exactly {"detail", "code"}, no service address in it, and
    Retry-After on 503."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"detail", "code"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    if detail is not None:
        assert body["detail"] == detail, body
    assert "127.0.0.1" not in r.text and "http://" not in r.text, r.text
    if stubs is not None:
        for s in stubs.stubs.values():
            assert s.url not in r.text and f":{s.port}" not in r.text, r.text
    if status == 503:
        retry_after = r.headers.get("Retry-After", "")
        assert retry_after.isdigit() and int(retry_after) >= 1, dict(r.headers)
    return body


@dataclass
class Platform:
    """An authd wired to the stubs by a hooks file."""
    server: Any
    stubs: PlatformStubs
    hooks_path: str
    sinks: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)

    def client(self):
        return self.server.client()

    def reset(self):
        self.stubs.reset()
        for sink in self.sinks.values():
            sink.reset()

    def stop(self):
        self.stubs.stop()
        for sink in self.sinks.values():
            sink.down()


def metric_samples(text: str, name: str) -> list[tuple[dict, float]]:
    """[(labels, value)] of one metric in a Prometheus text exposition."""
    out = []
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{(.*)\}})?\s+(\S+)(?:\s+\d+)?$")
    for line in text.splitlines():
        m = pattern.match(line)
        if m:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1) or ""))
            out.append((labels, float(m.group(2))))
    return out


def start_platform(factory, directory, timeout: float = 2, subscribers: Iterable[dict] = (),
                   sinks: Optional[dict] = None, env: Optional[dict] = None,
                   **settings) -> Platform:
    """Four stubs, a hooks file (build_hooks, validated) in `directory`, and an authd started
    by `factory` (authd_factory or module_factory) with AUTH_HOOKS_RETRY_BASE=1s, the stubs'
    URLs, `env` and `settings`."""
    stubs = PlatformStubs()
    try:
        path = write_hooks(Path(directory) / "hooks.json",
                           build_hooks(timeout, subscribers=subscribers))
        server = factory({**(env or {}), **hook_env(path, stubs, **settings)})
    except BaseException:
        stubs.stop()
        raise
    return Platform(server, stubs, path, sinks=dict(sinks or {}))
