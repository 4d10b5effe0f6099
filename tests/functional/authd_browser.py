"""Headless Chromium for the browser tests, driven through Selenium (Debian's chromium,
chromium-driver and python3-selenium)."""

import contextlib
import os
import shutil
import tempfile

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@contextlib.contextmanager
def headless_chromium(page_load_timeout: float):
    """A Chromium with a new empty profile, a phone-sized window and its console log kept (it
    shows Content-Security-Policy violations). Skips the test when the browser is missing."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(f"headless browser test needs Debian's chromium and chromium-driver; "
                    f"missing: {', '.join(missing)}")
    # Installed together with the binaries in this setup; an import failure must fail.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="authd-chromium-", dir="/tmp")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=420,900",
                     "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking",
                     f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
