"""HEAD on routes whose GET changes state: link checkers and mail scanners send HEAD, and it
must neither spend a verification link nor queue an export."""

from authd_mail import SUBJECT_EXPORT, SUBJECT_VERIFY, extract_link, flush_outbox, link_path


def test_head_on_a_verification_link_does_not_spend_it(mail_client, smtp_sink):
    user = mail_client.register()
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_VERIFY)
    path = link_path(extract_link(message, "/api/auth/verify_email/"))
    user = mail_client.login(user)

    r = mail_client.request("HEAD", path)
    assert r.status_code == 200 and r.content == b""
    assert mail_client.account(user.username, user.access).json()["email_verified"] is False

    r = mail_client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert mail_client.account(user.username, user.access).json()["email_verified"] is True
    # Spent now: HEAD says so too.
    assert mail_client.request("HEAD", path).status_code == 400


def test_head_on_dump_data_queues_nothing(mail_client, smtp_sink):
    user = mail_client.new_user()
    for _ in range(4):  # more than the hourly limit, which HEAD must not use up
        r = mail_client.request("HEAD", "/api/auth/dump_data/", token=user.access)
        assert r.status_code == 200
    r = mail_client.get("/api/auth/dump_data/", token=user.access)
    assert r.status_code == 202, r.text
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_EXPORT)
    flush_outbox(smtp_sink, mail_client)
    assert [m.subject for m in smtp_sink.messages_to(user.email)].count(SUBJECT_EXPORT) == 1


def test_a_dead_reset_link_says_so_before_the_csrf_check(mail_client, smtp_sink):
    r = mail_client.post("/api/auth/reset/MQ/not-a-real-token-not-a-real-token-not-a-r/",
                         data={"new_password": "x", "new_password2": "x", "csrf_token": "x"})
    assert r.status_code == 400
    assert "<form" not in r.text
    assert "invalid" in r.text.lower()
