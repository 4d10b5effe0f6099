"""Passkeys (docs/API.md "Passkeys"): registration, login with no password, a passkey as the
second factor, management, and the checks of WebAuthn Level 3 §7.1 and §7.2 against credentials
built by a software authenticator written here (webauthn_soft.py: Python's cryptography and
Debian's cbor2), valid and corrupted. The servers' RP id and origin are those of their public
URL, as by default, but where a test names them."""

import json
import threading
import time
from urllib.parse import quote, urlsplit

import pytest

from authd_mail import SUBJECT_RESET, extract_link, link_path
from authd_testlib import (BODY_INVALID_TICKET, BODY_REAUTH_REQUIRED, MSG_REQUIRED,
                           MSG_UNKNOWN_FIELD, TwoFactorKit, assert_tokens,
                           random_password)
from webauthn_soft import (ALG_EDDSA, ALG_ES256, ALG_RS256, CBOR_FAULTS, SoftAuthenticator,
                           b64url, unb64url)

N_PARALLEL = 10
SUBJECT_PASSKEY_ADDED = "A passkey was added to your account"
SUBJECT_PASSKEY_REMOVED = "A passkey was removed from your account"
SUBJECT_PASSWORD_REMOVED = "Your password was removed"
BODY_CHALLENGE_INVALID = {
    "detail": "This passkey challenge is unknown, used or expired: ask for new options.",
    "code": "passkey_challenge_invalid"}
BODY_PASSKEY_UNKNOWN = {"detail": "This passkey is not registered here.",
                        "code": "passkey_unknown"}
BODY_COUNTER_REGRESSED = {
    "detail": "This passkey's signature counter went backwards: it may have been copied. "
              "Log in another way.",
    "code": "passkey_counter_regressed"}
PASSKEY_KEYS = {"id", "name", "created", "last_used", "transports", "backup_eligible",
                "backed_up", "aaguid"}


@pytest.fixture(scope="module")
def server(module_factory, smtp_sink):
    # Refused passkeys count as failed logins of 127.0.0.1: its per-minute cap is lifted.
    return module_factory(smtp_sink.env(AUTH_EMAIL_RETRY_BASE="1",
                                   AUTH_LOGIN_FAILURES_PER_IP="100000"))


@pytest.fixture
def kit(client, smtp_sink):
    return TwoFactorKit(client, smtp_sink)


def public_url(server):
    return server.overrides.get("AUTH_PUBLIC_URL", server.base_url)


def rp_id(server):
    return urlsplit(public_url(server)).hostname


def authenticator(server, **kw):
    """A passkey device on the page of the server's public URL (its default origin)."""
    return SoftAuthenticator(origin=public_url(server), **kw)


def registration_options(client, user, **body):
    r = client.post("/api/auth/passkeys/options", json=body, token=user.access)
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    return r.json()["publicKey"]


def add_passkey(client, user, device, name=None, **faults):
    """Registers a passkey of `device` for `user`; returns the answer."""
    credential = device.create(registration_options(client, user), **faults)
    body = {"credential": credential}
    if name is not None:
        body["name"] = name
    return client.post("/api/auth/passkeys/", json=body, token=user.access)


def registered(client, user, device, name=None):
    r = add_passkey(client, user, device, name)
    assert r.status_code == 201, f"{r.status_code} {r.text}"
    return r.json()


def login_options(client):
    r = client.post("/api/auth/login/passkey/options")
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    return r.json()["publicKey"]


def passkey_login(client, device, **faults):
    credential = device.get(login_options(client), **faults)
    return client.post("/api/auth/login/passkey", json={"credential": credential})


def refused_under_credential(r, *fragments):
    assert r.status_code == 400, f"{r.status_code} {r.text}"
    body = r.json()
    assert list(body) == ["credential"], body
    [message] = body["credential"]
    assert message.startswith("The passkey was refused: "), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def login_metric(client, outcome):
    text = client.get("/metrics").text
    for line in text.splitlines():
        if line.startswith(f'authd_logins_total{{outcome="{outcome}"}}'):
            return int(line.split()[-1])
    raise AssertionError(f"no authd_logins_total for {outcome}")


# ----------------------------------------------------------------------------------------------
# registration (§7.1)

def test_options_are_webauthn_json_and_never_name_the_user_in_the_handle(client, server):
    user = client.new_user()
    options = registration_options(client, user)
    assert options["rp"] == {"id": rp_id(server), "name": "authd"}
    handle = unb64url(options["user"]["id"])
    assert len(handle) == 32 and user.username.encode() not in handle
    assert options["user"]["name"] == options["user"]["displayName"] == user.username
    assert len(unb64url(options["challenge"])) == 32
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [ALG_EDDSA, ALG_ES256, ALG_RS256]
    assert all(p["type"] == "public-key" for p in options["pubKeyCredParams"])
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == []
    assert options["timeout"] == 300000
    assert options["attestation"] == "none"
    # Once a passkey exists, every options answer has its handle (one per account) and
    # excludes it; the challenge is new each time.
    device = authenticator(server)
    registered(client, user, device)
    again = registration_options(client, user)
    assert again["challenge"] != options["challenge"]
    assert unb64url(again["user"]["id"]) == device.credentials[0].user_handle
    assert again["excludeCredentials"] == [{"type": "public-key",
                                            "id": b64url(device.credentials[0].id),
                                            "transports": ["internal"]}]


@pytest.mark.parametrize("algorithm", [ALG_EDDSA, ALG_ES256, ALG_RS256])
@pytest.mark.parametrize("attestation", ["none", "packed"])
def test_each_algorithm_and_format_registers_and_logs_in(client, server, algorithm, attestation):
    user = client.new_user()
    device = authenticator(server, algorithm=algorithm, attestation=attestation)
    passkey = registered(client, user, device, name="Laptop")
    assert set(passkey) == PASSKEY_KEYS
    assert passkey["name"] == "Laptop"
    assert passkey["last_used"] is None
    assert passkey["transports"] == ["internal"]
    assert passkey["aaguid"] == "0" * 32
    assert passkey["backup_eligible"] is False and passkey["backed_up"] is False

    body = assert_tokens(passkey_login(client, device), user.username)
    # The tokens work like a password login's.
    r = client.account(user.username, body["access"])
    assert r.status_code == 200 and r.json()["username"] == user.username
    r = client.get("/api/auth/passkeys/", token=body["access"])
    [listed] = r.json()["passkeys"]
    assert listed["id"] == passkey["id"] and listed["last_used"] is not None


def test_registration_and_removal_need_a_recent_login_or_the_password(module_factory, smtp_sink):
    server = module_factory(smtp_sink.env(AUTH_REAUTH_WINDOW="1s"))
    client = server.client()
    user = client.new_user()
    logged_in_at = time.time()
    passkey = registered(client, user, authenticator(server))
    time.sleep(max(0.0, logged_in_at + 2.2 - time.time()))  # past the window (whole seconds)
    r = client.post("/api/auth/passkeys/options", json={}, token=user.access)
    assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", token=user.access)
    assert r.status_code == 403 and r.json() == BODY_REAUTH_REQUIRED
    r = client.post("/api/auth/passkeys/options", json={"password": user.password},
                    token=user.access)
    assert r.status_code == 200, r.text
    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", json={"password": user.password},
                      token=user.access)
    assert r.status_code == 204


def test_default_names_count_and_bad_names_are_refused_before_the_challenge(client, server):
    user = client.new_user()
    device = authenticator(server)
    assert registered(client, user, device)["name"] == "Passkey 1"
    assert registered(client, user, authenticator(server))["name"] == "Passkey 2"
    options = registration_options(client, user)
    credential = authenticator(server).create(options)
    r = client.post("/api/auth/passkeys/", json={"credential": credential, "name": "é" * 65},
                    token=user.access)
    assert r.status_code == 400
    assert r.json() == {"name": ["Ensure this field has no more than 64 characters."]}
    r = client.post("/api/auth/passkeys/", json={"credential": credential, "name": "a\nb"},
                    token=user.access)
    assert r.status_code == 400
    assert r.json() == {"name": ["Enter a name without control characters."]}
    # The refused name did not spend the challenge.
    r = client.post("/api/auth/passkeys/", json={"credential": credential,
                                                 "name": " Téléphone " + "é" * 54},
                    token=user.access)
    assert r.status_code == 201 and r.json()["name"] == "Téléphone " + "é" * 54


def test_bodies_are_checked(client):
    user = client.new_user()
    r = client.post("/api/auth/passkeys/", json={}, token=user.access)
    assert r.status_code == 400 and r.json() == {"credential": [MSG_REQUIRED]}
    r = client.post("/api/auth/passkeys/", json={"credential": "x"}, token=user.access)
    assert r.status_code == 400 and r.json() == {"credential": ["Must be a JSON object."]}
    r = client.post("/api/auth/login/passkey", json={"credential": {}, "extra": 1})
    assert r.status_code == 400 and r.json() == {"extra": [MSG_UNKNOWN_FIELD]}
    r = client.post("/api/auth/login/passkey", json={"credential": {"id": "a"}})
    assert r.status_code == 400
    assert r.json() == {"credential": ["The passkey was refused: the credential has no rawId "
                                       "string."]}
    r = client.post("/api/auth/passkeys/options", json={})
    assert r.status_code == 401


@pytest.mark.parametrize("faults, fragment", [
    ({"origin": "http://evil.example"}, "origin http://evil.example is not an allowed origin"),
    ({"rp_id": "example.com"}, "another RP id than auth.example.test"),
    ({"type": "webauthn.get"}, "type is not webauthn.create"),
    ({"cross_origin": True}, "cross-origin"),
    ({"user_present": False}, "(UP)"),
    ({"fmt": "fido-u2f"}, "attestation format fido-u2f is not accepted"),
    ({"cbor": "duplicate_key"}, "repeated key"),
    ({"cbor": "trailing_bytes"}, "followed by 1 more bytes"),
    ({"cbor": "truncated"}, "CBOR"),
    ({"cbor": "indefinite"}, "indefinite"),
    ({"backed_up_without_eligible": True}, "BS"),
    ({"extra_authdata_bytes": 3}, "after"),
])
def test_corrupted_registrations_are_refused_naming_the_problem(client, server, faults,
                                                                  fragment):
    user = client.new_user()
    r = add_passkey(client, user, authenticator(server), **faults)
    refused_under_credential(r, fragment)
    assert client.get("/api/auth/passkeys/", token=user.access).json() == {"passkeys": []}


def test_cbor_faults_are_all_covered():
    # The parametrised cases above name every malformation the authenticator can build.
    assert set(CBOR_FAULTS) == {"duplicate_key", "trailing_bytes", "truncated", "indefinite"}


def test_a_bad_self_attestation_signature_is_refused(client, server):
    user = client.new_user()
    r = add_passkey(client, user, authenticator(server, attestation="packed"), bad_signature=True)
    refused_under_credential(r, "signature")


def test_a_challenge_registers_once_and_only_for_its_user(client, server):
    user, other = client.new_user(), client.new_user()
    options = registration_options(client, user)
    device = authenticator(server)
    credential = device.create(options)
    r = client.post("/api/auth/passkeys/", json={"credential": credential}, token=other.access)
    assert r.status_code == 400 and r.json() == BODY_CHALLENGE_INVALID
    # Spent by the failed attempt: the owner must ask again.
    r = client.post("/api/auth/passkeys/", json={"credential": credential}, token=user.access)
    assert r.status_code == 400 and r.json() == BODY_CHALLENGE_INVALID
    options = registration_options(client, user)
    credential = device.create(options)
    r = client.post("/api/auth/passkeys/", json={"credential": credential}, token=user.access)
    assert r.status_code == 201
    r = client.post("/api/auth/passkeys/", json={"credential": credential}, token=user.access)
    assert r.status_code == 400 and r.json() == BODY_CHALLENGE_INVALID


def test_a_credential_registers_once_across_accounts(client, server):
    user, other = client.new_user(), client.new_user()
    device = authenticator(server)
    credential = device.create(registration_options(client, user))
    assert client.post("/api/auth/passkeys/", json={"credential": credential},
                       token=user.access).status_code == 201
    # The same credential id, newly attested for the other account.
    forged = device.create(registration_options(client, other))
    forged_id = credential["id"]
    stolen = json.loads(json.dumps(forged))
    stolen["id"] = stolen["rawId"] = forged_id
    r = client.post("/api/auth/passkeys/", json={"credential": stolen}, token=other.access)
    refused_under_credential(r, "id is not the one in its authenticator data")


def test_user_verification_can_be_required(module_factory):
    server = module_factory({"AUTH_WEBAUTHN_USER_VERIFICATION": "required"})
    client = server.client()
    user = client.new_user()
    options = registration_options(client, user)
    assert options["authenticatorSelection"]["userVerification"] == "required"
    device = authenticator(server, user_verifying=False)
    r = client.post("/api/auth/passkeys/", json={"credential": device.create(options)},
                    token=user.access)
    refused_under_credential(r, "(UV), which is required")
    device = authenticator(server)
    registered(client, user, device)
    assert login_options(client)["userVerification"] == "required"
    r = passkey_login(client, device, user_verified=False)
    assert r.status_code == 401 and r.json()["code"] == "passkey_invalid"
    assert passkey_login(client, device).status_code == 200


def test_an_explicit_rp_id_and_origins(module_factory):
    server = module_factory({"AUTH_WEBAUTHN_RP_ID": "localhost",
                             "AUTH_WEBAUTHN_ORIGINS": "http://localhost:5173"})
    client = server.client()
    user = client.new_user()
    options = registration_options(client, user)
    assert options["rp"]["id"] == "localhost"
    r = add_passkey(client, user, authenticator(server))  # from the server's own origin
    refused_under_credential(r, "is not an allowed origin")
    device = SoftAuthenticator(origin="http://localhost:5173")
    registered(client, user, device)
    assert passkey_login(client, device).status_code == 200


# ----------------------------------------------------------------------------------------------
# login (§7.2)

def test_login_options_allow_any_discoverable_passkey(client, server):
    options = login_options(client)
    assert set(options) == {"challenge", "timeout", "rpId", "allowCredentials",
                            "userVerification"}
    assert options["allowCredentials"] == [] and options["rpId"] == rp_id(server)


@pytest.mark.parametrize("faults, code", [
    ({"origin": "http://evil.example"}, "passkey_invalid"),
    ({"rp_id": "example.com"}, "passkey_invalid"),
    ({"type": "webauthn.create"}, "passkey_invalid"),
    ({"user_present": False}, "passkey_invalid"),
    ({"bad_signature": True}, "passkey_invalid"),
    ({"user_handle": None}, "passkey_invalid"),
    ({"user_handle": b"someone else"}, "passkey_invalid"),
])
def test_corrupted_assertions_are_refused(client, server, faults, code):
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    before = login_metric(client, "passkey_refused")
    r = passkey_login(client, device, **faults)
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["code"] == code
    assert body["detail"].startswith("The passkey could not be verified: ")
    assert "WWW-Authenticate" not in r.headers
    assert login_metric(client, "passkey_refused") == before + 1
    # The passkey still works.
    assert passkey_login(client, device).status_code == 200


def test_a_counter_going_backwards_is_refused_and_recorded(client, server, smtp_sink):
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    assert passkey_login(client, device).status_code == 200  # counter 1
    assert passkey_login(client, device).status_code == 200  # counter 2
    r = passkey_login(client, device, sign_count=1)
    assert r.status_code == 401 and r.json() == BODY_COUNTER_REGRESSED
    # Recorded in the audit log, which the owner's export shows.
    assert client.get("/api/auth/dump_data/", token=user.access).status_code == 202
    message = smtp_sink.wait_for(to=user.email, subject="Your authd data export")
    [(_, _, data)] = message.attachments
    events = [e["event"] for e in json.loads(data)["security_events"]]
    assert "passkey_counter_regressed" in events
    assert events.count("login_succeeded") == 3


def test_unknown_passkeys_and_other_accounts_passkeys(client, server):
    user, other = client.new_user(), client.new_user()
    mine, theirs = authenticator(server), authenticator(server)
    registered(client, user, mine)
    registered(client, other, theirs)
    # A credential nobody registered.
    stranger = authenticator(server)
    stranger.create(registration_options(client, client.new_user()))  # never posted
    r = passkey_login(client, stranger)
    assert r.status_code == 401 and r.json() == BODY_PASSKEY_UNKNOWN
    # Claiming the other account's credential id, signed with my key.
    their_id = theirs.credentials[0].id
    r = passkey_login(client, mine, claimed_id=their_id)
    assert r.status_code == 401 and r.json()["code"] == "passkey_invalid"
    # My credential with the other account's user handle.
    r = passkey_login(client, mine, user_handle=theirs.credentials[0].user_handle)
    assert r.status_code == 401 and r.json()["code"] == "passkey_invalid"


def test_a_login_challenge_works_once(client, server):
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    credential = device.get(login_options(client))
    assert client.post("/api/auth/login/passkey",
                       json={"credential": credential}).status_code == 200
    r = client.post("/api/auth/login/passkey", json={"credential": credential})
    assert r.status_code == 400 and r.json() == BODY_CHALLENGE_INVALID
    # A registration challenge is not a login challenge.
    options = registration_options(client, user)
    credential = device.get({"challenge": options["challenge"], "rpId": rp_id(server),
                             "allowCredentials": []})
    r = client.post("/api/auth/login/passkey", json={"credential": credential})
    assert r.status_code == 400 and r.json() == BODY_CHALLENGE_INVALID


def test_ten_parallel_uses_of_one_challenge_give_one_session(server):
    client = server.client()
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    credential = device.get(login_options(client))
    barrier = threading.Barrier(N_PARALLEL)
    statuses = []

    def use():
        own = server.client()
        barrier.wait(timeout=30)
        statuses.append(own.post("/api/auth/login/passkey",
                                 json={"credential": credential}).status_code)

    threads = [threading.Thread(target=use) for _ in range(N_PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [400] * (N_PARALLEL - 1), statuses
    token = client.login(user).access
    sessions = client.get("/api/auth/sessions", token=token).json()["sessions"]
    assert len(sessions) == 3  # the first login, the passkey's, this one


def test_ten_parallel_registrations_of_one_challenge_give_one_passkey(server):
    client = server.client()
    user = client.new_user()
    credential = authenticator(server).create(registration_options(client, user))
    barrier = threading.Barrier(N_PARALLEL)
    statuses = []

    def use():
        own = server.client()
        barrier.wait(timeout=30)
        statuses.append(own.post("/api/auth/passkeys/", json={"credential": credential},
                                 token=user.access).status_code)

    threads = [threading.Thread(target=use) for _ in range(N_PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [400] * (N_PARALLEL - 1), statuses
    assert len(client.get("/api/auth/passkeys/", token=user.access).json()["passkeys"]) == 1


# ----------------------------------------------------------------------------------------------
# two-factor authentication

def test_a_passkey_with_uv_is_both_factors_and_without_uv_asks_the_second(client, server, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    device = authenticator(server, user_verifying=False)
    registered(client, user, device)
    r = passkey_login(client, device)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["two_fa_required"] is True
    # The passkey of the first step is not a second factor of its own login.
    assert body["methods"] == ["email", "totp"]
    r = client.post("/api/auth/otp/passkey/options", json={"ticket": body["ticket"]})
    assert r.status_code == 400 and r.json()["code"] == "no_passkey"
    r = kit.otp(body["ticket"], app.next_code())
    assert r.status_code == 200 and set(r.json()) == {"access", "refresh", "lang"}
    session = r.json()
    # A passkey took part in that login: it may remove the password.
    r = client.put("/api/auth/password/" + quote(user.username, safe=""),
                   json={"new_password": None}, token=session["access"])
    assert r.status_code == 200, r.text

    verifying = authenticator(server)
    user.access = session["access"]
    registered(client, user, verifying)
    r = passkey_login(client, verifying)
    assert r.status_code == 200 and set(r.json()) == {"access", "refresh", "lang"}


def test_the_first_steps_passkey_cannot_be_the_second_factor(client, server, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    first, second = authenticator(server, user_verifying=False), authenticator(server)
    registered(client, user, first)
    registered(client, user, second)
    body = passkey_login(client, first).json()
    assert body["methods"] == ["email", "totp", "passkey"]
    options = client.post("/api/auth/otp/passkey/options", json={"ticket": body["ticket"]})
    options = options.json()["publicKey"]
    assert [d["id"] for d in options["allowCredentials"]] == [b64url(second.credentials[0].id)]
    # The same device answering anyway is refused, as a wrong code of the ticket.
    r = client.post("/api/auth/otp/passkey",
                    json={"ticket": body["ticket"],
                          "credential": first.get(options, credential_id=first.credentials[0].id)})
    assert r.status_code == 401 and r.json()["code"] == "passkey_invalid"
    assert "first step" in r.json()["detail"]
    options = client.post("/api/auth/otp/passkey/options", json={"ticket": body["ticket"]})
    r = client.post("/api/auth/otp/passkey",
                    json={"ticket": body["ticket"],
                          "credential": second.get(options.json()["publicKey"])})
    assert r.status_code == 200, r.text


def test_a_passkey_as_the_second_factor(client, server, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    device = authenticator(server)
    registered(client, user, device)
    ticket = kit.login_202(user)["ticket"]
    assert "passkey" in kit.login_202(user)["methods"]

    r = client.post("/api/auth/otp/passkey/options", json={"ticket": ticket})
    assert r.status_code == 200, r.text
    options = r.json()["publicKey"]
    assert [d["id"] for d in options["allowCredentials"]] == [b64url(device.credentials[0].id)]
    r = client.post("/api/auth/otp/passkey",
                    json={"ticket": ticket, "credential": device.get(options)})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access", "refresh", "lang"}
    # The ticket is spent.
    r = client.post("/api/auth/otp/passkey/options", json={"ticket": ticket})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


def test_a_ticket_takes_only_its_accounts_passkeys(client, server, kit):
    user, app, _ = kit.user_with_2fa()
    kit.confirm(user, app)
    registered(client, user, authenticator(server))
    other = client.new_user()
    theirs = authenticator(server)
    registered(client, other, theirs)
    ticket = kit.ticket(user)
    options = client.post("/api/auth/otp/passkey/options", json={"ticket": ticket}).json()
    r = client.post("/api/auth/otp/passkey",
                    json={"ticket": ticket,
                          "credential": theirs.get(options["publicKey"],
                                                   credential_id=theirs.credentials[0].id)})
    assert r.status_code == 401 and r.json() == BODY_PASSKEY_UNKNOWN
    # A wrong passkey counts as a wrong code of the ticket: it still works, for now.
    assert kit.otp(ticket, app.next_code()).status_code == 200
    r = client.post("/api/auth/otp/passkey", json={"ticket": "nope", "credential": {}})
    assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET


# ----------------------------------------------------------------------------------------------
# management

def test_rename_list_and_remove(client, server, smtp_sink):
    user = client.new_user()
    device = authenticator(server)
    passkey = registered(client, user, device, name="Old")
    added = smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSKEY_ADDED)
    assert '"Old"' in added.text and "127.0.0.1" in added.text

    r = client.patch(f"/api/auth/passkeys/{passkey['id']}", json={"name": "New"},
                     token=user.access)
    assert r.status_code == 200 and r.json()["name"] == "New"
    r = client.patch("/api/auth/passkeys/unknown", json={"name": "New"}, token=user.access)
    assert r.status_code == 404
    other = client.new_user()
    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", token=other.access)
    assert r.status_code == 404
    r = client.patch(f"/api/auth/passkeys/{passkey['id']}", json={"name": ""},
                     token=user.access)
    assert r.status_code == 400

    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", json={"password": "wrong"},
                      token=user.access)
    assert r.status_code == 400
    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", token=user.access)
    assert r.status_code == 204
    removed = smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSKEY_REMOVED)
    assert '"New"' in removed.text
    assert client.get("/api/auth/passkeys/", token=user.access).json() == {"passkeys": []}
    r = passkey_login(client, device)
    assert r.status_code == 401 and r.json() == BODY_PASSKEY_UNKNOWN

    events = [e["event"] for s in client.get("/api/auth/sessions", token=user.access)
              .json()["sessions"] for e in s["events"]]
    assert {"passkey_added", "passkey_renamed", "passkey_removed"} <= set(events)


def test_the_export_lists_passkeys_without_keys(client, server, smtp_sink):
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device, name="Yubi")
    assert client.get("/api/auth/dump_data/", token=user.access).status_code == 202
    message = smtp_sink.wait_for(to=user.email, subject="Your authd data export")
    [(_, _, data)] = message.attachments
    export = json.loads(data)
    [passkey] = export["passkeys"]
    assert passkey["name"] == "Yubi"
    assert set(passkey) == {"name", "created", "last_used", "transports", "backup_eligible",
                            "backed_up", "aaguid"}
    credential = device.credentials[0]
    assert b64url(credential.id) not in data.decode()
    assert export["account"]["has_password"] is True


def test_a_password_reset_keeps_passkeys(client, server, smtp_sink):
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    assert client.post("/api/auth/password_reset/", json={"email": user.email}).status_code == 200
    message = smtp_sink.wait_for(to=user.email, subject=SUBJECT_RESET)
    link = extract_link(message, "/api/auth/reset/")
    new = random_password()
    r = client.post(link_path(link), json={"new_password": new, "new_password2": new})
    assert r.status_code == 200, r.text
    assert passkey_login(client, device).status_code == 200


def test_dropping_the_password(client, server, smtp_sink):
    user = client.new_user()
    path = "/api/auth/password/" + quote(user.username, safe="")
    r = client.put(path, json={"new_password": None}, token=user.access)
    assert r.status_code == 400 and r.json()["code"] == "no_passkey"
    device = authenticator(server)
    registered(client, user, device)
    # A password login is not a passkey login.
    r = client.put(path, json={"new_password": None}, token=user.access)
    assert r.status_code == 403 and r.json()["code"] == "passkey_reauthentication_required"

    session = passkey_login(client, device).json()
    r = client.put(path, json={"new_password": None, "new_password2": "x"},
                   token=session["access"])
    assert r.status_code == 400 and list(r.json()) == ["new_password2"]
    r = client.put(path, json={"new_password": None}, token=session["access"])
    assert r.status_code == 200 and r.json() == {}
    smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSWORD_REMOVED)

    # Only passkeys log in now; the password session was ended.
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401
    assert client.account(user.username, user.access).status_code == 401
    assert passkey_login(client, device).status_code == 200
    # The last passkey of an account without a password stays.
    [passkey] = client.get("/api/auth/passkeys/", token=session["access"]).json()["passkeys"]
    r = client.delete(f"/api/auth/passkeys/{passkey['id']}", token=session["access"])
    assert r.status_code == 400 and r.json()["code"] == "last_passkey"


def test_passkey_failures_count_toward_the_login_limits(module_factory):
    server = module_factory({"AUTH_LOGIN_FAILURES_PER_ACCOUNT": "3",
                             "AUTH_LOGIN_BACKOFF_AFTER": "1000"})
    client = server.client()
    user = client.new_user()
    device = authenticator(server)
    registered(client, user, device)
    for _ in range(3):
        assert passkey_login(client, device, bad_signature=True).status_code == 401
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 429, r.text
    # A passkey cannot be guessed: the limit does not hold it back.
    assert passkey_login(client, device).status_code == 200


def test_the_password_and_the_last_passkey_never_both_go(server):
    """Removing the password and the last passkey at once: one of them stays refused."""
    for _ in range(5):
        client = server.client()
        user = client.new_user()
        device = authenticator(server)
        passkey = registered(client, user, device)["id"]
        session = passkey_login(client, device).json()["access"]
        path = "/api/auth/password/" + quote(user.username, safe="")
        barrier = threading.Barrier(2)
        answers = {}

        def remove(kind):
            own = server.client()
            barrier.wait(timeout=30)
            if kind == "password":
                answers[kind] = own.put(path, json={"new_password": None}, token=session)
            else:
                answers[kind] = own.delete(f"/api/auth/passkeys/{passkey}", token=session)

        threads = [threading.Thread(target=remove, args=(kind,))
                   for kind in ("password", "passkey")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = (answers["password"].status_code, answers["passkey"].status_code)
        assert statuses in {(200, 400), (400, 204)}, statuses


def test_a_notice_cuts_a_long_user_agent_between_characters(client, server, smtp_sink):
    user = client.new_user()
    # 199 bytes, then a two-byte character across the notice's 200-byte cut.
    agent = "a" * 199 + "é".encode().decode("latin-1")
    options = registration_options(client, user)
    r = client.post("/api/auth/passkeys/", json={"credential": authenticator(server).create(
        options)}, token=user.access, headers={"User-Agent": agent})
    assert r.status_code == 201, r.text
    text = smtp_sink.wait_for(to=user.email, subject=SUBJECT_PASSKEY_ADDED).text
    assert "a" * 199 in text
    assert "\ufffd" not in text and "a" * 199 + "é" not in text
