"""Forged, tampered, confused and expired tokens: all refused with 401 token_not_valid."""

import os
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from authd_testlib import (
    assert_refresh_invalid, assert_token_not_valid, b64url_decode, earlier_refresh_claims,
    encode_segment, hs256_sign, jwt_parts,
)


def server_private_key(server):
    path = os.path.join(server.data_dir, "jwt-eddsa.pem")
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def sign_with_server_key(server, token, **changes):
    header, claims, _ = jwt_parts(token)
    claims = {**claims, **changes}
    return jwt.encode(claims, server_private_key(server), algorithm="EdDSA",
                      headers={"kid": header["kid"], "typ": "JWT"})


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_token_is_refused(client, alg):
    user = client.new_user()
    header, claims, _ = jwt_parts(user.access)
    forged = encode_segment({"alg": alg, "typ": "JWT"}) + "." + encode_segment(claims) + "."
    assert_token_not_valid(client.account(user.username, forged))
    forged_kid = (encode_segment({"alg": alg, "typ": "JWT", "kid": header["kid"]}) + "." +
                  encode_segment(claims) + ".")
    assert_token_not_valid(client.account(user.username, forged_kid))
    # Without the trailing dot as well.
    assert_token_not_valid(client.account(user.username, forged_kid[:-1]))


def test_alg_none_refresh_token_is_refused(client):
    user = client.new_user()
    claims = earlier_refresh_claims(user.access)  # a refresh token of the earlier form (a JWT)
    forged = encode_segment({"alg": "none", "typ": "JWT"}) + "." + encode_segment(claims) + "."
    assert_refresh_invalid(client.refresh(forged))


def test_hs256_signed_with_public_key_pem_is_refused(client):
    user = client.new_user()
    header, claims, _ = jwt_parts(user.access)
    jwk = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    raw = b64url_decode(jwk["x"])
    public = Ed25519PublicKey.from_public_bytes(raw)
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    forged_header = {"alg": "HS256", "typ": "JWT", "kid": header["kid"]}
    for secret in (pem, pem.strip(), der, raw, jwk["x"].encode()):
        forged = hs256_sign(forged_header, claims, secret)
        assert_token_not_valid(client.account(user.username, forged))


def test_forged_payload_with_original_signature_is_refused(client):
    alice = client.new_user()
    bob = client.new_user()
    header_b64, _, signature = alice.access.split(".")
    _, claims, _ = jwt_parts(alice.access)
    claims["username"] = bob.username
    forged = header_b64 + "." + encode_segment(claims) + "." + signature
    assert_token_not_valid(client.account(bob.username, forged))
    assert_token_not_valid(client.account(alice.username, forged))


def test_flipped_signature_is_refused(client):
    user = client.new_user()
    head, payload, sig = user.access.split(".")
    flipped = sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")
    assert_token_not_valid(client.account(user.username, f"{head}.{payload}.{flipped}"))
    assert_token_not_valid(client.account(user.username, f"{head}.{payload}."))


def test_token_signed_by_another_key_is_refused(client):
    user = client.new_user()
    header, claims, _ = jwt_parts(user.access)
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                        headers={"kid": header["kid"]})
    assert_token_not_valid(client.account(user.username, forged))


def test_key_file_is_pkcs8_with_mode_0600(server):
    path = os.path.join(server.data_dir, "jwt-eddsa.pem")
    assert os.path.exists(path), os.listdir(server.data_dir)
    assert os.stat(path).st_mode & 0o777 == 0o600
    with open(path, "rb") as f:
        pem = f.read()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----"), pem[:40]
    assert isinstance(serialization.load_pem_private_key(pem, None), Ed25519PrivateKey)


def test_token_signed_with_server_key_is_accepted_control(client, server):
    """Control for the tests below: a token we sign ourselves with the server's key and sane
    claims is accepted, so their refusals come from the claim under test."""
    user = client.new_user()
    now = int(time.time())
    token = sign_with_server_key(server, user.access, iat=now, exp=now + 300,
                                 jti=uuid.uuid4().hex)
    r = client.account(user.username, token)
    assert r.status_code == 200, r.text


def test_expired_access_token_is_refused(client, server):
    user = client.new_user()
    now = int(time.time())
    expired = sign_with_server_key(server, user.access, iat=now - 1000, exp=now - 120,
                                   jti=uuid.uuid4().hex)
    assert_token_not_valid(client.account(user.username, expired))


def test_expired_within_leeway_is_accepted(client, server):
    user = client.new_user()
    now = int(time.time())
    token = sign_with_server_key(server, user.access, iat=now - 1000, exp=now - 10,
                                 jti=uuid.uuid4().hex)
    r = client.account(user.username, token)
    assert r.status_code == 200, r.text


def test_expired_refresh_token_is_refused(client, server):
    user = client.new_user()
    now = int(time.time())
    # A refresh token of the earlier form (a JWT), expired.
    expired = sign_with_server_key(server, user.access, token_type="refresh", iat=now - 100000,
                                   exp=now - 120)
    assert_refresh_invalid(client.refresh(expired))


def test_access_token_with_refresh_type_claim_is_refused(client, server):
    user = client.new_user()
    forged = sign_with_server_key(server, user.access, token_type="refresh")
    assert_token_not_valid(client.account(user.username, forged))


def test_token_for_unknown_session_is_refused(client, server):
    user = client.new_user()
    forged = sign_with_server_key(server, user.access, sid=str(uuid.uuid4()))
    assert_token_not_valid(client.account(user.username, forged))


def test_expired_token_introspects_inactive(client, server):
    user = client.new_user()
    now = int(time.time())
    expired = sign_with_server_key(server, user.access, iat=now - 1000, exp=now - 120)
    r = client.introspect(expired, client.service_token())
    assert r.status_code == 200, r.text
    assert r.json() == {"active": False}


def test_service_token_with_forged_type_is_refused(client, server):
    user = client.new_user()
    service = client.service_token()
    _, claims, _ = jwt_parts(service)
    forged = encode_segment({"alg": "none"}) + "." + encode_segment(
        {**claims, "token_type": "access", "username": user.username}) + "."
    assert_token_not_valid(client.account(user.username, forged))
