"""E-mail helpers of the black-box suite: an SMTP sink (aiosmtpd) that authd delivers to, and
tools to read the delivered messages (subject, text and HTML parts, attachments, links).
Nothing here knows the server's internals."""

from __future__ import annotations

import email
import email.policy
import functools
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from authd_testlib import free_port

PUBLIC_URL = "https://auth.example.test"


@dataclass
class Delivered:
    """One message as the sink received it."""
    mail_from: str
    rcpt_tos: list
    content: bytes
    received_at: float = field(default_factory=time.monotonic)

    @functools.cached_property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)

    @property
    def raw_headers(self) -> str:
        """The header block exactly as received (CRLF line ends, folds kept)."""
        head, _, _ = self.content.partition(b"\r\n\r\n")
        return head.decode("ascii")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def part(self, content_type: str) -> Optional[str]:
        """The first non-attachment part of that type, decoded, with "\n" line ends (on the
        wire they are CRLF, which the parser keeps)."""
        for part in self.message.walk():
            if part.is_multipart() or part.is_attachment():
                continue
            if part.get_content_type() == content_type:
                return part.get_content().replace("\r\n", "\n")
        return None

    @property
    def text(self) -> str:
        text = self.part("text/plain")
        assert text is not None, f"no text/plain part in\n{self.content[:2000]!r}"
        return text

    @property
    def html(self) -> Optional[str]:
        return self.part("text/html")

    @property
    def attachments(self) -> list:
        """[(filename, content type, bytes)]"""
        found = []
        for part in self.message.walk():
            if part.is_attachment():
                found.append((part.get_filename(), part.get_content_type(),
                              part.get_payload(decode=True)))
        return found

    def __repr__(self):
        return f"<Delivered to={self.rcpt_tos} subject={self.subject!r}>"


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.sink.rcpt_attempts.append(address)
        if address.lower() in self.sink.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sink._store(Delivered(envelope.mail_from, list(envelope.rcpt_tos),
                                   bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message. stop() and start() again reuse
    the same port, so an outage can be simulated."""

    def __init__(self, port: Optional[int] = None):
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._messages: list[Delivered] = []
        self._controller = None
        # Recipients (lower case) refused with a permanent error (550), and every RCPT TO seen.
        self.reject: set[str] = set()
        self.rcpt_attempts: list[str] = []

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def env(self, **extra) -> dict:
        """The settings of an authd that delivers here."""
        env = {"AUTH_EMAIL_URL": self.url, "AUTH_EMAIL_REQUIRE_TLS": "false",
               "AUTH_EMAIL_RETRY_BASE": "1", "AUTH_PUBLIC_URL": PUBLIC_URL}
        env.update({k: v for k, v in extra.items()})
        return env

    # -- lifecycle
    def start(self, timeout: float = 10.0):
        from aiosmtpd.controller import Controller
        assert self._controller is None, "already running"
        deadline = time.monotonic() + timeout
        # The port of a stopped sink is bound again at once (SO_REUSEADDR, as asyncio does);
        # should anything else hold it, wait here rather than in the Controller, which only
        # reports a failed bind after its whole ready_timeout.
        while not _can_bind(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"SMTP sink: port {self.port} stays in use")
            time.sleep(0.05)
        # server_hostname: without it aiosmtpd calls socket.getfqdn() on every connection.
        controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                server_hostname="sink.authd.test", ready_timeout=5)
        try:
            controller.start()
        except Exception:
            try:
                controller.stop(no_assert=True)
            finally:
                if not controller.loop.is_closed():
                    controller.loop.close()
            raise
        self._controller = controller

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- messages
    def _store(self, message: Delivered):
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    @property
    def messages(self) -> list[Delivered]:
        with self._lock:
            return list(self._messages)

    def messages_to(self, address: str) -> list[Delivered]:
        address = address.lower()
        return [m for m in self.messages if address in (r.lower() for r in m.rcpt_tos)]

    def clear(self):
        with self._lock:
            self._messages.clear()

    def wait_for_messages(self, n: int, timeout: float = 10.0, to: Optional[str] = None,
                          subject: Optional[str] = None) -> list[Delivered]:
        """Waits until at least n messages (to that address, with that subject, when given)
        have arrived; returns them all. Fails after timeout."""
        deadline = time.monotonic() + timeout

        def matching():
            found = self._messages
            if to is not None:
                found = [m for m in found if to.lower() in (r.lower() for r in m.rcpt_tos)]
            if subject is not None:
                found = [m for m in found if m.subject == subject]
            return list(found)

        with self._cond:
            while True:
                found = matching()
                if len(found) >= n:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {n} message(s) to={to!r} subject={subject!r} within "
                        f"{timeout}s, got {len(found)}; all received: {self._messages}")
                self._cond.wait(remaining)

    def wait_for(self, to: str, subject: str, timeout: float = 10.0) -> Delivered:
        """The first message to that address with that subject."""
        return self.wait_for_messages(1, timeout, to=to, subject=subject)[0]


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


LINK_RE = re.compile(r"https?://[^\s<>\"']+")


def extract_link(message: Delivered, path_prefix: str) -> str:
    """The one link of the text part whose path starts with path_prefix."""
    links = [link for link in LINK_RE.findall(message.text)
             if urlsplit(link).path.startswith(path_prefix)]
    assert len(links) == 1, f"expected one {path_prefix} link in:\n{message.text}"
    return links[0]


def link_path(link: str) -> str:
    """The path (and query) of a link, to request it from the server under test."""
    parts = urlsplit(link)
    return parts.path + (("?" + parts.query) if parts.query else "")


def rewrite_origin(link: str, base_url: str) -> str:
    return base_url.rstrip("/") + link_path(link)


def set_cookie_value(set_cookie: str, name: str) -> Optional[str]:
    m = re.match(rf"\s*{re.escape(name)}=([^;]*)", set_cookie)
    return m.group(1) if m else None


def csrf_field(html: str) -> Optional[str]:
    m = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"', html)
    if m is None:
        m = re.search(r'<input[^>]*value="([^"]*)"[^>]*name="csrf_token"', html)
    return m.group(1) if m else None


# ----------------------------------------------------------------------------------------------
# the contract's exact words for the e-mail flows (subjects, answers, page titles)

SUBJECT_VERIFY = "Confirm your e-mail address"
SUBJECT_RESET = "Reset your password"
SUBJECT_PASSWORD_CHANGED = "Your password was changed"
SUBJECT_PASSWORD_RESET_NOTICE = "Your password was reset"
SUBJECT_EMAIL_CHANGED = "Your e-mail address was changed"
SUBJECT_EXPORT = "Your authd data export"

BODY_RESET_SENT = {"detail": "Password reset e-mail has been sent."}
BODY_RESET_DONE = {"detail": "Password has been reset with the new password."}
BODY_RESET_LINK_VALID = {"detail": "The link is valid."}
BODY_RESET_LINK_INVALID = {"detail": "The password reset link is invalid or has expired.",
                           "code": "invalid_link"}
BODY_VERIFIED = {"detail": "Your e-mail address is verified."}
BODY_VERIFY_LINK_INVALID = {"detail": "The verification link is invalid or has expired.",
                            "code": "invalid_link"}
BODY_VERIFICATION_SENT = {"detail": "Verification e-mail sent."}
BODY_ALREADY_VERIFIED = {"detail": "This e-mail address is already verified.",
                         "code": "already_verified"}
BODY_EXPORT_ACCEPTED = {"detail": "Your data will be sent to your e-mail address shortly."}

MSG_CSRF = "This form has expired or was not sent from this page. Please try again."

TITLE_RESET_FORM = "Choose a new password"
TITLE_RESET_INVALID = "This link is invalid or has expired"
TITLE_RESET_DONE = "Your password has been changed"
TITLE_RESET_REQUESTED = "Check your mailbox"
TITLE_VERIFIED = "Your e-mail address is confirmed"
TITLE_VERIFY_INVALID = "This confirmation link is invalid or has expired"

CSRF_COOKIE = "authd_csrf"


def throttled_body(seconds) -> dict:
    unit = "second" if int(seconds) == 1 else "seconds"
    return {"detail": f"Request was throttled. Expected available in {seconds} {unit}.",
            "code": "throttled"}


def page_title(html: str) -> Optional[str]:
    """The <h1> of one of authd's pages (also its <title>)."""
    m = re.search(r"<h1>(.*?)</h1>", html, re.S)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert m and title and m.group(1) == title.group(1), html[:2000]
    return m.group(1)


def error_items(html: str) -> list:
    """The messages of the error box of a form page ([] without one)."""
    box = re.search(r'<ul class="errors" role="alert">\n(.*?)</ul>', html, re.S)
    if box is None:
        return []
    return re.findall(r"<li>(.*?)</li>", box.group(1))


def flush_outbox(sink: SmtpSink, client, settle: float = 0.15) -> None:
    """Returns once every message queued before the call has had its chance to arrive: it
    registers a marker account and waits for its verification message, which the outbox
    sends after (or in the same pass as) anything queued earlier. Used before asserting that
    something was NOT sent."""
    marker = client.register()
    sink.wait_for(to=marker.email, subject=SUBJECT_VERIFY)
    time.sleep(settle)  # a message of the same pass that comes after the marker
