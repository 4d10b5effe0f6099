"""The password reset pages in a real browser: headless Chromium driven through Selenium
(Debian's chromium, chromium-driver and python3-selenium).

authd delivers to an SMTP sink of this module, and its AUTH_PUBLIC_URL is its own base URL, so
the browser opens the link exactly as it arrives by e-mail. What only a browser shows is checked
here: the page's stylesheet survives its own Content-Security-Policy, the CSRF cookie (Path,
SameSite=Strict, HttpOnly) comes back with the form post, the empty form action posts to the
link itself, and the 303 after the post lands on the "done" page."""


import pytest

from authd_browser import headless_chromium
from authd_mail import SmtpSink, extract_link
from authd_testlib import (BODY_BAD_LOGIN, BODY_REFRESH_INVALID, MSG_PASSWORD_MISMATCH,
                           MSG_PASSWORD_SHORT, random_password)


RESET_SUBJECT = "Reset your password"
FORM_TITLE = "Choose a new password"
DONE_TITLE = "Your password has been changed"
INVALID_TITLE = "This link is invalid or has expired"
CSRF_MESSAGE = "This form has expired or was not sent from this page. Please try again."
BUTTON_BACKGROUND = "rgb(31, 95, 209)"  # #1f5fd1, from the page's own stylesheet
WAIT = 10  # seconds for the browser to load a page


# ----------------------------------------------------------------------------------------------
# fixtures

@pytest.fixture(scope="module")
def browser():
    with headless_chromium(WAIT) as driver:
        yield driver


@pytest.fixture(scope="module")
def sink():
    smtp = SmtpSink()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="module")
def mail_server(module_factory, sink):
    # AUTH_PUBLIC_URL=None drops the sink's example origin: authd_testlib then sets it to the
    # server's own base URL (http://127.0.0.1:<port>), so the browser can follow the link.
    return module_factory(sink.env(AUTH_PUBLIC_URL=None))


@pytest.fixture
def client(mail_server):
    return mail_server.client()


# ----------------------------------------------------------------------------------------------
# helpers

def request_reset_link(client, sink, server) -> tuple:
    """Registers a user, asks for a reset link and returns (user, link) as delivered."""
    user = client.register()
    r = client.post("/api/auth/password_reset/", json={"email": user.email})
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert r.json() == {"detail": "Password reset e-mail has been sent."}
    message = sink.wait_for(to=user.email, subject=RESET_SUBJECT)
    link = extract_link(message, "/api/auth/reset/")
    assert link.startswith(server.base_url + "/api/auth/reset/"), link
    assert link.endswith("/"), link
    return user, link


def by():
    from selenium.webdriver.common.by import By
    return By


def heading(driver) -> str:
    return driver.find_element(by().TAG_NAME, "h1").text


def computed_style(driver, element, name: str) -> str:
    return driver.execute_script(
        "return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])", element, name)


def csp_errors(driver) -> list:
    """Console messages about the Content-Security-Policy since the last call."""
    from selenium.common.exceptions import WebDriverException
    try:
        entries = driver.get_log("browser")
    except WebDriverException:  # a driver without the log endpoint: computed styles still tell
        return []
    return [e["message"] for e in entries if "Content Security Policy" in e["message"]
            or "Content-Security-Policy" in e["message"]]


def assert_form_page(driver):
    """The reset form as a browser sees it: accessible, styled, with its CSRF field."""
    B = by()
    assert heading(driver) == FORM_TITLE
    assert driver.title == FORM_TITLE
    viewport = driver.find_elements(B.CSS_SELECTOR, 'meta[name="viewport"]')
    assert len(viewport) == 1, driver.page_source
    assert "width=device-width" in viewport[0].get_attribute("content")
    assert "initial-scale=1" in viewport[0].get_attribute("content")

    forms = driver.find_elements(B.TAG_NAME, "form")
    assert len(forms) == 1
    assert forms[0].get_attribute("method") == "post"
    # The empty action posts back to the link itself.
    assert forms[0].get_attribute("action") == driver.current_url

    # Every visible input has a label whose `for` names its id, and every label names one.
    labels = driver.find_elements(B.TAG_NAME, "label")
    label_for = {label.get_attribute("for"): label.text for label in labels}
    assert None not in label_for and "" not in label_for, label_for
    visible = [i for i in driver.find_elements(B.TAG_NAME, "input")
               if i.get_attribute("type") != "hidden"]
    assert sorted(i.get_attribute("id") for i in visible) == ["new_password", "new_password2"]
    for field in visible:
        assert field.get_attribute("type") == "password"
        assert field.get_attribute("autocomplete") == "new-password"
        assert field.get_attribute("id") in label_for, (field.get_attribute("id"), label_for)
        assert field.is_displayed()
    for target in label_for:
        assert len(driver.find_elements(B.ID, target)) == 1, target
    assert label_for["new_password"] == "New password"
    assert label_for["new_password2"] == "New password (again)"

    hidden = driver.find_elements(B.CSS_SELECTOR, 'input[type="hidden"][name="csrf_token"]')
    assert len(hidden) == 1 and len(hidden[0].get_attribute("value")) >= 32

    # The inline stylesheet is allowed by its hash in the CSP: the browser applied it.
    button = driver.find_element(B.CSS_SELECTOR, 'button[type="submit"]')
    assert computed_style(driver, button, "background-color") == BUTTON_BACKGROUND
    assert csp_errors(driver) == []


def submit_passwords(driver, password, password2):
    """Types into the two fields and submits; returns once the next page has loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    B = by()
    first = driver.find_element(B.ID, "new_password")
    first.clear()
    first.send_keys(password)
    second = driver.find_element(B.ID, "new_password2")
    second.clear()
    second.send_keys(password2)
    # A mark on the old document (set through the driver, which the page's CSP does not
    # govern): the next page is there once the mark is gone and it has loaded. (Waiting for
    # the old element to go stale races with the navigation in chromedriver.)
    driver.execute_script("window.__authd_old_page = true")
    driver.find_element(B.CSS_SELECTOR, 'button[type="submit"]').click()
    WebDriverWait(driver, WAIT, poll_frequency=0.05,
                  ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.__authd_old_page === undefined && document.readyState === 'complete'"))


def error_messages(driver) -> list:
    B = by()
    boxes = driver.find_elements(B.CSS_SELECTOR, 'ul.errors[role="alert"]')
    assert len(boxes) == 1, driver.page_source
    assert boxes[0].is_displayed()
    return [item.text for item in boxes[0].find_elements(B.TAG_NAME, "li")]


def open_page(driver, url):
    driver.get(url)
    csp_errors(driver)  # start each page with an empty console


# ----------------------------------------------------------------------------------------------
# tests

def test_reset_in_the_browser_changes_the_password(browser, client, sink, mail_server):
    user, link = request_reset_link(client, sink, mail_server)
    session = client.login(user)  # a session from before the reset: it must end

    browser.get(link)
    assert browser.current_url == link
    assert_form_page(browser)
    # The CSRF cookie is set for the reset pages, HttpOnly, SameSite=Strict.
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert "authd_csrf" in cookies, cookies
    csrf_cookie = cookies["authd_csrf"]
    assert csrf_cookie["path"] == "/api/auth/reset/"
    assert csrf_cookie["httpOnly"] is True
    assert csrf_cookie["sameSite"] == "Strict"
    assert csrf_cookie["secure"] is False  # AUTH_PUBLIC_URL is http://

    new_password = random_password()
    submit_passwords(browser, new_password, new_password)

    # 303 → GET /api/auth/reset/done/
    assert browser.current_url == mail_server.base_url + "/api/auth/reset/done/"
    assert heading(browser) == DONE_TITLE
    assert "log in again with your new password" in browser.find_element(
        by().TAG_NAME, "main").text
    assert browser.find_elements(by().TAG_NAME, "form") == []
    main = browser.find_element(by().TAG_NAME, "main")
    assert computed_style(browser, main, "max-width") == "448px"  # 28rem: styled
    assert csp_errors(browser) == []

    r = client.login_raw(user.username, new_password)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401, f"{r.status_code} {r.text}"
    assert r.json() == BODY_BAD_LOGIN
    # Every session of before the reset is gone.
    r = client.refresh(session.refresh)
    assert r.status_code == 401 and r.json() == BODY_REFRESH_INVALID, r.text
    # A reset notice follows.
    sink.wait_for(to=user.email, subject="Your password was reset")

    # The link worked once.
    open_page(browser, link)
    assert heading(browser) == INVALID_TITLE
    assert browser.find_elements(by().TAG_NAME, "form") == []


def test_tampered_link_shows_the_invalid_page(browser, client, sink, mail_server):
    user, link = request_reset_link(client, sink, mail_server)
    # The token is the last path segment: change its last character.
    prefix, token, _ = link.rsplit("/", 2)
    tampered_token = token[:-1] + ("A" if token[-1] != "A" else "B")
    tampered = f"{prefix}/{tampered_token}/"
    assert tampered != link

    browser.get(tampered)
    assert heading(browser) == INVALID_TITLE
    assert browser.title == INVALID_TITLE
    assert "ask for a new password reset link" in browser.find_element(
        by().TAG_NAME, "main").text
    assert browser.find_elements(by().TAG_NAME, "form") == []
    assert browser.find_elements(by().TAG_NAME, "input") == []
    assert len(browser.find_elements(by().CSS_SELECTOR, 'meta[name="viewport"]')) == 1
    assert csp_errors(browser) == []

    # The tampered link spent nothing: the real one still shows the form, and the password
    # is unchanged.
    open_page(browser, link)
    assert heading(browser) == FORM_TITLE
    assert client.login_raw(user.username, user.password).status_code == 200


def test_refused_passwords_show_the_form_again_with_the_errors(browser, client, sink,
                                                               mail_server):
    user, link = request_reset_link(client, sink, mail_server)
    browser.get(link)
    assert_form_page(browser)

    # Too short (the browser does not stop it: the form has no minlength).
    submit_passwords(browser, "short-pw", "short-pw")
    assert browser.current_url == link
    assert error_messages(browser) == [MSG_PASSWORD_SHORT]
    assert_form_page(browser)
    # The typed passwords are not sent back.
    assert browser.find_element(by().ID, "new_password").get_attribute("value") == ""

    # Mismatched.
    good = random_password()
    submit_passwords(browser, good, good + "x")
    assert browser.current_url == link
    assert error_messages(browser) == [MSG_PASSWORD_MISMATCH]
    assert_form_page(browser)

    # Without the CSRF cookie (a form from elsewhere, or cookies cleared): refused with a
    # fresh form and a fresh cookie.
    browser.delete_cookie("authd_csrf")
    submit_passwords(browser, good, good)
    assert browser.current_url == link
    assert error_messages(browser) == [CSRF_MESSAGE]
    assert_form_page(browser)
    assert client.login_raw(user.username, user.password).status_code == 200  # unchanged

    # The refused attempts spent nothing: the link still works from the re-shown form.
    submit_passwords(browser, good, good)
    assert browser.current_url == mail_server.base_url + "/api/auth/reset/done/"
    assert heading(browser) == DONE_TITLE
    assert client.login_raw(user.username, good).status_code == 200
