"""Links expire: an authd whose verification and reset links live LIFETIME seconds. The links
are issued (and shown to work) when the module starts; each test then waits for the same
moment, so the module waits only once."""

import time

import pytest

from authd_mail import (BODY_RESET_LINK_INVALID, BODY_RESET_LINK_VALID, BODY_RESET_SENT,
                        BODY_VERIFICATION_SENT, BODY_VERIFIED, BODY_VERIFY_LINK_INVALID,
                        SUBJECT_RESET, SUBJECT_VERIFY, TITLE_RESET_INVALID,
                        TITLE_VERIFY_INVALID, extract_link, link_path, page_title)
from authd_testlib import random_password

LIFETIME = 3  # seconds; a link is good for at least LIFETIME - 1 s (times are whole seconds)
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def short_authd(module_factory, smtp_sink):
    return module_factory(smtp_sink.env(AUTH_EMAIL_VERIFICATION_LIFETIME=str(LIFETIME),
                                        AUTH_PASSWORD_RESET_LIFETIME=f"{LIFETIME}s"))


@pytest.fixture(scope="module")
def issued(short_authd, smtp_sink):
    """Issues the links; records how they answered at once, and when they must be dead."""
    client = short_authd.client()
    late, early, resetting = client.register(), client.register(), client.register()
    r = client.post("/api/auth/password_reset/", json={"email": resetting.email})
    assert (r.status_code, r.json()) == (200, BODY_RESET_SENT)
    expired_at = time.time() + LIFETIME + 0.05

    def link(user, subject, route):
        return extract_link(smtp_sink.wait_for(to=user.email, subject=subject), route)

    messages = {"verify": smtp_sink.wait_for(to=late.email, subject=SUBJECT_VERIFY),
                "reset": smtp_sink.wait_for(to=resetting.email, subject=SUBJECT_RESET)}
    links = {"late": extract_link(messages["verify"], "/api/auth/verify_email/"),
             "early": link(early, SUBJECT_VERIFY, "/api/auth/verify_email/"),
             "reset": extract_link(messages["reset"], "/api/auth/reset/")}
    fresh = {"early": client.get(link_path(links["early"]), headers=JSON),
             "reset": client.get(link_path(links["reset"]), headers=JSON)}
    checked_at = time.time()
    return {"client": client, "users": {"late": late, "early": early, "reset": resetting},
            "links": links, "messages": messages, "fresh": fresh, "checked_at": checked_at,
            "expired_at": expired_at}


def wait_until(moment):
    time.sleep(max(0.0, moment - time.time()))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_messages_and_pages_state_the_configured_lifetime(issued):
    """The texts follow AUTH_*_LIFETIME instead of claiming the defaults (24 hours, 1 hour)."""
    client = issued["client"]
    verify, reset = issued["messages"]["verify"], issued["messages"]["reset"]
    assert f"The link works once and expires in {LIFETIME} seconds." in flat(verify.text)
    assert f"The link works once and expires in {LIFETIME} seconds." in flat(reset.text)
    for message in (verify, reset):
        assert "hour" not in message.text and "hour" not in message.html
    r = client.get("/api/auth/password_reset/done/")
    assert f"The link works once and expires in {LIFETIME} seconds." in flat(r.text)
    r = client.get("/api/auth/reset/AAAA/AAAA/")
    assert r.status_code == 400
    assert f"works only once and only for {LIFETIME} seconds," in flat(r.text)
    r = client.get("/api/auth/verify_email/AAAA/AAAA/")
    assert r.status_code == 400
    assert f"works only once and only for {LIFETIME} seconds," in flat(r.text)


def test_verification_link_expires(issued):
    client, users, links = issued["client"], issued["users"], issued["links"]
    # Used in time, a link of this server works.
    early = issued["fresh"]["early"]
    assert (early.status_code, early.json()) == (200, BODY_VERIFIED), early.text
    assert issued["checked_at"] < issued["expired_at"] - 1, "the links were checked too late"

    wait_until(issued["expired_at"])
    r = client.get(link_path(links["late"]), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_VERIFY_LINK_INVALID
    r = client.get(link_path(links["late"]))
    assert r.status_code == 400
    assert page_title(r.text) == TITLE_VERIFY_INVALID

    late = client.login(users["late"])
    assert client.account(late.username, late.access).json()["email_verified"] is False
    early = client.login(users["early"])
    assert client.account(early.username, early.access).json()["email_verified"] is True


def test_a_new_verification_link_replaces_an_expired_one(issued, smtp_sink):
    client, users = issued["client"], issued["users"]
    wait_until(issued["expired_at"])
    late = client.login(users["late"])
    r = client.post("/api/auth/verify_email/", token=late.access)
    assert (r.status_code, r.json()) == (202, BODY_VERIFICATION_SENT)
    message = smtp_sink.wait_for_messages(2, to=late.email, subject=SUBJECT_VERIFY)[1]
    r = client.get(link_path(extract_link(message, "/api/auth/verify_email/")), headers=JSON)
    assert (r.status_code, r.json()) == (200, BODY_VERIFIED)


def test_reset_link_expires(issued):
    client, user, link = issued["client"], issued["users"]["reset"], issued["links"]["reset"]
    fresh = issued["fresh"]["reset"]
    assert (fresh.status_code, fresh.json()) == (200, BODY_RESET_LINK_VALID), fresh.text
    assert issued["checked_at"] < issued["expired_at"] - 1, "the links were checked too late"

    wait_until(issued["expired_at"])
    r = client.get(link_path(link))
    assert r.status_code == 400
    assert page_title(r.text) == TITLE_RESET_INVALID
    assert "<form" not in r.text
    r = client.get(link_path(link), headers=JSON)
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    password = random_password()
    r = client.post(link_path(link), json={"new_password": password, "new_password2": password})
    assert r.status_code == 400
    assert r.json() == BODY_RESET_LINK_INVALID
    assert client.login_raw(user.username, user.password).status_code == 200
    assert client.login_raw(user.username, password).status_code == 401
