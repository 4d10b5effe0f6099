"""The outbox through failures: an SMTP server that is down while messages are queued, an
authd killed (SIGKILL) with messages queued, and one stopped (SIGTERM) while an SMTP server
keeps it waiting. Afterwards every message arrives, exactly once, intact (its link works).
Also: two instances sharing one outbox, a recipient refused for good (5xx), and a message given
up after AUTH_EMAIL_GIVE_UP_AFTER."""

import collections
import re
import socket
import threading
import time

from authd_mail import (BODY_RESET_LINK_VALID, BODY_RESET_SENT, BODY_VERIFIED, SUBJECT_RESET,
                        SUBJECT_VERIFY, extract_link, link_path)
from authd_testlib import unique_name

JSON = {"Accept": "application/json"}
RETRY_LINE = re.compile(r"e-mail (\S+) attempt (\d+) failed, will retry")
DELIVERED_LINE = re.compile(r"e-mail (\S+) delivered")


def wait_for_log(server, pattern, count, timeout=10.0, since=0):
    """Waits until `pattern` matches `count` times in the server's log (from offset `since`)."""
    deadline = time.monotonic() + timeout
    while True:
        found = pattern.findall(server.log()[since:])
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, (
            f"{count} x {pattern.pattern!r} not in the log within {timeout}s:\n"
            f"{server.log_tail(30)}")
        time.sleep(0.05)


def queue_messages(client, count):
    """Registers `count` accounts (each queues a verification message) and asks for a password
    reset for the first one; returns (users, expected (recipient, subject) pairs)."""
    users = [client.register() for _ in range(count)]
    r = client.post("/api/auth/password_reset/", json={"email": users[0].email})
    assert (r.status_code, r.json()) == (200, BODY_RESET_SENT)
    expected = [(u.email, SUBJECT_VERIFY) for u in users] + [(users[0].email, SUBJECT_RESET)]
    return users, expected


def assert_each_delivered_once(sink, expected, settle=1.2):
    """Waits for every expected message, then a little more (longer than a retry interval):
    each arrived exactly once and nothing else did."""
    for recipient, subject in expected:
        sink.wait_for(to=recipient, subject=subject, timeout=20)
    time.sleep(settle)
    received = collections.Counter((m.rcpt_tos[0], m.subject) for m in sink.messages)
    assert all(len(m.rcpt_tos) == 1 for m in sink.messages)
    assert received == collections.Counter(expected), received
    message_ids = [m.message_id for m in sink.messages]
    assert len(set(message_ids)) == len(message_ids), message_ids


def assert_links_work(client, sink, users):
    for user in users:
        message = sink.wait_for(to=user.email, subject=SUBJECT_VERIFY)
        r = client.get(link_path(extract_link(message, "/api/auth/verify_email/")), headers=JSON)
        assert (r.status_code, r.json()) == (200, BODY_VERIFIED), r.text
    reset = sink.wait_for(to=users[0].email, subject=SUBJECT_RESET)
    r = client.get(link_path(extract_link(reset, "/api/auth/reset/")), headers=JSON)
    assert (r.status_code, r.json()) == (200, BODY_RESET_LINK_VALID), r.text


def test_smtp_outage_loses_and_duplicates_nothing(authd_factory, smtp_sink_factory):
    sink = smtp_sink_factory(start=False)  # down from the start
    server = authd_factory(sink.env())
    client = server.client()

    users, expected = queue_messages(client, 3)
    # Each message was tried and failed; none was given up.
    failures = wait_for_log(server, RETRY_LINE, len(expected))
    assert {attempt for _, attempt in failures} == {"1"}
    assert len({message_id for message_id, _ in failures}) == len(expected)
    assert sink.messages == []

    sink.start()
    assert_each_delivered_once(sink, expected, settle=0)  # the second round below waits
    # Each delivery is recorded (and logged) just after the sink has the message.
    delivered = wait_for_log(server, DELIVERED_LINE, len(expected))
    assert sorted(delivered) == sorted({message_id for message_id, _ in failures})
    assert "failed for good" not in server.log()
    assert_links_work(client, sink, users)

    # The sink goes down and up again: only new messages are sent, old ones never again.
    sink.stop()
    late = client.register()
    wait_for_log(server, RETRY_LINE, len(expected) + 1)
    sink.start()
    assert_each_delivered_once(sink, expected + [(late.email, SUBJECT_VERIFY)], settle=1.0)


def test_messages_queued_before_a_crash_are_delivered_after_restart(authd_factory,
                                                                    smtp_sink_factory):
    sink = smtp_sink_factory(start=False)
    # Retries 2 s apart: after the first failures there is a second and more with no attempt
    # under way, to kill in. (A delivery cut short by the kill stays claimed for minutes.)
    server = authd_factory(sink.env(AUTH_EMAIL_RETRY_BASE="2"))
    client = server.client()

    users, expected = queue_messages(client, 3)
    wait_for_log(server, RETRY_LINE, len(expected))
    time.sleep(0.15)  # the log line comes just before the retry is recorded
    server.kill()  # SIGKILL: no clean shutdown
    assert not server.running()
    assert server.proc.returncode == -9
    assert sink.messages == []

    sink.start()
    log_size = len(server.log())
    server.start()  # the same database, the same keys
    assert_each_delivered_once(sink, expected)
    delivered = wait_for_log(server, DELIVERED_LINE, len(expected), since=log_size)
    assert len(delivered) == len(expected) == len(set(delivered))
    assert_links_work(server.client(), sink, users)


class SilentSmtpServer:
    """Accepts connections and never says a word: a delivery waits for the greeting until
    AUTH_EMAIL_TIMEOUT."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)
            self.connected.set()

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_sigterm_during_a_stalled_delivery_exits_at_once_and_loses_nothing(authd_factory,
                                                                           smtp_sink_factory):
    sink = smtp_sink_factory()
    silent = SilentSmtpServer()
    try:
        # A minute per attempt: an exit within the 5 s below is the delivery cut short.
        server = authd_factory(sink.env(AUTH_EMAIL_URL=f"smtp://127.0.0.1:{silent.port}",
                                        AUTH_EMAIL_TIMEOUT="60"))
        users, expected = queue_messages(server.client(), 2)
        assert silent.connected.wait(timeout=10), "authd never connected to the SMTP server"
        server.stop(timeout=5)  # asserts exit status 0 within 5 s
    finally:
        silent.close()
    log = server.log()
    # The stalled delivery's batch: one message or more, as the sender's polls fell.
    left = re.findall(r"e-mail delivery stopped: (\d+) message\(s\) left queued", log)
    assert len(left) == 1 and 1 <= int(left[0]) <= len(expected), server.log_tail(20)
    assert "failed" not in log  # a cut-short delivery is not a failed attempt

    # Restarted against a working server: everything is due at once (not held for minutes by
    # the stopped sender's claim), and arrives once.
    server.overrides.update(sink.env())
    server.start()
    assert_each_delivered_once(sink, expected, settle=0.3)
    assert_links_work(server.client(), sink, users)


def test_two_instances_on_one_database_send_each_message_once(authd_factory,
                                                              smtp_sink_factory):
    """Both senders poll the same outbox: a message is claimed by one of them only."""
    sink = smtp_sink_factory()
    first = authd_factory(sink.env())
    second = authd_factory(sink.env(), database_url=first.database_url,
                           data_dir=first.data_dir)
    clients = [first.client(), second.client()]
    users = [clients[i % 2].register() for i in range(8)]
    expected = [(u.email, SUBJECT_VERIFY) for u in users]
    assert_each_delivered_once(sink, expected, settle=0.3)
    delivered = (DELIVERED_LINE.findall(first.log()) + DELIVERED_LINE.findall(second.log()))
    assert len(delivered) == len(set(delivered)) == len(expected)
    # A link mailed by one instance works on the other (one database, one secret).
    message = sink.wait_for(to=users[0].email, subject=SUBJECT_VERIFY)
    r = clients[1].get(link_path(extract_link(message, "/api/auth/verify_email/")),
                       headers=JSON)
    assert (r.status_code, r.json()) == (200, BODY_VERIFIED)


def test_a_refused_recipient_fails_for_good_without_retries(mail_authd, mail_client,
                                                            smtp_sink):
    """A permanent SMTP error (5xx) is not retried; other messages are not held up."""
    name = unique_name("bounce")
    smtp_sink.reject.add(f"{name}@example.com")
    user = mail_client.register(username=name, email=f"{name}@example.com")
    line = re.compile(r"e-mail (\S+) attempt 1 failed for good: .*\(server answered 550\)")
    [message_id] = wait_for_log(mail_authd, line, 1)
    # A retry would come within a retry interval (AUTH_EMAIL_RETRY_BASE=1) and a poll.
    no_retry_by = time.monotonic() + 1.6
    other = mail_client.register()
    smtp_sink.wait_for(to=other.email, subject=SUBJECT_VERIFY)
    time.sleep(max(0.0, no_retry_by - time.monotonic()))
    assert smtp_sink.messages_to(user.email) == []
    assert smtp_sink.rcpt_attempts.count(user.email) == 1
    assert f"e-mail {message_id} attempt 2" not in mail_authd.log()


def test_a_message_undelivered_too_long_is_given_up(authd_factory, smtp_sink_factory):
    sink = smtp_sink_factory(start=False)
    server = authd_factory(sink.env(AUTH_EMAIL_GIVE_UP_AFTER="1"))
    client = server.client()
    user = client.register()
    line = re.compile(r"e-mail (\S+) attempt \d+ failed for good")
    [message_id] = wait_for_log(server, line, 1)
    sink.start()
    late = client.register()
    sink.wait_for(to=late.email, subject=SUBJECT_VERIFY)
    time.sleep(0.5)
    assert sink.messages_to(user.email) == []
    assert f"e-mail {message_id} delivered" not in server.log()
