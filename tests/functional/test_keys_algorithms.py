"""Signing algorithms, key files (given or generated), jwks, issuer/audience and lifetimes."""

import hashlib
import hmac
import json
import os
import subprocess

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authd_testlib import (
    SERVICES, assert_token_not_valid, b64url_decode, b64url_encode, encode_segment, free_port,
    hs256_sign, jwt_claims, jwt_header, jwt_parts,
)


@pytest.fixture(scope="module")
def rsa4096():
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


def write_key(path, key, fmt):
    if fmt == "traditional":
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
        assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    else:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    path.write_bytes(pem)
    os.chmod(path, 0o600)
    return str(path)


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def refresh_expiry(client, user) -> int:
    """When the user's (opaque) refresh token expires: its session's end, as introspected."""
    r = client.introspect(user.refresh, client.service_token())
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    return r.json()["exp"]


def hs_sign(alg, header, claims, secret):
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    signing_input = encode_segment(header) + "." + encode_segment(claims)
    return signing_input + "." + b64url_encode(
        hmac.new(secret, signing_input.encode(), digest).digest())


@pytest.mark.parametrize("fmt", ["traditional", "pkcs8"])
def test_rs512_with_existing_4096_bit_key(authd_factory, rsa4096, tmp_path, fmt):
    path = write_key(tmp_path / "jwt-private.pem", rsa4096, fmt)
    server = authd_factory({"AUTH_JWT_ALGORITHM": "RS512", "AUTH_JWT_PRIVATE_KEY_FILE": path})
    client = server.client()
    user = client.new_user()
    header = jwt_header(user.access)
    assert header["alg"] == "RS512" and header["typ"] == "at+jwt" and header["kid"]
    # As the microservices do: verify with the public PEM, RS512 only.
    pem = public_pem(rsa4096)
    claims = jwt.decode(user.access, pem, algorithms=["RS512"])
    assert claims["username"] == user.username
    assert claims["token_type"] == "access"
    assert "aud" not in claims
    with pytest.raises(jwt.InvalidTokenError):  # the refresh token is for authd alone
        jwt.decode(user.refresh, pem, algorithms=["RS512"])
    service = client.post("/api/auth/internal/auth",
                          json={"serviceName": "game", "password": SERVICES["game"]})
    assert service.status_code == 200, service.text
    assert jwt.decode(service.json()["token"], pem, algorithms=["RS512"])["service_name"] == "game"
    # jwks publishes the RSA public key.
    keys = client.jwks()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA" and key["alg"] == "RS512" and key["use"] == "sig"
    assert key["kid"] == header["kid"]
    assert "d" not in key and "p" not in key
    from_jwk = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
    assert from_jwk.public_numbers() == rsa4096.public_key().public_numbers()
    # The server accepts its own token.
    assert client.account(user.username, user.access).status_code == 200
    # The given key file is used, not copied or replaced.
    assert not os.path.exists(os.path.join(server.data_dir, "jwt-rs512.pem"))
    assert not os.path.exists(os.path.join(server.data_dir, "jwt-eddsa.pem"))

    # Algorithm confusion: HMAC with the public PEM as the secret, and the same RSA key with
    # another RSA algorithm: refused.
    _, user_claims, _ = jwt_parts(user.access)
    for alg in ("HS256", "HS512"):
        forged = hs_sign(alg, {"alg": alg, "typ": "JWT", "kid": header["kid"]}, user_claims, pem)
        assert_token_not_valid(client.account(user.username, forged))
    other_alg = jwt.encode(user_claims, rsa4096, algorithm="RS256",
                           headers={"kid": header["kid"]})
    assert_token_not_valid(client.account(user.username, other_alg))
    none = encode_segment({"alg": "none", "typ": "JWT"}) + "." + encode_segment(user_claims) + "."
    assert_token_not_valid(client.account(user.username, none))


GENERATED = {
    "EdDSA": ("jwt-eddsa.pem", "OKP"),
    "RS256": ("jwt-rs256.pem", "RSA"),
    "RS512": ("jwt-rs512.pem", "RSA"),
    "ES256": ("jwt-es256.pem", "EC"),
    "HS256": ("jwt-hs256.key", None),
}


def verify_with_jwks(client, token, alg):
    header = jwt_header(token)
    key = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    loader = {"OKP": jwt.algorithms.OKPAlgorithm, "RSA": jwt.algorithms.RSAAlgorithm,
              "EC": jwt.algorithms.ECAlgorithm}[key["kty"]]
    return jwt.decode(token, loader.from_jwk(json.dumps(key)), algorithms=[alg])


@pytest.mark.parametrize("alg", list(GENERATED))
def test_key_is_generated_once_and_reused_after_restart(authd_factory, alg):
    env = {} if alg == "EdDSA" else {"AUTH_JWT_ALGORITHM": alg}
    server = authd_factory(env)
    filename, kty = GENERATED[alg]
    path = os.path.join(server.data_dir, filename)
    assert os.path.exists(path), os.listdir(server.data_dir)
    assert os.stat(path).st_mode & 0o777 == 0o600
    with open(path, "rb") as f:
        content = f.read()
    client = server.client()
    user = client.new_user()
    header = jwt_header(user.access)
    assert header["alg"] == alg and header["kid"]
    jwks = client.jwks()

    if alg == "HS256":
        assert jwks["keys"] == []
        lines = content.decode().strip().splitlines()
        assert len(lines) == 1
        secret_text = lines[0].strip()
        assert len(b64url_decode(secret_text)) >= 32
        verified = None
        for secret in (b64url_decode(secret_text), secret_text.encode()):
            try:
                verified = jwt.decode(user.access, secret, algorithms=["HS256"])
                break
            except jwt.InvalidSignatureError:
                continue
        assert verified is not None, "the HS256 token verifies with neither form of the secret"
        assert verified["username"] == user.username
    else:
        assert content.startswith(b"-----BEGIN PRIVATE KEY-----"), content[:40]
        private = serialization.load_pem_private_key(content, None)
        expected_type = {"OKP": ed25519.Ed25519PrivateKey, "RSA": rsa.RSAPrivateKey,
                         "EC": ec.EllipticCurvePrivateKey}[kty]
        assert isinstance(private, expected_type)
        assert [k["kty"] for k in jwks["keys"]] == [kty]
        key = jwks["keys"][0]
        assert key["alg"] == alg and key["use"] == "sig" and key["kid"] == header["kid"]
        if kty == "EC":
            assert key["crv"] == "P-256"
        if kty == "RSA":
            assert private.key_size >= 2048
        assert "d" not in key
        claims = verify_with_jwks(client, user.access, alg)
        assert claims["username"] == user.username
        # The public key of the file is the one published.
        jwt.decode(user.access, public_pem(private), algorithms=[alg])

    assert client.account(user.username, user.access).status_code == 200

    server.restart()
    with open(path, "rb") as f:
        assert f.read() == content, "the key file changed across a restart"
    client = server.client()
    assert client.jwks() == jwks
    # Tokens issued before the restart are still good, and new ones carry the same kid.
    assert client.account(user.username, user.access).status_code == 200
    again = client.login(user)
    assert jwt_header(again.access)["kid"] == header["kid"]


def test_ecdsa_token_with_alg_none_or_hmac_is_refused(authd_factory):
    server = authd_factory({"AUTH_JWT_ALGORITHM": "ES256"})
    client = server.client()
    user = client.new_user()
    header, claims, _ = jwt_parts(user.access)
    key = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    pub = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(key))
    pem = pub.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = hs256_sign({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}, claims, pem)
    assert_token_not_valid(client.account(user.username, forged))
    none = encode_segment({"alg": "none"}) + "." + encode_segment(claims) + "."
    assert_token_not_valid(client.account(user.username, none))


def test_hs256_token_with_alg_none_is_refused(authd_factory):
    server = authd_factory({"AUTH_JWT_ALGORITHM": "HS256"})
    client = server.client()
    user = client.new_user()
    _, claims, _ = jwt_parts(user.access)
    none = encode_segment({"alg": "none"}) + "." + encode_segment(claims) + "."
    assert_token_not_valid(client.account(user.username, none))
    forged = hs256_sign({"alg": "HS256", "typ": "JWT"}, claims, b"guessed-secret")
    assert_token_not_valid(client.account(user.username, forged))


def test_audience_issuer_and_lifetimes_from_configuration(authd_factory):
    server = authd_factory({
        "AUTH_JWT_AUDIENCE": "transcendence",
        "AUTH_JWT_ISSUER": "https://auth.example.test",
        "AUTH_ACCESS_TOKEN_LIFETIME": "5m",
        "AUTH_REFRESH_TOKEN_LIFETIME": "3600",
        "AUTH_REFRESH_IDLE_TIMEOUT": "2h",
        "AUTH_SERVICE_TOKEN_LIFETIME": "2h",
    })
    client = server.client()
    user = client.new_user()
    access = jwt_claims(user.access)
    assert access["aud"] == "transcendence"
    assert access["iss"] == "https://auth.example.test"
    assert access["exp"] - access["iat"] == 300
    assert refresh_expiry(client, user) - access["iat"] == 3600
    service = jwt_claims(client.service_token())
    assert service["exp"] - service["iat"] == 7200
    key = next(k for k in client.jwks()["keys"] if k["kid"] == jwt_header(user.access)["kid"])
    pub = jwt.algorithms.OKPAlgorithm.from_jwk(json.dumps(key))
    claims = jwt.decode(user.access, pub, algorithms=["EdDSA"], audience="transcendence",
                        issuer="https://auth.example.test")
    assert claims["username"] == user.username
    assert client.account(user.username, user.access).status_code == 200
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text
    assert jwt_claims(r.json()["access"])["aud"] == "transcendence"


def test_days_and_hours_duration_suffixes(authd_factory):
    server = authd_factory({"AUTH_ACCESS_TOKEN_LIFETIME": "1h",
                            "AUTH_REFRESH_TOKEN_LIFETIME": "2d",
                            "AUTH_REFRESH_IDLE_TIMEOUT": "3d",
                            "AUTH_SERVICE_TOKEN_LIFETIME": "90s"})
    client = server.client()
    user = client.new_user()
    access = jwt_claims(user.access)
    assert access["exp"] - access["iat"] == 3600
    assert refresh_expiry(client, user) - access["iat"] == 2 * 86400
    service = jwt_claims(client.service_token())
    assert service["exp"] - service["iat"] == 90


def test_missing_key_file_is_a_start_up_error(authd_binary, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env.update({"AUTH_LISTEN": f"127.0.0.1:{free_port()}", "AUTH_DATA_DIR": str(tmp_path),
                "AUTH_DATABASE_URL": f"sqlite://{tmp_path}/auth.db",
                "AUTH_JWT_ALGORITHM": "RS512",
                "AUTH_JWT_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")})
    result = subprocess.run([authd_binary], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=10, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert b"AUTH_JWT_PRIVATE_KEY_FILE" in result.stderr, result.stderr
