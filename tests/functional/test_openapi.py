"""GET /api/auth/openapi.json: the OpenAPI 3.1 description is served, it is the repository's
resources/openapi.json, and real answers of the running authd (a sample of every kind of route
and error) are what it documents: status, required headers, media type and body schema."""

import json
import os
import re
import sys
from types import SimpleNamespace

import jsonschema  # Debian's python3-jsonschema (Draft 2020-12)
import pytest
from requests.structures import CaseInsensitiveDict

from authd_testlib import (SERVICES, TotpApp, assert_json, parse_raw_response, quote,
                           random_password, raw_http, unique_name)
from webauthn_soft import SoftAuthenticator

SOURCE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "openapi.json")
DOCUMENT_PATH = "/api/auth/openapi.json"


class Spec:
    """The served document, and the check of an answer against it."""

    def __init__(self, document: dict):
        self.document = document
        self.checked = set()  # (method, path template, status) seen

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            target = self.document
            for token in ref[2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def inline(self, schema):
        """The schema with every $ref replaced by its target, so that any validator of JSON
        Schema 2020-12 checks it without resolving references within the OpenAPI document."""
        if isinstance(schema, dict):
            if "$ref" in schema:
                merged = dict(self.inline(self.resolve({"$ref": schema["$ref"]})))
                merged.update({k: self.inline(v) for k, v in schema.items() if k != "$ref"})
                return merged
            return {k: (v if k in ("const", "enum", "example", "default") else self.inline(v))
                    for k, v in schema.items()}
        if isinstance(schema, list):
            return [self.inline(item) for item in schema]
        return schema

    def validate(self, schema, value, where: str):
        validator = jsonschema.Draft202012Validator(self.inline(schema),
                                                    format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}: {value!r}"

    def check(self, method: str, template: str, r) -> dict:
        """Asserts that answer `r` to `method template` is documented; returns its documented
        response object."""
        operation = self.document["paths"][template][method.lower()]
        status = str(r.status_code)
        where = f"{method} {template} answered {status}"
        assert status in operation["responses"], f"{where}, which is not documented: {r.text[:300]}"
        self.checked.add((method.upper(), template, status))
        documented = self.resolve(operation["responses"][status])
        for name, header in documented.get("headers", {}).items():
            header = self.resolve(header)
            if name not in r.headers:
                assert not header.get("required"), f"{where} without the header {name}"
                continue
            value = r.headers[name]
            if header["schema"].get("type") == "integer":
                assert re.fullmatch(r"\d+", value), f"{where}: {name}: {value}"
                value = int(value)
            self.validate(header["schema"], value, f"{where}, header {name}")
        content = documented.get("content", {})
        if method.upper() == "HEAD" or not r.content:
            assert not r.content
            if method.upper() != "HEAD":
                assert not content, f"{where} with no body, but a body is documented"
            return documented
        media_type = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
        assert media_type in content, f"{where} as {media_type}, documented: {list(content)}"
        if media_type == "application/json":
            self.validate(content[media_type]["schema"], r.json(), where)
        return documented


@pytest.fixture(scope="module")
def spec(server) -> Spec:
    r = server.client().get(DOCUMENT_PATH)
    assert r.status_code == 200, r.text[:300]
    return Spec(r.json())


def register_body(name=None, password=None):
    name = name or unique_name("oa")
    password = password or random_password()
    return {"username": name, "password": password, "password2": password,
            "email": f"{name.lower()}@example.com"}


def raw_get(server, path: str):
    """GET of a path sent byte for byte, as a response object Spec.check reads."""
    data = raw_http(server.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 f"Connection: close\r\n\r\n".encode())
    status, headers, body = parse_raw_response(data)
    return SimpleNamespace(status_code=status, headers=CaseInsensitiveDict(headers),
                           content=body, text=body.decode(errors="replace"),
                           json=lambda: json.loads(body))


def new_user(client, spec):
    body = register_body()
    r = client.post("/api/auth/", json=body)
    spec.check("POST", "/api/auth/", r)
    assert r.status_code == 201
    r = client.post("/api/auth/login", json={"username": body["username"],
                                             "password": body["password"]})
    spec.check("POST", "/api/auth/login", r)
    assert r.status_code == 200
    return SimpleNamespace(name=body["username"], password=body["password"], **r.json())


# ----------------------------------------------------------------------------------------------
# the document

def test_document_is_served_as_openapi_3_1_json_naming_the_public_url(server, client, spec):
    for path in (DOCUMENT_PATH, DOCUMENT_PATH + "/"):
        # Public: a token, even a bad one, changes nothing.
        r = client.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 200, r.text[:300]
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        document = r.json()
        assert re.fullmatch(r"3\.1\.\d+", document["openapi"]), document["openapi"]
        assert document["servers"] == [{"url": server.base_url,
                                        "description": "This authd (AUTH_PUBLIC_URL)."}]
        assert document == spec.document
        spec.check("GET", DOCUMENT_PATH, r)
    r = client.request("HEAD", DOCUMENT_PATH)
    assert r.status_code == 200 and r.content == b""


def test_served_document_is_the_repository_source(spec):
    with open(SOURCE, encoding="utf-8") as f:
        source = json.load(f)
    served = dict(spec.document)
    assert source["servers"] == [{"url": "/", "description": source["servers"][0]["description"]}]
    served["servers"] = source["servers"]
    assert served == source, "the binary serves another document: rebuild authd"


def test_the_check_catches_undocumented_answers(spec):
    def fake(status, body, headers=None):
        content = json.dumps(body).encode()
        return SimpleNamespace(status_code=status, content=content, text=content.decode(),
                               headers={"Content-Type": "application/json; charset=utf-8",
                                        "Cache-Control": "no-store", **(headers or {})},
                               json=lambda: json.loads(content))

    spec.check("GET", "/healthz", fake(200, {"status": "ok"}))
    with pytest.raises(AssertionError, match="not documented"):
        spec.check("GET", "/healthz", fake(418, {"status": "ok"}))
    with pytest.raises(AssertionError, match="Additional properties"):
        spec.check("GET", "/healthz", fake(200, {"status": "ok", "extra": 1}))
    with pytest.raises(AssertionError, match="is a required property"):
        spec.check("POST", "/api/auth/refresh", fake(200, {"access": "a.b.c"}))
    with pytest.raises(AssertionError, match="without the header Retry-After"):
        spec.check("POST", "/api/auth/login", fake(429, {"detail": "x", "code": "throttled"}))
    with pytest.raises(AssertionError, match="does not match"):
        spec.check("GET", "/api/auth/{username}",
                   fake(401, {"detail": "x", "code": "not_authenticated"},
                        {"WWW-Authenticate": "Basic"}))


# ----------------------------------------------------------------------------------------------
# real answers, route by route

def test_account_answers_match(client, spec):
    user = new_user(client, spec)
    other = new_user(client, spec)
    me = "/api/auth/" + quote(user.name, safe="")
    auth = {"Authorization": f"Bearer {user.access}"}

    # 400 field errors (a duplicate, and a body with every kind of problem), parse error, 415
    r = client.post("/api/auth/", json={**register_body(), "username": user.name})
    spec.check("POST", "/api/auth/", r)
    assert r.status_code == 400
    assert set(r.json()) == {"username"}
    r = client.post("/api/auth/", json={"username": "login", "password": "1", "is_staff": True})
    spec.check("POST", "/api/auth/", r)
    assert r.status_code == 400
    assert r.json() == {"password2": ["This field is required."],
                        "email": ["This field is required."], "is_staff": ["Unknown field."]}
    r = client.post("/api/auth/", data=b"{", headers={"Content-Type": "application/json"})
    spec.check("POST", "/api/auth/", r)
    assert r.json()["code"] == "parse_error"
    r = client.post("/api/auth/", data=b"x", headers={"Content-Type": "text/plain"})
    spec.check("POST", "/api/auth/", r)
    assert r.status_code == 415

    # read: 200, 401 without a token, 401 with a bad one, 403 for another name
    for headers, status in ((auth, 200), ({}, 401), ({"Authorization": "Bearer x.y.z"}, 401)):
        r = client.get(me, headers=headers)
        spec.check("GET", "/api/auth/{username}", r)
        assert r.status_code == status
    r = client.get("/api/auth/" + other.name, headers=auth)
    spec.check("GET", "/api/auth/{username}", r)
    assert r.status_code == 403

    # update: a rename answers the user with a fresh pair
    new_name = user.name + "r"
    r = client.patch(f"/api/auth/update/{user.name}", json={"username": new_name, "lang": "fr"},
                     headers=auth)
    spec.check("PATCH", "/api/auth/update/{username}", r)
    assert r.status_code == 200 and {"access", "refresh"} <= set(r.json())
    auth = {"Authorization": f"Bearer {r.json()['access']}"}
    r = client.put(f"/api/auth/update/{new_name}", json={"username": new_name}, headers=auth)
    spec.check("PUT", "/api/auth/update/{username}", r)
    assert r.status_code == 400

    # password: wrong current password, then a real change
    body = {"password": "wrong-" + user.password, "new_password": random_password(),
            "new_password2": "x"}
    r = client.put(f"/api/auth/password/{new_name}", json=body, headers=auth)
    spec.check("PUT", "/api/auth/password/{username}", r)
    assert r.status_code == 400
    new_password = random_password()
    r = client.patch(f"/api/auth/password/{new_name}",
                     json={"password": user.password, "new_password": new_password,
                           "new_password2": new_password}, headers=auth)
    spec.check("PATCH", "/api/auth/password/{username}", r)
    assert r.status_code == 200 and r.json() == {}

    # delete: an unknown key, then the account
    r = client.delete(f"/api/auth/delete/{new_name}", json={"passwd": "x"}, headers=auth)
    spec.check("DELETE", "/api/auth/delete/{username}", r)
    assert r.status_code == 400
    r = client.delete(f"/api/auth/delete/{new_name}", headers=auth)
    spec.check("DELETE", "/api/auth/delete/{username}", r)
    assert r.status_code == 204
    r = client.get("/api/auth/" + new_name, headers=auth)
    spec.check("GET", "/api/auth/{username}", r)
    assert r.status_code == 401


def test_token_answers_match(client, spec):
    user = new_user(client, spec)
    auth = {"Authorization": f"Bearer {user.access}"}

    r = client.post("/api/auth/login", json={"username": user.name, "password": "wrong password"})
    spec.check("POST", "/api/auth/login", r)
    assert r.status_code == 401
    r = client.post("/api/auth/login", json={"username": user.name})
    spec.check("POST", "/api/auth/login", r)
    assert r.status_code == 400

    r = client.post("/api/auth/refresh", json={"refresh": user.refresh})
    spec.check("POST", "/api/auth/refresh", r)
    assert r.status_code == 200
    refresh = r.json()["refresh"]
    r = client.post("/api/auth/refresh", json={"refresh": "not-a-token"})
    spec.check("POST", "/api/auth/refresh", r)
    assert r.status_code == 401

    r = client.get("/api/auth/sessions", headers=auth)
    spec.check("GET", "/api/auth/sessions", r)
    assert r.status_code == 200 and len(r.json()["sessions"]) == 1
    r = client.delete("/api/auth/sessions/no-such-session", headers=auth)
    spec.check("DELETE", "/api/auth/sessions/{id}", r)
    assert r.status_code == 404

    r = client.post("/api/auth/otp", json={"ticket": "x" * 43, "code": "123456"})
    spec.check("POST", "/api/auth/otp", r)
    assert r.status_code == 401 and r.json()["code"] == "invalid_ticket"
    r = client.post("/api/auth/otp", json={"username": user.name, "password": user.password,
                                           "otp": "123456"})
    spec.check("POST", "/api/auth/otp", r)
    assert r.status_code == 200  # no second factor: the password alone logs in

    # logout ends the otp login's session; logout_all the first one (and any other)
    r = client.post("/api/auth/logout", json={"refresh": r.json()["refresh"]})
    spec.check("POST", "/api/auth/logout", r)
    assert r.status_code == 200 and r.json() == {}
    r = client.post("/api/auth/logout", json={"refresh": refresh + "x"})
    spec.check("POST", "/api/auth/logout", r)
    assert r.status_code == 401
    r = client.post("/api/auth/logout_all", headers=auth)
    spec.check("POST", "/api/auth/logout_all", r)
    assert r.status_code == 200
    r = client.post("/api/auth/logout_all", headers=auth)
    spec.check("POST", "/api/auth/logout_all", r)
    assert r.status_code == 401


def test_two_factor_answers_match(client, spec):
    user = new_user(client, spec)
    auth = {"Authorization": f"Bearer {user.access}"}

    r = client.post("/api/auth/2fa/totp/confirm", json={"code": "123456"}, headers=auth)
    spec.check("POST", "/api/auth/2fa/totp/confirm", r)
    assert r.status_code == 400 and r.json()["code"] == "no_pending_app"
    r = client.post("/api/auth/2fa/totp", headers=auth)
    spec.check("POST", "/api/auth/2fa/totp", r)
    assert r.status_code == 200
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.wrong_code()}, headers=auth)
    spec.check("POST", "/api/auth/2fa/totp/confirm", r)
    assert r.status_code == 400 and set(r.json()) == {"code"}
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()}, headers=auth)
    spec.check("POST", "/api/auth/2fa/totp/confirm", r)
    assert r.status_code == 200

    # 2FA on: the update hands out a new app's URI and recovery codes, and a login needs a code
    r = client.patch(f"/api/auth/update/{user.name}", json={"two_fa_enable": True}, headers=auth)
    spec.check("PATCH", "/api/auth/update/{username}", r)
    assert r.status_code == 200 and {"otp_uri", "recovery_codes"} <= set(r.json())
    r = client.post("/api/auth/login", json={"username": user.name, "password": user.password})
    spec.check("POST", "/api/auth/login", r)
    assert r.status_code == 202
    ticket = r.json()["ticket"]
    r = client.post("/api/auth/otp", json={"ticket": ticket, "send": "email"})
    spec.check("POST", "/api/auth/otp", r)
    assert r.status_code == 400 and r.json()["code"] == "email_not_verified"
    r = client.post("/api/auth/otp", json={"ticket": ticket, "code": app.next_code()})
    spec.check("POST", "/api/auth/otp", r)
    assert r.status_code == 200

    r = client.post("/api/auth/2fa/recovery_codes", json={"password": user.password},
                    headers=auth)
    spec.check("POST", "/api/auth/2fa/recovery_codes", r)
    assert r.status_code == 200
    r = client.post("/api/auth/2fa/recovery_codes", json={}, headers=auth)
    spec.check("POST", "/api/auth/2fa/recovery_codes", r)
    assert r.status_code == 400

    r = client.delete("/api/auth/2fa/totp", json={"password": "wrong"}, headers=auth)
    spec.check("DELETE", "/api/auth/2fa/totp", r)
    assert r.status_code == 400
    r = client.delete("/api/auth/2fa/totp", headers=auth)
    spec.check("DELETE", "/api/auth/2fa/totp", r)
    assert r.status_code == 204
    r = client.delete("/api/auth/2fa/totp", headers=auth)
    spec.check("DELETE", "/api/auth/2fa/totp", r)
    assert r.status_code == 404


def test_passkey_answers_match(server, client, spec):
    user = new_user(client, spec)
    auth = {"Authorization": f"Bearer {user.access}"}
    device = SoftAuthenticator(origin=server.base_url, user_verifying=False)

    r = client.post("/api/auth/passkeys/options", headers=auth)
    spec.check("POST", "/api/auth/passkeys/options", r)
    assert r.status_code == 200
    credential = device.create(r.json())
    r = client.post("/api/auth/passkeys", json={"credential": {"id": "x"}}, headers=auth)
    spec.check("POST", "/api/auth/passkeys", r)
    assert r.status_code == 400
    r = client.post("/api/auth/passkeys", json={"credential": credential, "name": "Key"},
                    headers=auth)
    spec.check("POST", "/api/auth/passkeys", r)
    assert r.status_code == 201
    passkey = r.json()["id"]
    r = client.get("/api/auth/passkeys", headers=auth)
    spec.check("GET", "/api/auth/passkeys", r)
    assert r.status_code == 200
    r = client.patch(f"/api/auth/passkeys/{passkey}", json={"name": "Renamed"}, headers=auth)
    spec.check("PATCH", "/api/auth/passkeys/{id}", r)
    assert r.status_code == 200
    r = client.patch("/api/auth/passkeys/nope", json={"name": "Renamed"}, headers=auth)
    spec.check("PATCH", "/api/auth/passkeys/{id}", r)
    assert r.status_code == 404

    def login_credential(**faults):
        r = client.post("/api/auth/login/passkey/options")
        spec.check("POST", "/api/auth/login/passkey/options", r)
        assert r.status_code == 200
        return device.get(r.json(), **faults)

    r = client.post("/api/auth/login/passkey", json={"credential": login_credential()})
    spec.check("POST", "/api/auth/login/passkey", r)
    assert r.status_code == 200
    r = client.post("/api/auth/login/passkey",
                    json={"credential": login_credential(bad_signature=True)})
    spec.check("POST", "/api/auth/login/passkey", r)
    assert r.status_code == 401

    # 2FA on, and a passkey without user verification: a ticket, for another passkey.
    other = SoftAuthenticator(origin=server.base_url)
    r = client.post("/api/auth/passkeys/options", headers=auth)
    r = client.post("/api/auth/passkeys", json={"credential": other.create(r.json())},
                    headers=auth)
    assert r.status_code == 201
    r = client.post("/api/auth/2fa/totp", headers=auth)
    app = TotpApp(r.json()["secret"])
    client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()}, headers=auth)
    r = client.patch(f"/api/auth/update/{user.name}", json={"two_fa_enable": True}, headers=auth)
    assert r.status_code == 200
    r = client.post("/api/auth/login/passkey", json={"credential": login_credential()})
    spec.check("POST", "/api/auth/login/passkey", r)
    assert r.status_code == 202
    ticket = r.json()["ticket"]
    r = client.post("/api/auth/otp/passkey/options", json={"ticket": "nope"})
    spec.check("POST", "/api/auth/otp/passkey/options", r)
    assert r.status_code == 401
    r = client.post("/api/auth/otp/passkey/options", json={"ticket": ticket})
    spec.check("POST", "/api/auth/otp/passkey/options", r)
    assert r.status_code == 200
    r = client.post("/api/auth/otp/passkey",
                    json={"ticket": ticket, "credential": other.get(r.json())})
    spec.check("POST", "/api/auth/otp/passkey", r)
    assert r.status_code == 200

    r = client.delete(f"/api/auth/passkeys/{passkey}", headers=auth)
    spec.check("DELETE", "/api/auth/passkeys/{id}", r)
    assert r.status_code == 204
    r = client.get("/api/auth/webauthn.js")
    spec.check("GET", "/api/auth/webauthn.js", r)
    assert r.status_code == 200
    r = client.get("/api/auth/passkeys/demo")
    spec.check("GET", "/api/auth/passkeys/demo", r)
    assert r.status_code == 200


def test_service_and_operations_answers_match(client, spec):
    user = new_user(client, spec)
    r = client.post("/api/auth/internal/auth",
                    json={"serviceName": "users", "password": SERVICES["users"]})
    spec.check("POST", "/api/auth/internal/auth", r)
    assert r.status_code == 200
    service = {"Authorization": f"Bearer {r.json()['token']}"}
    r = client.post("/api/auth/internal/auth", json={"serviceName": "users", "password": "no"})
    spec.check("POST", "/api/auth/internal/auth", r)
    assert r.status_code == 401

    for token, active in ((user.access, True), (user.refresh, True), ("x", False)):
        r = client.post("/api/auth/introspect", json={"token": token}, headers=service)
        spec.check("POST", "/api/auth/introspect", r)
        assert r.status_code == 200 and r.json()["active"] is active
    r = client.post("/api/auth/introspect", json={"token": user.access},
                    headers={"Authorization": f"Bearer {user.access}"})
    spec.check("POST", "/api/auth/introspect", r)
    assert r.status_code == 401

    for path in ("/api/auth/jwks", "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics"):
        r = client.get(path)
        spec.check("GET", path, r)
        assert r.status_code == 200


def test_email_answers_match(server, client, spec):
    user = new_user(client, spec)
    auth = {"Authorization": f"Bearer {user.access}"}
    as_json = {"Accept": "application/json"}

    r = client.post("/api/auth/password_reset", json={"email": "nobody@example.com"})
    spec.check("POST", "/api/auth/password_reset", r)
    assert r.status_code == 200
    r = client.post("/api/auth/password_reset", json={"email": "not an address"})
    spec.check("POST", "/api/auth/password_reset", r)
    assert r.status_code == 400
    for path in ("/api/auth/password_reset/done", "/api/auth/reset/done"):
        r = client.get(path)
        spec.check("GET", path, r)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")

    for template in ("/api/auth/reset/{uidb64}/{token}", "/api/auth/verify_email/{uidb64}/{token}"):
        path = template.replace("{uidb64}", "AAAA").replace("{token}", "x" * 43)
        for headers in ({}, as_json):
            r = client.get(path, headers=headers)
            spec.check("GET", template, r)
            assert r.status_code == 400
        # A malformed escape (sent raw: the client library would repair it) names nothing.
        r = raw_get(server, template.replace("{uidb64}", "%zz").replace("{token}", "x"))
        spec.check("GET", template, r)
        assert r.status_code == 404
    path = "/api/auth/verify_email/AAAA/" + "x" * 43
    r = client.request("HEAD", path)
    spec.check("HEAD", "/api/auth/verify_email/{uidb64}/{token}", r)
    assert r.status_code == 400
    path = "/api/auth/reset/AAAA/" + "x" * 43
    r = client.post(path, json={"new_password": "x"})
    spec.check("POST", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 400
    r = client.post(path, data={"csrf_token": "x", "new_password": "x", "new_password2": "x"})
    spec.check("POST", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html")

    r = client.request("HEAD", "/api/auth/dump_data", headers=auth)
    spec.check("HEAD", "/api/auth/dump_data", r)
    assert r.status_code == 200
    # The export is limited to 3 an hour per account: the fourth is a 429 with Retry-After.
    for expected in (202, 202, 202, 429):
        r = client.get("/api/auth/dump_data", headers=auth)
        spec.check("GET", "/api/auth/dump_data", r)
        assert r.status_code == expected, r.text
    r = client.post("/api/auth/verify_email", headers=auth)
    spec.check("POST", "/api/auth/verify_email", r)
    assert r.status_code == 202
    assert_json(r)


def test_mailed_link_answers_match(mail_client, smtp_sink, spec):
    """The success answers of the links that authd mails (verification and reset)."""
    from authd_mail import (SUBJECT_RESET, SUBJECT_VERIFY, csrf_field, extract_link, link_path,
                            set_cookie_value)
    as_json = {"Accept": "application/json"}
    user = mail_client.register()

    verify = link_path(extract_link(smtp_sink.wait_for(user.email, SUBJECT_VERIFY),
                                    "/api/auth/verify_email/"))
    r = mail_client.request("HEAD", verify)
    spec.check("HEAD", "/api/auth/verify_email/{uidb64}/{token}", r)
    assert r.status_code == 200
    r = mail_client.get(verify, headers=as_json)
    spec.check("GET", "/api/auth/verify_email/{uidb64}/{token}", r)
    assert r.status_code == 200

    def reset_link(nth):
        r = mail_client.post("/api/auth/password_reset", json={"email": user.email})
        spec.check("POST", "/api/auth/password_reset", r)
        messages = smtp_sink.wait_for_messages(nth, to=user.email, subject=SUBJECT_RESET)
        return link_path(extract_link(messages[-1], "/api/auth/reset/"))

    # the form, as a browser uses it: 200 with the CSRF cookie, then 303
    link = reset_link(1)
    r = mail_client.get(link)
    spec.check("GET", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    cookie = set_cookie_value(r.headers["Set-Cookie"], "authd_csrf")
    password = random_password()
    fields = {"csrf_token": csrf_field(r.text), "new_password": password,
              "new_password2": password}
    r = mail_client.post(link, data={**fields, "csrf_token": "forged"},
                         headers={"Cookie": f"authd_csrf={cookie}"})
    spec.check("POST", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 403
    r = mail_client.post(link, data=fields, headers={"Cookie": f"authd_csrf={cookie}"})
    spec.check("POST", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 303

    # the JSON variant
    link = reset_link(2)
    r = mail_client.get(link, headers=as_json)
    spec.check("GET", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    password = random_password()
    r = mail_client.post(link, json={"new_password": password, "new_password2": password})
    spec.check("POST", "/api/auth/reset/{uidb64}/{token}", r)
    assert r.status_code == 200


def raw_answer(server, head: str, body: bytes = b""):
    """The answer to bytes sent as they are, as a response object Spec.check reads."""
    status, headers, content = parse_raw_response(raw_http(server.port, head.encode() + body))
    return SimpleNamespace(status_code=status, headers=CaseInsensitiveDict(headers),
                           content=content, text=content.decode(errors="replace"),
                           json=lambda: json.loads(content))


def test_framework_answers_on_any_operation_match(server, client, spec):
    """A body over the limit on operations that read none, a NUL in a path parameter, a
    content coding: the answers the server gives before or around the route are documented."""
    user = new_user(client, spec)
    for method, template, path in (
            ("GET", "/api/auth/{username}", "/api/auth/" + quote(user.name, safe="")),
            ("GET", "/api/auth/sessions", "/api/auth/sessions"),
            ("DELETE", "/api/auth/sessions/{id}", "/api/auth/sessions/x"),
            ("GET", "/healthz", "/healthz"),
            ("GET", "/api/auth/jwks", "/api/auth/jwks")):
        r = raw_answer(server, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               f"Authorization: Bearer {user.access}\r\n"
                               f"Content-Length: {2 * 65536}\r\n\r\n")
        assert r.status_code == 413, f"{method} {path}: {r.text[:300]}"
        spec.check(method, template, r)
    auth = {"Authorization": f"Bearer {user.access}"}
    for suffix in ("%00", "a%00b"):
        r = client.delete("/api/auth/sessions/" + suffix, headers=auth)
        spec.check("DELETE", "/api/auth/sessions/{id}", r)
        assert r.status_code in (400, 404), r.text
        r = client.get("/api/auth/" + quote(user.name, safe="") + suffix, headers=auth)
        spec.check("GET", "/api/auth/{username}", r)
    r = client.post("/api/auth/login", data=b"\x1f\x8b\x08\x00",
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    spec.check("POST", "/api/auth/login", r)
    assert r.status_code == 415 and r.headers["Accept-Encoding"] == "identity"


def test_every_operation_was_sampled(spec, request):
    """Runs last in this module: the tests above answered every documented operation."""
    module = sys.modules[__name__]
    tests = [name for name in dir(module) if name.startswith("test_")]
    selected = [item for item in request.session.items if item.module is module]
    if len(selected) < len(tests):
        pytest.skip("only part of this module ran")
    operations = {(method.upper(), path)
                  for path, item in spec.document["paths"].items()
                  for method in item if method in ("get", "put", "post", "delete", "patch", "head")}
    sampled = {(method, path) for method, path, _ in spec.checked}
    assert operations - sampled == set()
