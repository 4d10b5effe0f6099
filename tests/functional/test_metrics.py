"""GET /metrics: the Prometheus text format (0.0.4), counters that move by exactly what was
done, and the optional AUTH_METRICS_TOKEN."""

import math
import re
import time

import pytest

from authd_testlib import (BODY_NOT_AUTHENTICATED, BODY_TOKEN_NOT_VALID, random_password,
                           unique_name)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METRICS_TOKEN = "scrape-" + "x7Kq2mPz9w"  # ≥ 12 characters
CACHE_SECONDS = 5  # authd_active_sessions and authd_outbox_pending are read at most this often

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

EXPECTED_FAMILIES = {
    "authd_http_requests_total": "counter",
    "authd_http_request_duration_seconds": "histogram",
    "authd_logins_total": "counter",
    "authd_password_hashes_total": "counter",
    "authd_hash_pool_queue_depth": "gauge",
    "authd_hash_pool_wait_seconds": "histogram",
    "authd_db_pool_connections": "gauge",
    "authd_outbox_pending": "gauge",
    "authd_outbox_delivery_failures_total": "counter",
    "authd_outbox_sent_total": "counter",
    "authd_active_sessions": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_start_time_seconds": "gauge",
}
LOGIN_OUTCOMES = {"success", "second_factor_required", "wrong_password", "unknown_account",
                  "inactive_account", "throttled", "wrong_code", "passkey_refused"}


# ----------------------------------------------------------------------------------------------
# a small parser of the text exposition format, strict enough to catch malformed output

class Exposition:
    def __init__(self):
        self.types = {}    # family -> counter | gauge | histogram | ...
        self.helps = {}    # family -> text
        self.samples = {}  # (name, frozenset of (label, value)) -> float

    def value(self, name, **labels):
        """The sample's value; 0 for a labelled series not seen yet (counters start there)."""
        key = (name, frozenset(labels.items()))
        if key in self.samples:
            return self.samples[key]
        assert labels, f"{name} is missing"
        return 0.0

    def labelled(self, name):
        return [(dict(labels), v) for (n, labels), v in self.samples.items() if n == name]


def _parse_labels(text, pos, line):
    """Parses `{a="b",c="d"}` from text[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        if text[pos] == "}":
            return labels, pos + 1
        end = text.index("=", pos)
        name = text[pos:end]
        assert LABEL_NAME.match(name), f"bad label name {name!r} in {line!r}"
        assert name not in labels, f"label {name} twice in {line!r}"
        assert text[end + 1] == '"', f"unquoted label value in {line!r}"
        pos = end + 2
        value = []
        while text[pos] != '"':
            if text[pos] == "\\":
                escaped = text[pos + 1]
                assert escaped in '\\"n', f"bad escape \\{escaped} in {line!r}"
                value.append("\n" if escaped == "n" else escaped)
                pos += 2
            else:
                assert text[pos] != "\n"
                value.append(text[pos])
                pos += 1
        labels[name] = "".join(value)
        pos += 1
        if text[pos] == ",":
            pos += 1
        else:
            assert text[pos] == "}", f"expected , or }} in {line!r}"


def _family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return name[: -len(suffix)]
    return name


def parse_exposition(text):
    assert text.endswith("\n"), "the exposition ends with a newline"
    result = Exposition()
    finished = set()  # families whose samples are done: they must not come back
    current = None
    for line in text.split("\n")[:-1]:
        assert line.strip() == line and line, f"stray whitespace or empty line: {line!r}"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert NAME.match(name), f"bad metric name in {line!r}"
                if name != current:
                    if current:
                        finished.add(current)
                    assert name not in finished, f"{name} comes back after other families"
                    current = name
                if parts[1] == "TYPE":
                    assert name not in result.types, f"two TYPE lines for {name}"
                    assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped")
                    result.types[name] = parts[3]
                else:
                    assert name not in result.helps, f"two HELP lines for {name}"
                    assert name not in result.types, f"HELP after TYPE for {name}"
                    result.helps[name] = parts[3] if len(parts) > 3 else ""
            continue
        brace = line.find("{")
        space = line.find(" ")
        if brace != -1 and brace < space:
            name = line[:brace]
            labels, pos = _parse_labels(line, brace, line)
            rest = line[pos:]
        else:
            name, labels, rest = line[:space], {}, line[space:]
        assert NAME.match(name), f"bad metric name in {line!r}"
        assert rest.startswith(" "), f"no value in {line!r}"
        fields = rest[1:].split(" ")
        assert 1 <= len(fields) <= 2, f"bad value in {line!r}"
        value = float(fields[0])  # also "+Inf", "-Inf", "NaN"
        family = _family_of(name, result.types)
        assert family in result.types, f"{name} has no TYPE line before it"
        if family != current:
            if current:
                finished.add(current)
            assert family not in finished, f"{family} samples are not together"
            current = family
        key = (name, frozenset(labels.items()))
        assert key not in result.samples, f"duplicate series {line!r}"
        result.samples[key] = value
    _check_histograms(result)
    return result


def _check_histograms(result):
    for family, kind in result.types.items():
        if kind != "histogram":
            continue
        groups = {}
        for (name, labels), value in result.samples.items():
            if name == family + "_bucket":
                labels = dict(labels)
                le = labels.pop("le")
                groups.setdefault(frozenset(labels.items()), []).append((float(le), value))
        for labels, buckets in groups.items():
            buckets.sort()
            counts = [count for _, count in buckets]
            assert counts == sorted(counts), f"{family} buckets are not cumulative"
            assert math.isinf(buckets[-1][0]), f"{family} has no +Inf bucket"
            total = result.samples[(family + "_count", labels)]
            assert buckets[-1][1] == total, f"{family}: +Inf bucket != _count"
            assert (family + "_sum", labels) in result.samples, f"{family} has no _sum"


def test_parser_catches_malformed_output():
    good = ('# HELP a_total A "thing" \\\\ counted.\n# TYPE a_total counter\n'
            'a_total{x="q\\"uo\\\\te\\n",y="2"} 3\n'
            "# TYPE h histogram\n"
            'h_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.75\nh_count 2\n')
    parsed = parse_exposition(good)
    assert parsed.value("a_total", x='q"uo\\te\n', y="2") == 3
    assert parsed.value("h_count") == 2
    for bad in ["a_total 1\n",                                          # no TYPE
                "# TYPE a counter\na{x=1} 1\n",                         # unquoted
                "# TYPE a counter\na 1\na 2\n",                         # duplicate
                "# TYPE a counter\na 1",                                # no final newline
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                "h_sum 1\nh_count 1\n",                                 # not cumulative
                "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  # no +Inf
                "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\n# TYPE c gauge\nc 1\na 2\n"]:
        with pytest.raises((AssertionError, ValueError, IndexError)):
            parse_exposition(bad)


# ----------------------------------------------------------------------------------------------
# helpers

def scrape(client, token=None):
    r = client.get("/metrics", token=token)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPE
    return parse_exposition(r.text)


def logins(exposition):
    return {outcome: exposition.value("authd_logins_total", outcome=outcome)
            for outcome in LOGIN_OUTCOMES}


def moved(before, after, **expected):
    """The outcomes whose counts changed, with how much: exactly `expected`."""
    changes = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    assert changes == expected, f"logins moved by {changes}, expected {expected}"


def requests_count(exposition, route, method, status):
    return exposition.value("authd_http_requests_total", route=route, method=method,
                            status=str(status))


def hashes(exposition):
    return exposition.value("authd_password_hashes_total")


# ----------------------------------------------------------------------------------------------
# the open endpoint

def test_scrape_is_prometheus_text_with_every_family(client):
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.headers.get("Cache-Control") == "no-store"
    parsed = parse_exposition(r.text)
    for family, kind in EXPECTED_FAMILIES.items():
        assert parsed.types.get(family) == kind, f"{family}: {parsed.types.get(family)}"
        assert parsed.helps.get(family), f"{family} has no HELP"
    for name in parsed.types:
        assert name.startswith("authd_") or name.startswith("process_"), name
    assert {labels["outcome"] for labels, _ in parsed.labelled("authd_logins_total")} \
        == LOGIN_OUTCOMES
    states = {labels["state"] for labels, _ in parsed.labelled("authd_db_pool_connections")}
    assert states == {"in_use", "idle"}
    assert parsed.value("authd_hash_pool_queue_depth") >= 0
    assert parsed.value("authd_outbox_pending") >= 0
    assert parsed.value("authd_active_sessions") >= 0
    assert parsed.value("process_resident_memory_bytes") > 1024 * 1024
    assert abs(parsed.value("process_start_time_seconds") - time.time()) < 3600
    # The health check that start-up made is there, labelled by its route name.
    assert requests_count(parsed, "healthz", "GET", 200) >= 1
    assert parsed.value("authd_http_request_duration_seconds_count", route="healthz") >= 1
    # Argon2id already ran: the dummy hash that unknown names are checked against.
    assert hashes(parsed) >= 1


def test_head_and_trailing_slash_answer_too(client):
    r = client.request("HEAD", "/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.content == b""
    assert client.get("/metrics/").status_code == 200
    assert client.post("/metrics").status_code == 405


def test_each_scrape_counts_itself_once(client):
    first = scrape(client)
    second = scrape(client)
    # A scrape is counted just before its answer leaves: the second sees the first.
    assert (requests_count(second, "metrics", "GET", 200)
            == requests_count(first, "metrics", "GET", 200) + 1)
    assert (second.value("authd_http_request_duration_seconds_count", route="metrics")
            == first.value("authd_http_request_duration_seconds_count", route="metrics") + 1)


def test_logins_and_hashes_move_by_exactly_what_happened(client):
    user = client.register()
    before = scrape(client)
    client.login(user)
    after = scrape(client)
    moved(logins(before), logins(after), success=1)
    assert hashes(after) - hashes(before) == 1
    assert requests_count(after, "login", "POST", 200) - requests_count(before, "login", "POST",
                                                                         200) == 1

    before = after
    r = client.login_raw(user.username, "not " + user.password)
    assert r.status_code == 401
    after = scrape(client)
    moved(logins(before), logins(after), wrong_password=1)
    assert hashes(after) - hashes(before) == 1
    assert requests_count(after, "login", "POST", 401) - requests_count(before, "login", "POST",
                                                                         401) == 1

    before = after
    r = client.login_raw(unique_name("ghost"), random_password())
    assert r.status_code == 401
    after = scrape(client)
    moved(logins(before), logins(after), unknown_account=1)
    # An unknown name costs what a known one does: one Argon2id computation.
    assert hashes(after) - hashes(before) == 1
    assert requests_count(after, "login", "POST", 401) - requests_count(before, "login", "POST",
                                                                         401) == 1
    assert (after.value("authd_http_request_duration_seconds_count", route="login")
            - before.value("authd_http_request_duration_seconds_count", route="login")) == 1


def test_registration_costs_one_hash_and_a_bad_body_none(client):
    before = scrape(client)
    client.register()
    after = scrape(client)
    assert hashes(after) - hashes(before) == 1
    assert (requests_count(after, "account_create", "POST", 201)
            - requests_count(before, "account_create", "POST", 201)) == 1
    before = after
    r = client.post("/api/auth/login", json={"username": "x"})
    assert r.status_code == 400
    after = scrape(client)
    assert hashes(after) == hashes(before)
    moved(logins(before), logins(after))


@pytest.fixture(scope="module")
def account_limit_server(module_factory):
    # The account's hourly limit refuses here, not the pair's backoff: the backoff's first wait
    # is 1 s, which a slow machine (the ASan run) can let lapse before the next try.
    return module_factory({"AUTH_LOGIN_FAILURES_PER_ACCOUNT": "3",
                           "AUTH_LOGIN_BACKOFF_AFTER": "1000"})


def test_a_throttled_login_costs_no_hash(account_limit_server):
    client = account_limit_server.client()
    user = client.register()
    for _ in range(3):
        assert client.login_raw(user.username, "wrong " + user.password).status_code == 401
    before = scrape(client)
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 429
    after = scrape(client)
    moved(logins(before), logins(after), throttled=1)
    assert hashes(after) == hashes(before)
    assert requests_count(after, "login", "POST", 429) - requests_count(before, "login", "POST",
                                                                         429) == 1


def test_unrouted_requests_are_unmatched(client):
    before = scrape(client)
    assert client.get("/no/such/path").status_code == 404
    assert client.delete("/metrics").status_code == 405
    after = scrape(client)
    assert (requests_count(after, "unmatched", "GET", 404)
            - requests_count(before, "unmatched", "GET", 404)) == 1
    assert (requests_count(after, "unmatched", "DELETE", 405)
            - requests_count(before, "unmatched", "DELETE", 405)) == 1
    # The path never becomes a label: nothing a client sends can add series at will.
    assert "/no/such/path" not in client.get("/metrics").text


def test_sessions_and_outbox_gauges_follow_the_database(authd_factory):
    server = authd_factory()  # its own, so that no other test's e-mails are in flight
    client = server.client()
    before = scrape(client)
    assert before.value("authd_outbox_sent_total") == 0
    assert before.value("authd_active_sessions") == 0
    first = client.login(client.register())  # a verification e-mail, and a session
    second = client.login(client.register())
    assert client.logout(first.refresh).status_code == 200
    # The console transport delivers at once; the sender looks twice a second.
    deadline = time.monotonic() + 10
    while scrape(client).value("authd_outbox_sent_total") < 2:
        assert time.monotonic() < deadline, "the verification e-mails were not counted as sent"
        time.sleep(0.1)
    time.sleep(CACHE_SECONDS + 0.2)
    middle = scrape(client)
    assert middle.value("authd_outbox_sent_total") == 2
    assert middle.value("authd_outbox_delivery_failures_total") == 0
    assert middle.value("authd_outbox_pending") == 0
    assert middle.value("authd_active_sessions") == 1
    assert client.logout(second.refresh).status_code == 200
    time.sleep(CACHE_SECONDS + 0.2)
    after = scrape(client)
    assert after.value("authd_active_sessions") == 0
    # Between requests only the background threads may hold a connection: the outbox sender's
    # poll (twice a second) and the maintenance pass; requests leave none in use.
    assert after.value("authd_db_pool_connections", state="in_use") <= 2
    assert after.value("authd_db_pool_connections", state="idle") >= 1
    assert after.value("authd_hash_pool_queue_depth") == 0


def test_hash_pool_wait_histogram_counts_every_hash(client):
    before = scrape(client)
    client.login(client.register())
    after = scrape(client)
    assert (after.value("authd_hash_pool_wait_seconds_count")
            - before.value("authd_hash_pool_wait_seconds_count")) == 2
    assert (after.value("authd_hash_pool_wait_seconds_count")
            == after.value("authd_hash_pool_wait_seconds_bucket", le="+Inf"))


# ----------------------------------------------------------------------------------------------
# AUTH_METRICS_TOKEN

@pytest.fixture(scope="module")
def guarded(module_factory):
    return module_factory({"AUTH_METRICS_TOKEN": METRICS_TOKEN})


def test_token_is_required_when_configured(guarded):
    client = guarded.client()
    r = client.get("/metrics")
    assert r.status_code == 401
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    for wrong in ["wrong-token-value", METRICS_TOKEN + "x", METRICS_TOKEN[:-1],
                  METRICS_TOKEN.upper()]:
        r = client.get("/metrics", token=wrong)
        assert r.status_code == 401, wrong
        assert r.json() == BODY_TOKEN_NOT_VALID
        assert "authd_" not in r.text
    r = client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
    assert r.status_code == 401
    r = client.request("HEAD", "/metrics")
    assert r.status_code == 401

    parsed = scrape(client, token=METRICS_TOKEN)
    assert requests_count(parsed, "metrics", "GET", 401) >= 6
    r = client.get("/metrics", headers={"Authorization": f"bearer {METRICS_TOKEN}"})
    assert r.status_code == 200
    # Everything else is unchanged.
    assert client.get("/healthz").status_code == 200


def test_token_never_reaches_the_log(guarded):
    client = guarded.client()
    scrape(client, token=METRICS_TOKEN)
    client.get("/metrics", token=METRICS_TOKEN + "-wrong")
    assert METRICS_TOKEN not in guarded.log()


def test_too_short_a_token_stops_start_up(authd_factory):
    server = authd_factory({"AUTH_METRICS_TOKEN": "short"}, start=False)
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout=5)
    assert "AUTH_METRICS_TOKEN" in str(failure.value)
