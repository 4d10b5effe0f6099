"""POST /api/auth/login, the token pair it returns and the published keys."""

import json

import jwt
import pytest

from authd_testlib import (
    BODY_BAD_LOGIN, ISO_UTC, MSG_REQUIRED, assert_json, assert_no_store, assert_opaque_refresh,
    jwt_claims, jwt_header, unique_name,
)

CLAIMS = {"token_type", "exp", "iat", "jti", "username", "sub", "sid", "iss", "auth_time"}


def okp_key(jwks: dict, kid: str):
    for key in jwks["keys"]:
        if key["kid"] == kid:
            return jwt.algorithms.OKPAlgorithm.from_jwk(json.dumps(key))
    raise AssertionError(f"kid {kid} not in {jwks}")


def test_login_returns_access_refresh_and_lang(client):
    user = client.register()
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access", "refresh", "lang"}
    assert r.json()["lang"] == "en"
    assert_no_store(r)
    assert_json(r)


def test_login_with_trailing_slash(client):
    user = client.register()
    r = client.post("/api/auth/login/", json={"username": user.username,
                                              "password": user.password})
    assert r.status_code == 200, r.text


def test_login_by_email_case_insensitive(client):
    user = client.register()
    r = client.login_raw(user.email.upper(), user.password)
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["access"])["username"] == user.username


def test_login_by_username_case_insensitive(client):
    user = client.register()
    r = client.login_raw(user.username.upper(), user.password)
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["access"])["username"] == user.username


def test_login_wrong_password(client):
    user = client.register()
    r = client.login_raw(user.username, user.password + "x")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN
    assert_json(r)


def test_login_password_is_case_sensitive(client):
    user = client.register()
    r = client.login_raw(user.username, user.password.swapcase())
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN


def test_login_unknown_user(client):
    r = client.login_raw(unique_name(), "Some-Password-123!")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN


def test_login_sql_injection_text(client):
    r = client.login_raw("' OR '1'='1' --", "' OR '1'='1' --")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN
    r = client.login_raw("admin'--", "x")
    assert r.status_code == 401, r.text
    assert r.json() == BODY_BAD_LOGIN


def test_login_missing_password(client):
    r = client.post("/api/auth/login", json={"username": "someone"})
    assert r.status_code == 400, r.text
    assert r.json() == {"password": [MSG_REQUIRED]}


def test_login_missing_both_fields(client):
    r = client.post("/api/auth/login", json={})
    assert r.status_code == 400, r.text
    assert r.json() == {"username": [MSG_REQUIRED], "password": [MSG_REQUIRED]}


def test_login_ignores_authorization_header(client):
    user = client.register()
    r = client.login_raw(user.username, user.password,
                         headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 200, r.text


def test_login_sets_last_login(client):
    user = client.new_user()
    r = client.account(user.username, user.access)
    assert r.status_code == 200, r.text
    assert r.json()["last_login"] is not None
    assert ISO_UTC.match(r.json()["last_login"])


def test_login_wrong_method(client):
    r = client.put("/api/auth/login", json={})
    assert r.status_code == 405, r.text
    allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
    assert "POST" in allow and "PUT" not in allow and "GET" not in allow
    assert r.json() == {"detail": 'Method "PUT" not allowed.', "code": "method_not_allowed"}


# ---- tokens

def test_token_header_is_eddsa_with_kid(client):
    user = client.new_user()
    header = jwt_header(user.access)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"  # RFC 9068
    assert header["kid"]
    kids = [k["kid"] for k in client.jwks()["keys"]]
    assert jwt_header(user.access)["kid"] in kids
    assert_opaque_refresh(user.refresh, user.username)


def test_token_claims(client):
    user = client.new_user()
    access = jwt_claims(user.access)
    assert CLAIMS <= set(access), access
    assert "aud" not in access
    assert access["token_type"] == "access"
    assert access["username"] == user.username
    assert isinstance(access["sub"], str) and access["sub"]
    assert access["iss"] == "authd"
    assert isinstance(access["exp"], int) and isinstance(access["iat"], int)
    assert isinstance(access["auth_time"], int)
    assert abs(access["auth_time"] - access["iat"]) <= 5
    assert access["exp"] - access["iat"] == 900
    # The refresh token is opaque; introspection tells its session and its end, a day on.
    refresh = client.introspect(user.refresh, client.service_token()).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh"
    assert refresh["sid"] == access["sid"]
    assert refresh["exp"] - access["auth_time"] == 86400


def test_two_logins_make_two_sessions_with_distinct_ids(client):
    user = client.register()
    a = client.login(user)
    b = client.login(user)
    assert a.claims["sid"] != b.claims["sid"]
    assert a.claims["sub"] == b.claims["sub"]
    assert a.claims["jti"] != b.claims["jti"]


def test_access_token_verifies_with_pyjwt_and_jwks(client):
    user = client.new_user()
    key = okp_key(client.jwks(), jwt_header(user.access)["kid"])
    claims = jwt.decode(user.access, key, algorithms=["EdDSA"])
    assert claims["username"] == user.username
    # The refresh token is for authd alone: the public key does not verify it.
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(user.refresh, key, algorithms=["EdDSA"])


@pytest.mark.parametrize("path", ["/api/auth/jwks", "/api/auth/jwks/", "/.well-known/jwks.json"])
def test_jwks_shape(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text
    keys = r.json()["keys"]
    assert len(keys) >= 1
    for key in keys:
        assert key["kty"] == "OKP"
        assert key["crv"] == "Ed25519"
        assert key["alg"] == "EdDSA"
        assert key["use"] == "sig"
        assert key["x"] and key["kid"]
        assert "d" not in key


def test_jwks_routes_agree(client):
    a = client.get("/api/auth/jwks").json()
    b = client.get("/.well-known/jwks.json").json()
    assert a == b
