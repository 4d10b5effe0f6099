"""Fixtures of the black-box suite: it starts the real `authd` binary (AUTHD_BINARY) on SQLite
or on a private PostgreSQL 15 that the session starts itself (--backend)."""

import os
import signal
import shutil
import tempfile

import pytest

from authd_testlib import LIVE_SERVERS, AuthdServer, PgServer

TEST_TIME_LIMIT = 120  # seconds; a hung test fails instead of hanging CI


def pytest_addoption(parser):
    parser.addoption("--backend", action="store", default="sqlite",
                     choices=("sqlite", "postgres"), help="database of the authd under test")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: needs the PostgreSQL backend")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--backend") != "postgres":
        skip = pytest.mark.skip(reason="PostgreSQL backend only")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in list(LIVE_SERVERS):
            report.sections.append(
                (f"authd log (port {server.port}, tail)", server.log_tail(60)))


@pytest.fixture(autouse=True)
def _time_limit():
    def on_alarm(signum, frame):
        raise TimeoutError(f"test took longer than {TEST_TIME_LIMIT}s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def backend(request):
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def authd_binary():
    path = os.environ.get("AUTHD_BINARY")
    if not path:
        pytest.fail("AUTHD_BINARY is not set (path of the authd executable)")
    if not os.access(path, os.X_OK):
        pytest.fail(f"AUTHD_BINARY={path} is not an executable file")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def pg(backend):
    """The private PostgreSQL server (None on the SQLite backend)."""
    if backend != "postgres":
        yield None
        return
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


class DatabaseFactory:
    def __init__(self, backend, pg):
        self.backend = backend
        self.pg = pg
        self.dirs = []

    def new_url(self) -> str:
        if self.backend == "postgres":
            return self.pg.url(self.pg.create_database())
        d = tempfile.mkdtemp(prefix="authd-db-", dir="/tmp")
        self.dirs.append(d)
        return f"sqlite://{d}/auth.db"

    def cleanup(self):
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def databases(backend, pg):
    factory = DatabaseFactory(backend, pg)
    yield factory
    factory.cleanup()


class ServerFactory:
    """Creates AuthdServer instances, each on a fresh database unless told otherwise."""

    def __init__(self, binary, databases):
        self.binary = binary
        self.databases = databases
        self.servers = []

    def __call__(self, env=None, *, database_url=None, data_dir=None, start=True):
        server = AuthdServer(self.binary, database_url or self.databases.new_url(), env=env,
                             data_dir=data_dir, start=False)
        self.servers.append(server)
        if start:
            try:
                server.start()
            except Exception:
                server.cleanup()
                raise
        return server

    def cleanup(self):
        errors = []
        for server in self.servers:
            try:
                server.cleanup()
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("\n".join(errors))


@pytest.fixture
def authd_factory(authd_binary, databases):
    factory = ServerFactory(authd_binary, databases)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="module")
def module_factory(authd_binary, databases):
    """For module-scoped servers with a special configuration."""
    factory = ServerFactory(authd_binary, databases)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="module")
def server(module_factory):
    """The shared server of a test module (tests use unique usernames)."""
    return module_factory()


@pytest.fixture
def client(server):
    return server.client()


# ----------------------------------------------------------------------------------------------
# e-mail: an SMTP sink (aiosmtpd) and an authd that delivers to it

# A sender with a non-ASCII display name: its header must come out as an RFC 2047 encoded word.
MAIL_FROM = "Authd Sécurité <no-reply@auth.example.test>"


@pytest.fixture(scope="module")
def smtp_sink():
    """The SMTP server of a test module; it keeps every message delivered to it."""
    from authd_mail import SmtpSink  # aiosmtpd is needed by the e-mail tests only
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink_factory():
    """Sinks of one test (each on its own fixed port), for tests that stop and start them."""
    from authd_mail import SmtpSink
    sinks = []

    def make(start: bool = True):
        sink = SmtpSink()
        sinks.append(sink)
        if start:
            sink.start()
        return sink

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture(scope="module")
def mail_authd(module_factory, smtp_sink):
    """The module's authd delivering to `smtp_sink`, with links on authd_mail.PUBLIC_URL."""
    return module_factory(smtp_sink.env(AUTH_EMAIL_FROM=MAIL_FROM))


@pytest.fixture
def mail_client(mail_authd):
    return mail_authd.client()
