"""Issue 14, item 11: the kind of each token authd issues, as a verifier sees it. Access tokens
are typed `at+jwt` (RFC 9068) and service tokens `service+jwt`, so that verifiers that check
`typ` tell the kinds apart, and authd checks that the type agrees with `token_type`: a token
typed as another kind is refused even with a valid signature. Tokens typed `JWT` by earlier
versions are still accepted until they expire."""

import os

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from authd_testlib import assert_token_not_valid, b64url_decode, jwt_claims, jwt_header

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
# typ

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
