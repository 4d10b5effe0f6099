"""POST /api/auth/internal/auth (service tokens) and POST /api/auth/introspect."""

import json

import jwt
import pytest

from authd_testlib import (
    BODY_INVALID_CREDENTIALS, BODY_NOT_AUTHENTICATED, SERVICES, assert_token_not_valid,
    jwt_claims, jwt_header,
)


@pytest.mark.parametrize("path", ["/api/auth/internal/auth", "/api/auth/internal/auth/"])
@pytest.mark.parametrize("name", ["users", "game"])
def test_service_token(client, path, name):
    r = client.post(path, json={"serviceName": name, "password": SERVICES[name]})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token"}
    token = r.json()["token"]
    claims = jwt_claims(token)
    assert claims["service_name"] == name
    assert claims["token_type"] == "service"
    assert claims["exp"] - claims["iat"] == 43200
    assert claims["jti"]
    assert "username" not in claims
    header = jwt_header(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "service+jwt"  # not an access token's "at+jwt"
    key = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    jwt.decode(token, jwt.algorithms.OKPAlgorithm.from_jwk(json.dumps(key)),
               algorithms=["EdDSA"])


@pytest.mark.parametrize("body", [
    {"serviceName": "users", "password": "wrong-secret-123456"},
    {"serviceName": "users", "password": SERVICES["game"]},
    {"serviceName": "nope", "password": SERVICES["users"]},
    {"serviceName": "USERS", "password": SERVICES["users"]},
])
def test_service_token_wrong_credentials(client, body):
    r = client.post("/api/auth/internal/auth", json=body)
    assert r.status_code == 401, r.text
    assert r.json() == BODY_INVALID_CREDENTIALS


def test_service_token_missing_fields(client):
    r = client.post("/api/auth/internal/auth", json={})
    assert r.status_code == 400, r.text


def test_service_token_ignores_authorization_header(client):
    r = client.post("/api/auth/internal/auth", headers={"Authorization": "Bearer junk"},
                    json={"serviceName": "users", "password": SERVICES["users"]})
    assert r.status_code == 200, r.text


def test_service_token_on_user_route_is_refused(client):
    user = client.new_user()
    service = client.service_token()
    assert_token_not_valid(client.account(user.username, service))
    r = client.get("/api/auth/sessions", token=service)
    assert r.status_code == 401, r.text


# ---- introspect

def test_introspect_live_access_token(client):
    user = client.new_user()
    r = client.introspect(user.access, client.service_token())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["active"] is True
    assert body["username"] == user.username
    assert body["token_type"] == "access"
    assert body["exp"] == user.claims["exp"]
    assert body["sid"] == user.claims["sid"]


def test_introspect_live_refresh_token(client):
    user = client.new_user()
    r = client.introspect(user.refresh, client.service_token("game"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["active"] is True
    assert body["token_type"] == "refresh"
    assert body["username"] == user.username
    assert body["sid"] == user.claims["sid"]


def test_introspect_with_trailing_slash(client):
    user = client.new_user()
    r = client.post("/api/auth/introspect/", json={"token": user.access},
                    token=client.service_token())
    assert r.status_code == 200, r.text
    assert r.json()["active"] is True


def test_introspect_revoked_token_is_inactive(client):
    user = client.new_user()
    assert client.logout(user.refresh).status_code == 200
    service = client.service_token()
    for token in (user.access, user.refresh):
        r = client.introspect(token, service)
        assert r.status_code == 200, r.text
        assert r.json() == {"active": False}


def test_introspect_rotated_refresh_token_reports_consistently(client):
    user = client.new_user()
    assert client.refresh(user.refresh).status_code == 200
    r = client.introspect(user.refresh, client.service_token())
    assert r.status_code == 200, r.text
    assert r.json()["active"] in (True, False)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_introspect_garbage_token_is_inactive(client, token):
    r = client.introspect(token, client.service_token())
    if token == "":
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            assert r.json() == {"active": False}
        return
    assert r.status_code == 200, r.text
    assert r.json() == {"active": False}


def test_introspect_service_token_is_not_a_user_token(client):
    service = client.service_token()
    r = client.introspect(service, service)
    assert r.status_code == 200, r.text
    assert r.json()["active"] in (True, False)
    if r.json()["active"]:
        assert r.json()["token_type"] == "service"


def test_introspect_with_user_token_as_bearer_is_refused(client):
    user = client.new_user()
    assert_token_not_valid(client.introspect(user.access, user.access))


def test_introspect_without_bearer(client):
    user = client.new_user()
    r = client.post("/api/auth/introspect", json={"token": user.access})
    assert r.status_code == 401, r.text
    assert r.json() == BODY_NOT_AUTHENTICATED
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_introspect_missing_field(client):
    r = client.post("/api/auth/introspect", json={}, token=client.service_token())
    assert r.status_code == 400, r.text
