"""Passkeys end to end in a real browser: headless Chromium driven through Selenium (Debian's
chromium, chromium-driver and python3-selenium), with Chromium's virtual authenticator (CTAP2,
built in, resident keys, user verification) standing for the device.

Everything happens on the demo page (GET /api/auth/passkeys/demo) and its client module
(GET /api/auth/webauthn.js), as a user would do it: log in with the password, add a passkey,
log out, log in with the passkey alone; and, on an account with two-factor authentication,
the password first and the passkey as the second factor. The tokens the page keeps in
sessionStorage are then used on the API from Python. The page must run under its own
Content-Security-Policy without a single violation in the console.

Browsers refuse an IP address as a WebAuthn RP id, so authd's public URL (whose host and origin
are the RP id and the allowed origin by default) is http://localhost:<its port>, and the
browser opens the page there."""

from urllib.parse import quote

import pytest

from authd_browser import headless_chromium
from authd_testlib import (TwoFactorKit, assert_opaque_refresh, assert_refresh_invalid,
                           jwt_claims)


DEMO_PATH = "/api/auth/passkeys/demo"
NOT_LOGGED_IN = "Not logged in."
BUTTON_BACKGROUND = "rgb(31, 95, 209)"  # #1f5fd1, from the page's own stylesheet
WAIT = 10  # seconds for the page to reach the next state


# ----------------------------------------------------------------------------------------------
# fixtures

@pytest.fixture
def browser():
    """A fresh Chromium per test: no sessionStorage nor passkey carries over between tests."""
    with headless_chromium(WAIT) as driver:
        yield driver


@pytest.fixture(scope="module")
def server(module_factory, smtp_sink):
    # The e-mail verification link of the two-factor setup is read from the sink.
    return module_factory(smtp_sink.env(AUTH_PUBLIC_URL="http://localhost:{port}"))


@pytest.fixture
def kit(client, smtp_sink):
    return TwoFactorKit(client, smtp_sink)


# ----------------------------------------------------------------------------------------------
# the demo page

def by():
    from selenium.webdriver.common.by import By
    return By


def csp_errors(driver) -> list:
    """Console messages about the Content-Security-Policy since the last call."""
    entries = driver.get_log("browser")
    return [e["message"] for e in entries if "Content Security Policy" in e["message"]
            or "Content-Security-Policy" in e["message"]]


class DemoPage:
    """The demo page in one browser tab, with a virtual authenticator attached to it."""

    def __init__(self, driver, server):
        self.driver = driver
        self.url = f"http://localhost:{server.port}{DEMO_PATH}"

    def open(self):
        from selenium.webdriver.common.virtual_authenticator import (
            Protocol, Transport, VirtualAuthenticatorOptions)
        self.driver.get(self.url)
        self.wait_for_status(NOT_LOGGED_IN)
        # The inline module ran (the status left "Loading…") and the inline stylesheet applied:
        # both are allowed by their hashes in the page's CSP.
        button = self.element("password-login")
        assert self.driver.execute_script(
            "return getComputedStyle(arguments[0]).backgroundColor", button) == BUTTON_BACKGROUND
        assert csp_errors(self.driver) == []
        self.driver.add_virtual_authenticator(VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
            has_user_verification=True, is_user_verified=True, is_user_consenting=True))

    def json_helpers(self) -> list:
        """The types of WebAuthn Level 3's JSON helpers, which webauthn.js uses when present."""
        return self.driver.execute_script(
            "return [typeof PublicKeyCredential.parseCreationOptionsFromJSON,"
            " typeof PublicKeyCredential.parseRequestOptionsFromJSON,"
            " typeof PublicKeyCredential.prototype.toJSON]")

    def drop_json_helpers(self):
        """Makes the browser look like one of before Level 3, so that webauthn.js converts the
        options and credentials by hand."""
        self.driver.execute_script(
            "delete PublicKeyCredential.parseCreationOptionsFromJSON;"
            "delete PublicKeyCredential.parseRequestOptionsFromJSON;"
            "delete PublicKeyCredential.prototype.toJSON")
        assert self.json_helpers() == ["undefined"] * 3

    def element(self, element_id):
        return self.driver.find_element(by().ID, element_id)

    def shown(self, element_id) -> bool:
        return self.element(element_id).is_displayed()

    def type(self, element_id, text):
        field = self.element(element_id)
        field.clear()
        field.send_keys(text)

    def click(self, element_id):
        self.element(element_id).click()

    def wait_for_status(self, expected):
        """Waits until the status line reads `expected`; fails at once on an error shown."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        def reached(driver):
            if self.shown("error"):
                raise AssertionError(f"the page shows an error: {self.element('error').text!r}"
                                     f" (waiting for {expected!r})")
            return self.element("status").text == expected

        try:
            WebDriverWait(self.driver, WAIT, poll_frequency=0.05).until(reached)
        except TimeoutException:
            raise AssertionError(f"the status is {self.element('status').text!r} after {WAIT}s,"
                                 f" not {expected!r}") from None

    def log_in_with_password(self, user):
        self.type("username", user.username)
        self.type("password", user.password)
        self.click("password-login")

    def add_passkey(self, user, name):
        self.type("passkey-name", name)
        self.click("add-passkey")
        self.wait_for_status(f'Passkey "{name}" added. Logged in as {user.username}')
        items = [item.text for item in
                 self.element("passkeys").find_elements(by().TAG_NAME, "li")]
        assert len(items) == 1 and items[0].startswith(f"{name} (added "), items

    def log_out(self):
        self.click("logout")
        self.wait_for_status(NOT_LOGGED_IN)
        assert self.stored_tokens() == {"access": None, "refresh": None}
        assert self.shown("anonymous") and not self.shown("account")

    def stored_tokens(self) -> dict:
        return self.driver.execute_script(
            "return {access: sessionStorage.getItem('access'),"
            " refresh: sessionStorage.getItem('refresh')}")

    def assert_logged_in(self, user):
        self.wait_for_status(f"Logged in as {user.username}")
        assert self.shown("account")
        assert not self.shown("anonymous") and not self.shown("second-factor")


@pytest.fixture
def page(browser, server):
    return DemoPage(browser, server)


def assert_page_tokens_work(page, client, user) -> dict:
    """The tokens the page stored are the user's, and the API takes its access token."""
    tokens = page.stored_tokens()
    assert jwt_claims(tokens["access"])["username"] == user.username
    assert_opaque_refresh(tokens["refresh"], user.username)
    r = client.get("/api/auth/" + quote(user.username, safe=""), token=tokens["access"])
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert r.json()["username"] == user.username
    return tokens


def assert_one_used_passkey(page, client, user, tokens, name):
    """The account has the one passkey the page added, used for the last login, and the
    virtual authenticator holds it as a discoverable credential of localhost."""
    r = client.get("/api/auth/passkeys/", token=tokens["access"])
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    [passkey] = r.json()["passkeys"]
    assert passkey["name"] == name
    assert passkey["last_used"] is not None
    [credential] = page.driver.get_credentials()
    assert credential.is_resident_credential
    assert credential.rp_id == "localhost"


# ----------------------------------------------------------------------------------------------
# tests

@pytest.mark.parametrize("json_helpers", ["browser", "by hand"])
def test_add_a_passkey_then_log_in_with_it_alone(page, client, json_helpers):
    user = client.register()
    page.open()
    # Chromium has the Level 3 JSON helpers; without them, webauthn.js's own conversions run.
    assert page.json_helpers() == ["function"] * 3
    if json_helpers == "by hand":
        page.drop_json_helpers()

    page.log_in_with_password(user)
    page.assert_logged_in(user)
    password_tokens = assert_page_tokens_work(page, client, user)

    page.add_passkey(user, "Laptop")
    page.log_out()
    assert_refresh_invalid(client.refresh(password_tokens["refresh"]))  # ended on the server

    # No password on the page: the login rests on the passkey alone.
    page.type("username", "")
    page.type("password", "")
    page.click("passkey-login")
    page.assert_logged_in(user)
    tokens = assert_page_tokens_work(page, client, user)
    assert tokens["access"] != password_tokens["access"]
    assert_one_used_passkey(page, client, user, tokens, "Laptop")
    assert csp_errors(page.driver) == []


def test_a_passkey_as_the_second_factor_after_the_password(page, client, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    page.open()

    # Password and app code on the page, then a passkey added to that session.
    page.log_in_with_password(user)
    page.wait_for_status("A second factor is needed: email, totp.")
    assert page.shown("second-factor") and not page.shown("second-factor-passkey")
    page.type("otp-code", app.next_code())
    page.click("otp-submit")
    page.assert_logged_in(user)
    page.add_passkey(user, "Phone")
    page.log_out()

    # The password again: now the passkey is offered as the second factor.
    page.log_in_with_password(user)
    page.wait_for_status("A second factor is needed: email, totp, passkey.")
    assert page.shown("second-factor") and page.shown("second-factor-passkey")
    page.click("second-factor-passkey")
    page.assert_logged_in(user)
    tokens = assert_page_tokens_work(page, client, user)
    assert_one_used_passkey(page, client, user, tokens, "Phone")
    assert csp_errors(page.driver) == []
