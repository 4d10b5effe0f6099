"""Helpers for the black-box tests of authd: the server process, a private PostgreSQL,
a small HTTP client and JWT tools. Nothing here knows the server's internals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

import requests

TIMEOUT = 15  # seconds for any single HTTP request
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_PASSWORD = "pg-Secret-Passw0rd-42"  # trust auth ignores it; it must never be logged
SERVICES = {"users": "users-secret-123456", "game": "game-secret-123456"}

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

MSG_REQUIRED = "This field is required."
MSG_BLANK = "This field may not be blank."
MSG_NULL = "This field may not be null."
MSG_NOT_STRING = "Not a valid string."
MSG_NOT_BOOL = "Must be a valid boolean."
MSG_USERNAME_TAKEN = "A user with that username already exists."
MSG_USERNAME_LONG = "Ensure this field has no more than 150 characters."
MSG_USERNAME_INVALID = ("Enter a valid username. This value may contain only letters, numbers, "
                        "and ./-/_ characters.")
MSG_USERNAME_RESERVED = "This username is reserved."
MSG_EMAIL_INVALID = "Enter a valid email address."
MSG_EMAIL_LONG = "Ensure this field has no more than 254 characters."
MSG_EMAIL_TAKEN = "A user with that email already exists."
MSG_PASSWORD_MISMATCH = "Passwords do not match."
MSG_PASSWORD_SHORT = "This password is too short. It must contain at least 12 characters."
MSG_PASSWORD_LONG = "This password is too long. It must contain at most 128 characters."
MSG_PASSWORD_COMMON = "This password is too common."
MSG_PASSWORD_SIMILAR_USERNAME = "The password is too similar to the username."
MSG_PASSWORD_SIMILAR_EMAIL = "The password is too similar to the email address."
MSG_PASSWORD_NUMERIC = "This password is entirely numeric."
MSG_UNKNOWN_FIELD = "Unknown field."
MSG_OLD_PASSWORD_WRONG = "Your old password was entered incorrectly. Please enter it again."
MSG_PASSWORD_NOT_HERE = "Password cannot be changed here; use the password route."
MSG_VERIFY_EMAIL_FIRST = "Verify your email address before enabling two-factor authentication."

BODY_BAD_LOGIN = {"detail": "No active account found with the given credentials"}
BODY_FORBIDDEN = {"detail": "You do not have permission to perform this action.",
                  "code": "permission_denied"}
BODY_NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided.",
                          "code": "not_authenticated"}
BODY_TOKEN_NOT_VALID = {"detail": "Given token not valid for any token type",
                        "code": "token_not_valid"}
BODY_REFRESH_INVALID = {"detail": "Token is invalid or expired", "code": "token_not_valid"}
BODY_NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
BODY_INVALID_CREDENTIALS = {"detail": "Invalid credentials", "code": "invalid_credentials"}

USER_KEYS = {"username", "email", "two_fa_enable", "two_fa_enabled", "email_verified",
             "two_fa_methods", "lang", "date_joined", "last_login"}


# ----------------------------------------------------------------------------------------------
# small utilities

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix: str = "u") -> str:
    return prefix + uuid.uuid4().hex[:14]


# Passwords are drawn from letters that never occur in the generated usernames (hex + "u")
# nor in "example.com", so the similarity rule cannot fire by chance.
_PW_ALPHABET = "ghijknqrstvwyzGHIJKNQRSTVWYZ!#%*+=?"


def random_password(length: int = 20) -> str:
    return "".join(secrets.choice(_PW_ALPHABET) for _ in range(length))


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_parts(token: str) -> tuple[dict, dict, str]:
    header_b64, payload_b64, signature = token.split(".")
    return (json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(payload_b64)),
            signature)


def jwt_header(token: str) -> dict:
    return jwt_parts(token)[0]


def jwt_claims(token: str) -> dict:
    return jwt_parts(token)[1]


def assert_opaque_refresh(token: str, *names: str):
    """A refresh token: opaque to everyone but authd, `<session id>.<secret>` (no JWT, so
    nothing that holds the public key verifies it), naming none of `names`."""
    assert isinstance(token, str) and token.count(".") == 1, token
    for name in names:
        assert name not in token, (name, token)


def earlier_refresh_claims(access: str) -> dict:
    """The claims of the refresh JWT that versions before issue 14 issued with this access
    token: the same claims with `token_type: "refresh"` (a JWT refresh token is still read
    until it expires, so forged ones still have to be refused)."""
    return {**jwt_claims(access), "token_type": "refresh"}


def encode_segment(obj: dict) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def hs256_sign(header: dict, claims: dict, secret: bytes) -> str:
    """Signs by hand, because PyJWT refuses PEM-looking HMAC secrets."""
    signing_input = encode_segment(header) + "." + encode_segment(claims)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url_encode(mac)


def raw_http(port: int, data: bytes, timeout: float = 10.0, send_in_thread: bool = False,
             until_close: bool = False) -> bytes:
    """Sends raw bytes, returns whatever comes back until the server closes or the timeout.
    With send_in_thread the request is written by a second thread while this one reads, so an
    early answer (413 before the body is read) is seen even if the server closes the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    received = bytearray()
    sender = None
    try:
        if send_in_thread:
            def send():
                try:
                    view = memoryview(data)
                    while view:
                        n = sock.send(view[:65536])
                        view = view[n:]
                except OSError:
                    pass
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
        else:
            try:
                sock.sendall(data)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            if not until_close and _complete_response(bytes(received)):
                break
    finally:
        try:
            sock.close()
        except OSError:
            pass
        if sender is not None:
            sender.join(timeout=5)
    return bytes(received)


def closed_by_server(sock, wait: float) -> bool:
    """Whether the server closes the connection within `wait` seconds (it sends nothing)."""
    sock.settimeout(wait)
    try:
        return sock.recv(4096) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def _complete_response(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    if m:
        return len(body) >= int(m.group(1))
    return False


def parse_raw_response(data: bytes) -> tuple[int, dict, bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise AssertionError(f"no HTTP response, got {data[:200]!r}")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def file_tail(path: str, lines: int = 40) -> str:
    """The last `lines` lines of a log file, "" when it cannot be read."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# ----------------------------------------------------------------------------------------------
# PostgreSQL

class PgServer:
    """A private PostgreSQL 15 cluster in a temporary directory."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="authd-pg-", dir="/tmp")
        os.chmod(self.base, 0o755)
        self.datadir = os.path.join(self.base, "data")
        self.sockdir = os.path.join(self.base, "sock")
        self.logfile = os.path.join(self.base, "postgres.log")
        os.mkdir(self.sockdir)
        self.port = free_port()
        self._counter = 0
        self._lock = threading.Lock()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            for root, dirs, files in os.walk(self.base):
                os.chown(root, pw.pw_uid, pw.pw_gid)
                for f in files:
                    os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)
        self._run([f"{PG_BIN}/initdb", "-D", self.datadir, "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--no-sync", "--locale=C"])
        self.start()

    def _prefix(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if self.as_root else []

    def _run(self, argv: list[str], check: bool = True, timeout: float = 60):
        result = subprocess.run(self._prefix() + argv, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=timeout, cwd=self.base)
        if check and result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({result.returncode}):\n"
                               f"{result.stdout.decode(errors='replace')}\n{self.log_tail()}")
        return result

    def log_tail(self, lines: int = 40) -> str:
        return file_tail(self.logfile, lines)

    def start(self):
        opts = (f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 "
                f"-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                f"-c max_connections=200")
        self._run([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60",
                   "-o", opts, "start"])

    def stop(self):
        self._run([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-w", "-t", "60", "-m", "fast",
                   "stop"])

    def restart(self):
        # -l again: without it the new postmaster would write to (and hold open) our pipe.
        self._run([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60",
                   "-m", "fast", "restart"])

    def is_running(self) -> bool:
        return self._run([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "status"],
                         check=False).returncode == 0

    def psql(self, sql: str, db: str = "postgres") -> str:
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
             str(self.port), "-U", "postgres", "-d", db, "-At", "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stdout.decode(errors='replace')}")
        return result.stdout.decode()

    def create_database(self) -> str:
        with self._lock:
            self._counter += 1
            name = f"authd_{self._counter}"
        self.psql(f"CREATE DATABASE {name}")
        return name

    def url(self, db: str) -> str:
        return f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:{self.port}/{db}"

    def close(self):
        try:
            if self.is_running():
                self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# the authd process

LIVE_SERVERS: list["AuthdServer"] = []


class _PortTaken(Exception):
    pass


class AuthdServer:
    """Starts the real binary. `env` overrides the defaults (a value of None removes one;
    "{port}" in a value stands for the port chosen at start, e.g. for
    AUTH_PUBLIC_URL="http://localhost:{port}")."""

    def __init__(self, binary: str, database_url: str, env: Optional[dict] = None,
                 data_dir: Optional[str] = None, start: bool = True):
        self.binary = binary
        self.database_url = database_url
        self.own_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="authd-data-", dir="/tmp")
        self.overrides = dict(env or {})
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.logfile = os.path.join(
            tempfile.mkdtemp(prefix="authd-log-", dir="/tmp"), "authd.log")
        self._logf = None
        self.returncode: Optional[int] = None
        LIVE_SERVERS.append(self)
        if start:
            self.start()

    # -- environment
    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
        env.update({
            "AUTH_LISTEN": f"127.0.0.1:{self.port}",
            "AUTH_DATA_DIR": self.data_dir,
            "AUTH_DATABASE_URL": self.database_url,
            "AUTH_SERVICES": ",".join(f"{k}:{v}" for k, v in SERVICES.items()),
            "AUTH_ARGON2_MEMORY_KIB": "8192",
            "AUTH_ARGON2_ITERATIONS": "1",
            # The race tests send up to 10 password requests at once; with the default 16
            # request threads hashing may hold 8 and answers the rest 503 (test_hash_pool.py).
            "AUTH_WORKER_THREADS": "32",
            # The suite registers hundreds of accounts and fails many service logins from
            # 127.0.0.1: the per-address limits are tested by servers that set their own.
            "AUTH_REGISTRATION_RATE_LIMIT": "1000000",
            "AUTH_SERVICE_LOGIN_FAILURES_PER_IP": "1000000",
            "AUTH_LOG_LEVEL": "info",
            "AUTH_EMAIL_URL": "console:",
            "AUTH_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
        })
        for key, value in self.overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value).replace("{port}", str(self.port))
        return env

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> "Client":
        return Client(self.base_url, self)

    # -- lifecycle
    def start(self, timeout: float = 10.0):
        for attempt in range(3):
            try:
                return self._start_once(timeout)
            except _PortTaken:
                continue  # another process took the free port in between: pick another
        raise RuntimeError(f"could not find a free port:\n{self.log_tail()}")

    def _start_once(self, timeout: float):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.port = free_port()
        self.returncode = None
        self._logf = open(self.logfile, "ab")
        self._logf.write(f"==== starting authd on port {self.port}\n".encode())
        self._logf.flush()
        self.proc = subprocess.Popen([self.binary], env=self.environment(), stdout=self._logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.data_dir)
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._close_log()
                if "in use" in self.log_tail(5).lower():
                    raise _PortTaken()
                raise RuntimeError(f"authd exited with {self.proc.returncode} during start-up:"
                                   f"\n{self.log()}")
            try:
                # Connection: close, so that the server ends the probe's connection itself and
                # does not count it against its connection caps while the test begins.
                r = requests.get(self.base_url + "/healthz", timeout=1,
                                 headers={"Connection": "close"})
                if r.status_code == 200:
                    return
                last_error = f"status {r.status_code}"
            except requests.RequestException as e:
                last_error = repr(e)
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"authd did not answer /healthz within {timeout}s ({last_error}):"
                           f"\n{self.log()}")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM; asserts a clean exit (status 0) within `timeout` seconds."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_log()
                raise AssertionError(f"authd did not exit within {timeout}s of SIGTERM\n"
                                     f"{self.log_tail()}")
        self._close_log()
        self.returncode = self.proc.returncode
        assert self.returncode == 0, (f"authd exited with status {self.returncode} after "
                                      f"SIGTERM\n{self.log_tail()}")
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def restart(self):
        self.stop()
        self.start()

    def _close_log(self):
        if self._logf is not None:
            self._logf.close()
            self._logf = None

    def log(self) -> str:
        if self._logf is not None:
            self._logf.flush()
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def cleanup(self):
        """Teardown: stop (asserting exit 0) and remove the temporary files."""
        try:
            if self.running():
                self.stop()
        finally:
            self.kill()
            if self in LIVE_SERVERS:
                LIVE_SERVERS.remove(self)
            if self.own_data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.rmtree(os.path.dirname(self.logfile), ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# the client

@dataclass
class User:
    username: str
    password: str
    email: str
    access: Optional[str] = None
    refresh: Optional[str] = None
    registered: Any = None

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.access}"}

    @property
    def claims(self) -> dict:
        return jwt_claims(self.access)


class Client:
    def __init__(self, base_url: str, server: Optional[AuthdServer] = None):
        self.base_url = base_url
        self.server = server
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, *, token: Optional[str] = None,
                headers: Optional[dict] = None, **kwargs) -> requests.Response:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), headers=h, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- API helpers
    def register_raw(self, body: Any, **kw) -> requests.Response:
        return self.post("/api/auth/", json=body, **kw)

    def register(self, username: Optional[str] = None, password: Optional[str] = None,
                 email: Optional[str] = None, expect: Optional[int] = 201, **extra) -> User:
        username = username or unique_name()
        password = password or random_password()
        email = email or f"{username.lower()}@example.com"
        body = {"username": username, "password": password, "password2": password,
                "email": email, **extra}
        r = self.register_raw(body)
        if expect is not None:
            assert r.status_code == expect, f"register {username}: {r.status_code} {r.text}"
        return User(username, password, email, registered=r)

    def login_raw(self, username: str, password: str, **kw) -> requests.Response:
        return self.post("/api/auth/login", json={"username": username, "password": password},
                         **kw)

    def login(self, user: User, **kw) -> User:
        r = self.login_raw(user.username, user.password, **kw)
        assert r.status_code == 200, f"login {user.username}: {r.status_code} {r.text}"
        body = r.json()
        return User(user.username, user.password, user.email, body["access"], body["refresh"],
                    user.registered)

    def new_user(self, **kw) -> User:
        """Registers a fresh user and logs in."""
        return self.login(self.register(**kw))

    def account(self, username: str, token: Optional[str]) -> requests.Response:
        return self.get("/api/auth/" + quote(username, safe=""), token=token)

    def refresh(self, refresh_token: str, **kw) -> requests.Response:
        return self.post("/api/auth/refresh", json={"refresh": refresh_token}, **kw)

    def logout(self, refresh_token: str, **kw) -> requests.Response:
        return self.post("/api/auth/logout", json={"refresh": refresh_token}, **kw)

    def service_token(self, name: str = "users") -> str:
        r = self.post("/api/auth/internal/auth",
                      json={"serviceName": name, "password": SERVICES[name]})
        assert r.status_code == 200, f"internal/auth: {r.status_code} {r.text}"
        return r.json()["token"]

    def introspect(self, token: str, service_token: str) -> requests.Response:
        return self.post("/api/auth/introspect", json={"token": token}, token=service_token)

    def jwks(self) -> dict:
        r = self.get("/api/auth/jwks")
        assert r.status_code == 200, r.text
        return r.json()


def assert_token_not_valid(r: requests.Response):
    assert r.status_code == 401, f"{r.status_code} {r.text}"
    assert r.json() == BODY_TOKEN_NOT_VALID
    assert r.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'


def assert_refresh_invalid(r: requests.Response):
    assert r.status_code == 401, f"{r.status_code} {r.text}"
    assert r.json() == BODY_REFRESH_INVALID


def assert_no_store(r: requests.Response):
    assert "no-store" in r.headers.get("Cache-Control", ""), dict(r.headers)


def assert_json(r: requests.Response):
    assert r.headers.get("Content-Type", "").startswith("application/json"), dict(r.headers)


# ----------------------------------------------------------------------------------------------
# two-factor authentication (RFC 6238 computed here, independently of the server)

MSG_TOTP_CODE_WRONG = "The code is not valid for the new app."
MSG_REAUTH_PASSWORD_WRONG = "Your password was entered incorrectly. Please enter it again."
MSG_SEND_ONLY_EMAIL = 'The only choice is "email".'
BODY_TWO_FA_REQUIRED_DETAIL = "Two-factor authentication required."
BODY_INVALID_CODE = {"detail": "The code is invalid, expired or already used.",
                     "code": "invalid_code"}
BODY_INVALID_TICKET = {"detail": "The login ticket is invalid or has expired. Log in again.",
                       "code": "invalid_ticket"}
BODY_REAUTH_REQUIRED = {"detail": "This change needs a recent login: log in again or send your "
                                  "current password.",
                        "code": "reauthentication_required"}
BODY_NO_PENDING_APP = {"detail": "There is no authenticator app waiting for confirmation: ask "
                                 "for a new secret first.",
                       "code": "no_pending_app"}
BODY_NO_APP = {"detail": "No authenticator app is set up.", "code": "not_found"}
BODY_APP_CONFIRMED = {"detail": "The authenticator app is confirmed."}
BODY_CODE_SENT = {"detail": "A code has been sent to your e-mail address."}
BODY_EMAIL_NOT_VERIFIED = {"detail": "This account has no verified e-mail address to send a code "
                                     "to.",
                           "code": "email_not_verified"}
SUBJECT_2FA_ON = "Two-factor authentication is on"
SUBJECT_2FA_OFF = "Two-factor authentication is off"
SUBJECT_APP_REMOVED = "Your authenticator app was removed"
SUBJECT_RECOVERY_USED = "A recovery code was used"
SUBJECT_LOGIN_CODE = "Your login code"  # the code is in the body only, not in previews
RECOVERY_CODE_RE = re.compile(r"^[a-z2-7]{5}-[a-z2-7]{5}$")
TOTP_PERIOD = 30


def b32_secret_bytes(secret_b32: str) -> bytes:
    s = secret_b32.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    """RFC 4226 with SHA-1 and dynamic truncation."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def totp_step(t: Optional[float] = None, period: int = TOTP_PERIOD) -> int:
    return int((time.time() if t is None else t) // period)


def totp(secret_b32: str, t: Optional[float] = None, period: int = TOTP_PERIOD,
         digits: int = 6) -> str:
    """RFC 6238: the code of the time step that contains t (now by default)."""
    return hotp(b32_secret_bytes(secret_b32), totp_step(t, period), digits)


def wait_for_step_margin(margin: float = 3.0, period: int = TOTP_PERIOD):
    """Returns at a moment with at least `margin` seconds left in the current time step, so
    a code computed now for a given offset is still judged against the same step."""
    left = period - (time.time() % period)
    if left < margin:
        time.sleep(left + 0.05)


def parse_otp_uri(uri: str) -> dict:
    from urllib.parse import parse_qs, unquote, urlsplit
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp", uri
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    query["label"] = unquote(parts.path.lstrip("/"))
    return query


class TotpApp:
    """An authenticator app as the tests use it: it never hands out a code of a time step
    at or before one it already handed out (the server refuses those as replays), and the
    code it hands out is within the server's ±1 step of now."""

    def __init__(self, secret_b32: str):
        self.secret = secret_b32
        self.key = b32_secret_bytes(secret_b32)
        self.last_step: Optional[int] = None

    @classmethod
    def from_uri(cls, uri: str) -> "TotpApp":
        return cls(parse_otp_uri(uri)["secret"])

    def code_for_step(self, step: int) -> str:
        return hotp(self.key, step)

    def code_at(self, offset: int = 0) -> str:
        """The code of (current step + offset), without bookkeeping."""
        return self.code_for_step(totp_step() + offset)

    def next_code(self) -> str:
        """A fresh code (a step after the last one handed out), marked as handed out."""
        now = totp_step()
        step = now if self.last_step is None else max(now, self.last_step + 1)
        if step > now + 1:  # two steps ahead would be refused: wait for time to catch up
            time.sleep(max(0.0, (step - 1) * TOTP_PERIOD - time.time()) + 0.05)
        self.last_step = step
        return self.code_for_step(step)

    def wrong_code(self) -> str:
        """Six digits that are not a code of any step near now."""
        now = totp_step()
        near = {self.code_for_step(now + d) for d in range(-3, 4)}
        candidate = int(self.code_for_step(now))
        while True:
            candidate = (candidate + 104729) % 1_000_000
            text = str(candidate).zfill(6)
            if text not in near:
                return text


def other_code(*codes: str) -> str:
    """Six digits different from every given code."""
    n = 123457
    while str(n).zfill(6) in codes:
        n = (n + 7919) % 1_000_000
    return str(n).zfill(6)


class TwoFactorKit:
    """The steps of the two-factor flows, on one server and its SMTP sink (authd_mail)."""

    def __init__(self, client: Client, sink):
        self.client = client
        self.sink = sink

    def verify_email(self, user: User, address: Optional[str] = None):
        from authd_mail import BODY_VERIFIED, SUBJECT_VERIFY, extract_link, link_path
        address = address or user.email
        message = self.sink.wait_for(to=address, subject=SUBJECT_VERIFY)
        link = extract_link(message, "/api/auth/verify_email/")
        r = self.client.get(link_path(link), headers={"Accept": "application/json"})
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        assert r.json() == BODY_VERIFIED

    def verified_user(self, **kw) -> User:
        user = self.client.new_user(**kw)
        self.verify_email(user)
        return user

    def enable(self, user: User, field: str = "two_fa_enabled") -> tuple[dict, TotpApp, list]:
        r = self.client.patch("/api/auth/update/" + quote(user.username, safe=""),
                              json={field: True}, token=user.access)
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        body = r.json()
        return body, TotpApp.from_uri(body["otp_uri"]), body["recovery_codes"]

    def user_with_2fa(self, **kw) -> tuple[User, TotpApp, list]:
        """A verified user with 2FA on; its app (from the update) still waits for its code."""
        user = self.verified_user(**kw)
        _, app, codes = self.enable(user)
        return user, app, codes

    def confirm(self, user: User, app: TotpApp):
        r = self.client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                             token=user.access)
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        assert r.json() == BODY_APP_CONFIRMED

    def login_202(self, user: User, login: Optional[str] = None) -> dict:
        r = self.client.login_raw(login or user.username, user.password)
        assert r.status_code == 202, f"{r.status_code} {r.text}"
        body = r.json()
        assert set(body) == {"detail", "two_fa_required", "ticket", "methods"}, body
        assert body["detail"] == BODY_TWO_FA_REQUIRED_DETAIL
        assert body["two_fa_required"] is True
        assert isinstance(body["ticket"], str) and len(body["ticket"]) >= 20
        return body

    def ticket(self, user: User) -> str:
        return self.login_202(user)["ticket"]

    def otp(self, ticket: str, code: str, **kw) -> requests.Response:
        return self.client.post("/api/auth/otp", json={"ticket": ticket, "code": code}, **kw)

    def otp_front_end(self, login: str, password: str, code: str) -> requests.Response:
        return self.client.post("/api/auth/otp",
                                json={"username": login, "password": password, "otp": code})

    def login_code_messages(self, address: str) -> list:
        return [m for m in self.sink.messages_to(address)
                if m.subject == SUBJECT_LOGIN_CODE]

    def wait_login_code(self, address: str, n: int, timeout: float = 10.0) -> str:
        """The code of the n-th login-code message to that address (1-based), once it came."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.login_code_messages(address)
            if len(found) >= n:
                message = found[n - 1]
                codes = re.findall(r"^(\d{6})$", message.text, re.M)
                assert len(codes) == 1, message.text
                assert codes[0] not in message.subject
                return codes[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no login code #{n} for {address} within {timeout}s; "
                                     f"got {found}")
            time.sleep(0.05)

    def account(self, user: User) -> dict:
        r = self.client.account(user.username, user.access)
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        return r.json()


def assert_tokens(r: requests.Response, username: str) -> dict:
    """A successful login answer: exactly {access, refresh, lang}, tokens of that user."""
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"access", "refresh", "lang"}, body
    assert "no-store" in r.headers.get("Cache-Control", "")
    access = jwt_claims(body["access"])
    assert access["token_type"] == "access" and jwt_header(body["access"])["typ"] == "at+jwt"
    assert access["username"] == username
    assert_opaque_refresh(body["refresh"])
    return body


# ----------------------------------------------------------------------------------------------
# the attack suite (test_attacks*.py): GET /metrics counters and a read-only look at the database

PASSWORD_HASHES_METRIC = "authd_password_hashes_total"


def metric_value(client: Client, name: str) -> float:
    """The sum of every sample of one metric in GET /metrics (Prometheus text format). Fails the
    calling test, naming the metric, when /metrics is not served or does not carry it."""
    import pytest
    r = client.get("/metrics")
    if r.status_code != 200:
        pytest.fail(f"GET /metrics answered {r.status_code}, so the counter {name} cannot be "
                    f"read (is /metrics in this build?): {r.text[:200]}")
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})?\s+(\S+)")
    total, found = 0.0, False
    for line in r.text.splitlines():
        m = pattern.match(line)
        if m:
            total += float(m.group(1))
            found = True
    if not found:
        pytest.fail(f"GET /metrics has no sample of {name}")
    return total


def password_hashes(client: Client) -> int:
    """Argon2id computations (hashes and verifications) the server has done so far."""
    return int(metric_value(client, PASSWORD_HASHES_METRIC))


def sql(database_url: str, statement: str, params: tuple = ()) -> list[tuple]:
    """Runs one statement in the server's own database (SQLite file or PostgreSQL, `%s` for
    each parameter) and returns its rows, each value as text (None for NULL); a statement that
    writes is committed."""
    if database_url.startswith("sqlite://"):
        import sqlite3
        con = sqlite3.connect(database_url[len("sqlite://"):], timeout=10)
        try:
            with con:
                rows = con.execute(statement.replace("%s", "?") if params else statement,
                                   params).fetchall()
            return [tuple(None if v is None else str(v) for v in row) for row in rows]
        finally:
            con.close()
    from urllib.parse import urlsplit
    if params:
        statement = statement % tuple("'" + str(p).replace("'", "''") + "'" for p in params)
    url = urlsplit(database_url)
    # Unit and record separators: values may hold line breaks (an e-mail's MIME text).
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.hostname, "-p", str(url.port),
         "-U", url.username, "-d", url.path.lstrip("/"), "-At", "-F", "\x1f", "-R", "\x1e",
         "-P", "null=\x1d", "-c", statement],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stdout.decode(errors='replace')}")
    text = result.stdout.decode()
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return []
    return [tuple(None if v == "\x1d" else v for v in record.split("\x1f"))
            for record in text.split("\x1e")]


def count_rows(database_url: str, table: str, where: str = "") -> int:
    """SELECT count(*) in the server's own database (SQLite file or PostgreSQL)."""
    query = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
    return int(sql(database_url, query)[0][0])


def all_keys(value):
    """Every key of a JSON value, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_keys(item)
