"""Nothing a user types can add a header or a recipient to a message: CR, LF and the like in
an address or a username are refused at input (400), and no message is sent."""

from authd_mail import SUBJECT_VERIFY, flush_outbox
from authd_testlib import MSG_EMAIL_INVALID, MSG_USERNAME_INVALID, random_password, unique_name

ATTACKER = "attacker@evil.test"
# {local} is replaced by a unique name, so that each case has its own victim address.
BAD_EMAILS = [
    "{local}@example.com\r\nBcc: " + ATTACKER,
    "{local}@example.com\nBcc: " + ATTACKER,
    "{local}@example.com\rBcc: " + ATTACKER,
    "{local}@example.com\r\n\r\nInjected body",
    "{local}@example.com\r\n",
    "{local}@example.com>\r\nRCPT TO:<" + ATTACKER,
    "{local}@example.com, " + ATTACKER,
    "\"{local}\r\nBcc: " + ATTACKER + "\"@example.com",
    "{local}@example.com\u2028Bcc: " + ATTACKER,
    "{local}@example.com\u0000Bcc: " + ATTACKER,
    "{local}@example.com\tBcc: " + ATTACKER,
]
MSG_NUL = "Null characters are not allowed."  # refused before any field rule, as in DRF


def expected_message(text: str, otherwise: str) -> str:
    return MSG_NUL if "\u0000" in text else otherwise


BAD_USERNAMES = ["{name}\r\nBcc: " + ATTACKER, "{name}\n", "{name}\rX", "{name}\u0000"]


def assert_nothing_injected(sink, client):
    """Every message queued so far has arrived: none went to the attacker, and none carries
    an injected header, body or SMTP command."""
    flush_outbox(sink, client)
    assert sink.messages_to(ATTACKER) == []
    for message in sink.messages:
        assert message.subject == SUBJECT_VERIFY, message
        assert len(message.rcpt_tos) == 1 and "evil.test" not in message.rcpt_tos[0], message
        headers = message.message
        assert headers.get_all("To") == [message.rcpt_tos[0]]
        assert headers.get_all("Bcc") is None and headers.get_all("Cc") is None
        for text in (b"Bcc:", b"Injected body", b"RCPT TO", b"evil.test"):
            assert text not in message.content, message


def test_register_with_a_line_break_in_the_address_is_refused(mail_client, smtp_sink):
    for template in BAD_EMAILS:
        name = unique_name()
        address = template.format(local=name)
        password = random_password()
        r = mail_client.register_raw({"username": name, "email": address, "password": password,
                                      "password2": password})
        assert r.status_code == 400, (address, r.text)
        assert r.json() == {"email": [expected_message(address, MSG_EMAIL_INVALID)]}, address
        assert mail_client.login_raw(name, password).status_code == 401  # no account
    assert_nothing_injected(smtp_sink, mail_client)


def test_update_with_a_line_break_in_the_address_is_refused(mail_client, smtp_sink):
    user = mail_client.new_user()
    for template in BAD_EMAILS:
        address = template.format(local=unique_name())
        for method in (mail_client.patch, mail_client.put):
            r = method(f"/api/auth/update/{user.username}", token=user.access,
                       json={"username": user.username, "email": address,
                             "two_fa_enable": False})
            assert r.status_code == 400, (address, r.text)
            assert r.json() == {"email": [expected_message(address, MSG_EMAIL_INVALID)]}, address
    body = mail_client.account(user.username, user.access).json()
    assert (body["email"], body["email_verified"]) == (user.email, False)
    assert_nothing_injected(smtp_sink, mail_client)
    assert len(smtp_sink.messages_to(user.email)) == 1  # its registration's message only


def test_a_username_cannot_hold_a_line_break(mail_client, smtp_sink):
    user = mail_client.new_user()
    for template in BAD_USERNAMES:
        name = unique_name()
        password = random_password()
        r = mail_client.register_raw({"username": template.format(name=name),
                                      "email": f"{name}@example.com", "password": password,
                                      "password2": password})
        assert r.status_code == 400, (template, r.text)
        assert r.json() == {"username": [expected_message(template, MSG_USERNAME_INVALID)]}
        assert smtp_sink.messages_to(f"{name}@example.com") == []

        r = mail_client.patch(f"/api/auth/update/{user.username}", token=user.access,
                              json={"username": template.format(name=unique_name())})
        assert r.status_code == 400, (template, r.text)
        assert r.json() == {"username": [expected_message(template, MSG_USERNAME_INVALID)]}
    assert mail_client.account(user.username, user.access).status_code == 200
    assert_nothing_injected(smtp_sink, mail_client)
