"""Issue 14, item 11: which of authd's tokens a platform service can verify with the public key
alone. The services verify as the seed's do, `jwt.decode(token, public_key, algorithms=[...])`,
and never read `token_type`: whatever verifies there is an access token to them. So only access
and service tokens may verify; a refresh token must be opaque to them (it used to be a JWT signed
with the published key, carrying `username`, that worked at every other service for a day, even
after logout). Access tokens are typed `at+jwt` (RFC 9068) and service tokens `service+jwt`, so
that verifiers that check `typ` tell the kinds apart, and authd checks that the type agrees.

Refresh tokens issued before the upgrade (JWTs, `typ: "JWT"`) keep working until they expire:
the tests mint one as the earlier version did, with the server's key file and PyJWT, for a
session whose stored identifier hash they set the way that version stored it."""

import hashlib
import os
import secrets
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from authd_testlib import (
    assert_refresh_invalid, assert_token_not_valid, b64url_decode, b64url_encode, jwt_claims,
    jwt_header, sql, unique_name,
)

# The algorithm families of the test suite, each with the key file authd generates for it.
FAMILIES = {
    "EdDSA": "jwt-eddsa.pem",
    "RS512": "jwt-rs512.pem",
    "ES256": "jwt-es256.pem",
    "HS256": "jwt-hs256.key",
}

ACCESS_TYPE = "at+jwt"
SERVICE_TYPE = "service+jwt"


@pytest.fixture(scope="module", params=list(FAMILIES))
def family(request, module_factory):
    """(algorithm, server) for each family; EdDSA is the default."""
    alg = request.param
    return alg, module_factory({} if alg == "EdDSA" else {"AUTH_JWT_ALGORITHM": alg})


def key_file(alg, server) -> bytes:
    with open(os.path.join(server.data_dir, FAMILIES[alg]), "rb") as f:
        return f.read()


def signing_key(alg, server):
    """The server's own signing key (HS256: the shared secret)."""
    content = key_file(alg, server)
    if alg == "HS256":
        return b64url_decode(content.decode().strip())
    return serialization.load_pem_private_key(content, None)


def public_key(alg, server):
    """What a platform service is handed to verify tokens: the public key (HS256: the secret)."""
    key = signing_key(alg, server)
    return key if alg == "HS256" else key.public_key()


def service_verifies(alg, server, token) -> bool:
    """The seed's services' check: signature, algorithm and times, nothing else."""
    try:
        jwt.decode(token, public_key(alg, server), algorithms=[alg])
        return True
    except jwt.InvalidTokenError:
        return False


def rename(client, user) -> dict:
    new = unique_name("renamed")
    r = client.patch(f"/api/auth/update/{user.username}", json={"username": new},
                     token=user.access)
    assert r.status_code == 200, r.text
    user.username = new
    return r.json()


def legacy_refresh(alg, server, user, **changes) -> str:
    """A refresh token of the user's session as authd issued it before the upgrade: a JWT of
    the session's claims with `token_type: "refresh"`, header `typ: "JWT"`, signed with the
    server's key. The session's stored hash becomes that of its `jti` (BLAKE2b-256, base64url),
    as the earlier version stored it."""
    access = jwt_claims(user.access)
    jti = b64url_encode(secrets.token_bytes(16))
    stored = b64url_encode(hashlib.blake2b(jti.encode(), digest_size=32).digest())
    sql(server.database_url, "UPDATE sessions SET refresh_hash = %s WHERE id = %s",
        (stored, access["sid"]))
    expires_at = int(sql(server.database_url, "SELECT expires_at FROM sessions WHERE id = %s",
                         (access["sid"],))[0][0])
    claims = {"token_type": "refresh", "exp": expires_at, "iat": access["iat"], "jti": jti,
              "username": access["username"], "sub": access["sub"], "sid": access["sid"],
              "auth_time": access["auth_time"], "iss": access["iss"], **changes}
    token = jwt.encode(claims, signing_key(alg, server), algorithm=alg,
                       headers={"kid": jwt_header(user.access)["kid"], "typ": "JWT"})
    assert jwt_header(token)["typ"] == "JWT"
    return token


def resign(alg, server, token, typ) -> str:
    """The same header and claims, `typ` changed, signed with the server's own key."""
    header = {**jwt_header(token), "typ": typ}
    header.pop("alg")
    return jwt.encode(jwt_claims(token), signing_key(alg, server), algorithm=alg, headers=header)


def introspect(client, token) -> dict:
    r = client.introspect(token, client.service_token())
    assert r.status_code == 200, r.text
    return r.json()


# ----------------------------------------------------------------------------------------------
# the public key verifies access and service tokens only

def test_attack_refresh_token_verifies_nowhere_with_the_public_key(family):
    alg, server = family
    client = server.client()
    user = client.new_user()
    refreshed = client.refresh(user.refresh)
    assert refreshed.status_code == 200, refreshed.text
    renamed = rename(client, user)
    service = client.service_token()

    access_tokens = [user.access, refreshed.json()["access"], renamed["access"]]
    refresh_tokens = [user.refresh, refreshed.json()["refresh"], renamed["refresh"]]
    # Every kind of token authd issues, checked as the platform's services check them.
    verified = {"access": [service_verifies(alg, server, t) for t in access_tokens],
                "service": [service_verifies(alg, server, service)],
                "refresh": [service_verifies(alg, server, t) for t in refresh_tokens]}
    assert verified == {"access": [True] * 3, "service": [True], "refresh": [False] * 3}

    # Verifiers that check `typ` tell the two verifiable kinds apart.
    assert [jwt.get_unverified_header(t)["typ"] for t in access_tokens] == [ACCESS_TYPE] * 3
    assert jwt.get_unverified_header(service)["typ"] == SERVICE_TYPE
    # A refresh token is not a JWT at all, and names nobody.
    for token in refresh_tokens:
        assert token.count(".") == 1, token
        with pytest.raises(jwt.DecodeError):
            jwt.get_unverified_header(token)
        assert user.username not in token and renamed["username"] not in token

    # They still do their job at authd: the rename's pair is the session's current one.
    assert introspect(client, renamed["refresh"])["active"] is True
    r = client.refresh(renamed["refresh"])
    assert r.status_code == 200, r.text
    # After logout nothing of the session verifies anywhere but the access tokens until `exp`
    # (as documented), and authd refuses them all at once.
    assert client.logout(r.json()["refresh"]).status_code == 200
    assert not service_verifies(alg, server, r.json()["refresh"])
    assert_token_not_valid(client.account(user.username, r.json()["access"]))


def test_attack_typ_must_agree_with_the_kind_of_token(family):
    """A token whose `typ` names another kind is refused even with a valid signature, so a
    verifier's typ check and authd's type check agree. Tokens typed `JWT` by earlier versions
    are still accepted until they expire."""
    alg, server = family
    client = server.client()
    user = client.new_user()
    service = client.service_token()
    assert client.account(user.username, resign(alg, server, user.access, ACCESS_TYPE)) \
        .status_code == 200  # control: our re-signing gives a token authd accepts
    assert client.account(user.username, resign(alg, server, user.access, "JWT")) \
        .status_code == 200  # an access token of before the upgrade
    for typ in (SERVICE_TYPE, "at+JWT", "application/at+jwt+x", "refresh+jwt", ""):
        assert_token_not_valid(client.account(user.username, resign(alg, server, user.access, typ)))
    # Service tokens: the bearer of introspect.
    assert client.introspect(user.access, resign(alg, server, service, SERVICE_TYPE)) \
        .status_code == 200
    assert client.introspect(user.access, resign(alg, server, service, "JWT")).status_code == 200
    for typ in (ACCESS_TYPE, "refresh+jwt", ""):
        forged = resign(alg, server, service, typ)
        assert_token_not_valid(client.introspect(user.access, forged))
        assert introspect(client, forged) == {"active": False}


# ----------------------------------------------------------------------------------------------
# refresh tokens of before the upgrade

def test_refresh_token_of_before_the_upgrade_keeps_working(family):
    alg, server = family
    client = server.client()
    user = client.new_user()
    old = legacy_refresh(alg, server, user)
    assert not introspect(client, user.refresh)["active"]  # the session's token is now `old`
    seen = introspect(client, old)
    assert seen["active"] is True and seen["token_type"] == "refresh"
    assert seen["username"] == user.username and seen["sid"] == user.claims["sid"]

    r = client.refresh(old)
    assert r.status_code == 200, r.text
    pair = r.json()
    # Only the new form is issued from then on.
    assert pair["refresh"].count(".") == 1
    assert not service_verifies(alg, server, pair["refresh"])
    assert jwt.get_unverified_header(pair["access"])["typ"] == ACCESS_TYPE
    assert jwt_claims(pair["access"])["sid"] == user.claims["sid"]
    # The grace window gives the same pair again for the spent earlier-form token.
    again = client.refresh(old)
    assert again.status_code == 200, again.text
    assert again.json()["refresh"] == pair["refresh"]
    assert not introspect(client, old)["active"]
    # The new token rotates on; the old one two rotations back is reuse: the session ends.
    r = client.refresh(pair["refresh"])
    assert r.status_code == 200, r.text
    newest = r.json()
    assert_refresh_invalid(client.refresh(old))
    assert_token_not_valid(client.account(user.username, newest["access"]))
    assert_refresh_invalid(client.refresh(newest["refresh"]))


def test_refresh_token_of_before_the_upgrade_logout_expiry_and_forgery(family):
    alg, server = family
    client = server.client()
    user = client.new_user()
    now = int(time.time())
    # Expired: refused at refresh, without ending the session; logout still takes it.
    expired = legacy_refresh(alg, server, user, exp=now - 3600, iat=now - 90000)
    assert_refresh_invalid(client.refresh(expired))
    assert introspect(client, expired) == {"active": False}
    assert client.account(user.username, user.access).status_code == 200
    # Forged: a flipped signature bit, or the right signature under typ "at+jwt", is refused
    # everywhere and ends nothing.
    old = legacy_refresh(alg, server, user)
    head, payload, signature = old.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 1
    flipped = f"{head}.{payload}.{b64url_encode(bytes(raw))}"
    for forged in (flipped, resign(alg, server, old, ACCESS_TYPE)):
        assert_refresh_invalid(client.refresh(forged))
        assert_refresh_invalid(client.logout(forged))
        assert introspect(client, forged) == {"active": False}
    assert introspect(client, old)["active"] is True
    # An earlier-form refresh token is no access token at authd either.
    assert_token_not_valid(client.account(user.username, old))
    assert client.logout(expired).status_code == 200
    assert_token_not_valid(client.account(user.username, user.access))
    assert_refresh_invalid(client.refresh(old))


# ----------------------------------------------------------------------------------------------
# neighbours: an opaque token that anybody could write must not end a session

def test_attack_made_up_refresh_tokens_end_no_session(server):
    """The session id is no secret (it is the access token's `sid`, seen by every service the
    user calls): a made-up secret for it is refused, and is not taken for a reused token."""
    client = server.client()
    user = client.new_user()
    other = client.new_user()
    sid = user.claims["sid"]
    _, secret = user.refresh.split(".")
    _, other_secret = other.refresh.split(".")
    made_up = [
        f"{sid}.{b64url_encode(secrets.token_bytes(32))}",
        f"{sid}.{other_secret}",                       # another session's secret
        f"{other.claims['sid']}.{secret}",             # this secret on another session
        f"{sid}.{secret[:-1]}",                        # cut, lengthened, or respelt
        f"{sid}.{secret}A",
        f"{sid}.{secret[:-1]}{'B' if secret[-1] == 'A' else 'A'}",
        f"{sid}.",
        f".{secret}",
        f"{sid}.{secret}.{secret}",
        sid,
        secret,
        f"{sid}.{b64url_encode(secrets.token_bytes(16))}",
    ]
    for token in made_up:
        assert_refresh_invalid(client.refresh(token))
        r = client.logout(token)
        assert r.status_code == 401 and r.json()["code"] == "token_not_valid", (token, r.text)
        assert introspect(client, token) == {"active": False}
        assert_token_not_valid(client.account(user.username, token))
    for who in (user, other):
        assert introspect(client, who.refresh)["active"] is True
        assert client.account(who.username, who.access).status_code == 200
    assert client.refresh(user.refresh).status_code == 200
