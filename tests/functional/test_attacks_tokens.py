"""Attacks on tokens (issue 5, attack suite): forged algorithms, keys named by the token,
`kid` injection, flipped bits, time claims, type confusion, tokens that outlive their session,
refresh-token reuse and concurrent refreshes. Every test checks the answer and that nothing
changed: the account, the session's current refresh token, the number of sessions.

Already covered elsewhere and not repeated here: test_token_attacks.py (alg none on the access
route, HS256 with the EdDSA public key on GET, payload swap, a foreign key, expiry and its
leeway), test_keys_algorithms.py (RS512/ES256/HS256 confusion), test_refresh_logout.py and
test_concurrency.py (grace window, parallel refreshes)."""

import json
import socket
import threading
import time
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from authd_testlib import (
    BODY_INVALID_TICKET, TIMEOUT, TotpApp, assert_refresh_invalid,
    assert_token_not_valid, b64url_decode, b64url_encode, earlier_refresh_claims, encode_segment,
    hs256_sign, jwt_claims, jwt_header, jwt_parts,
)

ACCESS_ROUTES = [  # (method, path template, json body): routes that need a user access token
    ("GET", "/api/auth/{u}", None),
    ("PATCH", "/api/auth/update/{u}", {"lang": "fr"}),
    ("GET", "/api/auth/sessions/", None),
    ("POST", "/api/auth/logout_all", None),
]


# ----------------------------------------------------------------------------------------------
# servers

@pytest.fixture(scope="module")
def server(module_factory):
    return module_factory()


@pytest.fixture(scope="module")
def no_grace_server(module_factory):
    return module_factory({"AUTH_REFRESH_GRACE_PERIOD": "0"})


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rs256_server(module_factory, rsa_key, tmp_path_factory):
    path = tmp_path_factory.mktemp("rs256") / "jwt-rs256.pem"
    path.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    return module_factory({"AUTH_JWT_ALGORITHM": "RS256", "AUTH_JWT_PRIVATE_KEY_FILE": str(path)})


# ----------------------------------------------------------------------------------------------
# helpers

def server_ed25519_key(server) -> ed25519.Ed25519PrivateKey:
    with open(f"{server.data_dir}/jwt-eddsa.pem", "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def forge(header: dict, claims: dict, sign=None) -> str:
    """A compact JWS with exactly this header; `sign(signing_input) -> bytes` or no signature."""
    signing_input = encode_segment(header) + "." + encode_segment(claims)
    signature = sign(signing_input.encode()) if sign else b""
    return signing_input + "." + b64url_encode(signature)


def eddsa_signer(key):
    return key.sign


def with_claims(token: str, **changes) -> dict:
    return {**jwt_parts(token)[1], **changes}


def path_of(template: str, user) -> str:
    return template.format(u=quote(user.username, safe=""))


def assert_refused_everywhere(client, user, token):
    """The token opens no bearer route, and a write with it changed nothing."""
    for method, template, body in ACCESS_ROUTES:
        assert_token_not_valid(client.request(method, path_of(template, user), json=body,
                                              token=token))


def snapshot(client, user) -> dict:
    r = client.account(user.username, user.access)
    assert r.status_code == 200, r.text
    return r.json()


def refresh_is_current(client, refresh_token) -> bool:
    """Whether this refresh token is still its session's current one (introspect says a
    rotated or revoked one is inactive), without spending it."""
    r = client.introspect(refresh_token, client.service_token())
    assert r.status_code == 200, r.text
    return r.json()["active"] is True


def session_count(client, access) -> int:
    r = client.get("/api/auth/sessions/", token=access)
    assert r.status_code == 200, r.text
    return len(r.json()["sessions"])


def assert_state_unchanged(client, user, before):
    """The account reads as before, its first refresh token is still current, its password
    still works."""
    assert snapshot(client, user) == before
    assert refresh_is_current(client, user.refresh)
    assert client.login_raw(user.username, user.password).status_code == 200


def flip_bit(token: str, part: int, byte_index: int, bit: int = 0) -> str:
    parts = token.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[byte_index % len(raw)] ^= 1 << bit
    parts[part] = b64url_encode(bytes(raw))
    return ".".join(parts)


class ListenerProbe:
    """A TCP listener that only records whether anybody connected (a `jku`/`x5u` target)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


def enable_totp_2fa(client, user) -> TotpApp:
    """Turns 2FA on with a confirmed authenticator app (no e-mail needed); returns the app."""
    r = client.post("/api/auth/2fa/totp/", token=user.access)
    assert r.status_code == 200, r.text
    app = TotpApp(r.json()["secret"])
    r = client.post("/api/auth/2fa/totp/confirm", json={"code": app.next_code()},
                    token=user.access)
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/auth/update/{user.username}", json={"two_fa_enabled": True},
                     token=user.access)
    assert r.status_code == 200, r.text
    assert "totp" in r.json()["two_fa_methods"]
    return app


# ----------------------------------------------------------------------------------------------
# forged algorithms and keys

def test_attack_alg_none_and_empty_signature(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    header = jwt_header(user.access)
    claims = jwt_claims(user.access)
    refresh_claims = earlier_refresh_claims(user.access)
    forged = []
    for alg in ("none", "None", "NONE", "nOnE", ""):
        for extra in ({}, {"kid": header["kid"]}):
            h = {"alg": alg, "typ": "JWT", **extra}
            forged.append(forge(h, claims))                     # "h.p."
            forged.append(forge(h, claims)[:-1])                # "h.p" (two parts)
            forged.append(forge(h, claims, lambda _: b"\0" * 64))  # zero signature
    # The real algorithm with the signature cut off, or replaced by nothing but dots.
    head, payload, _ = user.access.split(".")
    forged += [f"{head}.{payload}.", f"{head}.{payload}", f"{head}.{payload}..", f"{head}.."]
    for token in forged:
        assert_refused_everywhere(client, user, token)
    for alg in ("none", "NONE"):
        none_refresh = forge({"alg": alg, "typ": "JWT"}, refresh_claims)
        assert_refresh_invalid(client.refresh(none_refresh))
        assert_refresh_invalid(client.logout(none_refresh))
        r = client.introspect(none_refresh, client.service_token())
        assert r.status_code == 200 and r.json() == {"active": False}
    assert_state_unchanged(client, user, before)


def test_attack_hs256_signed_with_the_eddsa_public_key(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    header = jwt_header(user.access)
    jwk = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    secrets_tried = [pem, pem.strip(), der, b64url_decode(jwk["x"]), jwk["x"].encode(),
                     json.dumps(jwk).encode(), json.dumps(jwk, separators=(",", ":")).encode()]
    for secret in secrets_tried:
        for h in ({"alg": "HS256", "typ": "JWT", "kid": header["kid"]},
                  {"alg": "HS256", "typ": "JWT"}):
            assert_refused_everywhere(client, user, hs256_sign(h, jwt_claims(user.access), secret))
            forged_refresh = hs256_sign(h, earlier_refresh_claims(user.access), secret)
            assert_refresh_invalid(client.refresh(forged_refresh))
    assert_state_unchanged(client, user, before)


def test_attack_hs256_signed_with_the_rs256_public_key(rs256_server, rsa_key):
    client = rs256_server.client()
    user = client.new_user()
    header = jwt_header(user.access)
    assert header["alg"] == "RS256"
    assert client.account(user.username, user.access).status_code == 200  # control
    before = snapshot(client, user)
    public = rsa_key.public_key()
    jwk = next(k for k in client.jwks()["keys"] if k["kid"] == header["kid"])
    spki_pem = public.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1_pem = public.public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.PKCS1)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    claims, refresh_claims = jwt_claims(user.access), earlier_refresh_claims(user.access)
    for secret in (spki_pem, spki_pem.strip(), pkcs1_pem, der, json.dumps(jwk).encode(),
                   b64url_decode(jwk["n"])):
        h = {"alg": "HS256", "typ": "JWT", "kid": header["kid"]}
        assert_refused_everywhere(client, user, hs256_sign(h, claims, secret))
        assert_refresh_invalid(client.refresh(hs256_sign(h, refresh_claims, secret)))

    # The server's own RSA key under another algorithm is refused too: only RS256 is accepted.
    def rsa_signer(pad, digest):
        return lambda data: rsa_key.sign(data, pad, digest)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    for alg, signer in (("RS512", rsa_signer(padding.PKCS1v15(), hashes.SHA512())),
                        ("RS384", rsa_signer(padding.PKCS1v15(), hashes.SHA384())),
                        ("PS256", rsa_signer(pss, hashes.SHA256()))):
        h = {"alg": alg, "typ": "JWT", "kid": header["kid"]}
        assert_refused_everywhere(client, user, forge(h, claims, signer))
    # Control: the same key and RS256, signed by us, is accepted (so the refusals above are
    # about the algorithm, not about our signing).
    good = forge({"alg": "RS256", "typ": "JWT", "kid": header["kid"]}, claims,
                 rsa_signer(padding.PKCS1v15(), hashes.SHA256()))
    assert client.account(user.username, good).status_code == 200
    assert snapshot(client, user) == before
    assert refresh_is_current(client, user.refresh)


def test_attack_keys_named_by_the_token_jwk_jku_x5u(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    kid = jwt_header(user.access)["kid"]
    claims = jwt_claims(user.access)
    mine = ed25519.Ed25519PrivateKey.generate()
    my_x = b64url_encode(mine.public_key().public_bytes(serialization.Encoding.Raw,
                                                        serialization.PublicFormat.Raw))
    my_jwk = {"kty": "OKP", "crv": "Ed25519", "x": my_x, "kid": kid}
    probe = ListenerProbe()
    try:
        url = f"http://127.0.0.1:{probe.port}/jwks.json"
        extras = [{"jwk": my_jwk}, {"jku": url}, {"x5u": url}, {"x5c": [b64url_encode(b"cert")]},
                  {"jwk": my_jwk, "jku": url, "x5u": url}]
        server_key = server_ed25519_key(server)
        for extra in extras:
            h = {"alg": "EdDSA", "typ": "JWT", "kid": kid, **extra}
            # Signed with our key, which the header offers: refused.
            assert_refused_everywhere(client, user, forge(h, claims, eddsa_signer(mine)))
            # Even signed with the server's real key, a token naming keys is refused.
            assert_refused_everywhere(client, user, forge(h, claims, eddsa_signer(server_key)))
            assert_refresh_invalid(client.refresh(
                forge(h, earlier_refresh_claims(user.access), eddsa_signer(mine))))
        time.sleep(0.3)
        assert probe.connections == 0, "the server fetched a key from a URL named by a token"
    finally:
        probe.close()
    # Control: the server's key with a clean header is accepted.
    clean = forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, claims, eddsa_signer(server_key))
    assert client.account(user.username, clean).status_code == 200
    assert_state_unchanged(client, user, before)


def test_attack_kid_injection(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    claims, refresh_claims = jwt_claims(user.access), earlier_refresh_claims(user.access)
    server_key = server_ed25519_key(server)
    kids = ["../../dev/null", "../../../../../../../../dev/null", "/dev/null",
            "' OR 1=1 --", "x' UNION SELECT 'secret' --", "", "\u0000", 123, None, ["a"]]
    for kid in kids:
        for alg, signer in (("HS256", None), ("EdDSA", eddsa_signer(server_key))):
            h = {"alg": alg, "typ": "JWT", "kid": kid}
            if signer is None:  # HMAC with the empty key that /dev/null would give
                token = hs256_sign(h, claims, b"")
                refresh = hs256_sign(h, refresh_claims, b"")
            else:  # a valid signature: only the kid is wrong
                token = forge(h, claims, signer)
                refresh = forge(h, refresh_claims, signer)
            assert_refused_everywhere(client, user, token)
            assert_refresh_invalid(client.refresh(refresh))
            assert_refresh_invalid(client.logout(refresh))
    # A 10 KB kid: as a bearer token it overflows the 8 KiB header limit (431, connection
    # closed); in a body it is read and refused.
    big = "k" * 10240
    h = {"alg": "EdDSA", "typ": "JWT", "kid": big}
    token = forge(h, claims, eddsa_signer(server_key))
    r = requests.get(server.base_url + f"/api/auth/{user.username}",
                     headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert r.status_code == 431, r.text[:200]
    assert r.json()["code"] == "headers_too_large"
    refresh = forge(h, refresh_claims, eddsa_signer(server_key))
    assert_refresh_invalid(client.refresh(refresh))
    assert_refresh_invalid(client.logout(refresh))
    r = client.introspect(token, client.service_token())
    assert r.status_code == 200 and r.json() == {"active": False}
    assert client.get("/healthz").status_code == 200
    assert_state_unchanged(client, user, before)


def test_attack_flipped_bits_in_each_part(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    for token, parts in ((user.access, (0, 1, 2)), (user.refresh, (0, 1))):
        for part in parts:  # a refresh token: the session id, then the secret
            size = len(b64url_decode(token.split(".")[part]))
            for index in (0, size // 2, size - 1):
                for bit in (0, 7):
                    flipped = flip_bit(token, part, index, bit)
                    assert_token_not_valid(client.account(user.username, flipped))
                    assert_refresh_invalid(client.refresh(flipped))
    # The same signature bytes in a non-canonical base64url spelling (the unused low bits of
    # the last character set) are refused as well: one token has one spelling.
    head, payload, sig = user.access.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    unused_bits = {2: 0b1111, 3: 0b11}.get(len(sig) % 4, 0)
    if unused_bits:
        variant = sig[:-1] + alphabet[last | unused_bits]
        assert b64url_decode(variant) == b64url_decode(sig)
        assert_token_not_valid(client.account(user.username, f"{head}.{payload}.{variant}"))
    assert_state_unchanged(client, user, before)


def test_attack_expired_future_nbf_and_far_future_iat(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    key = server_ed25519_key(server)
    kid = jwt_header(user.access)["kid"]
    now = int(time.time())

    def sign(token, **changes):
        return forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, with_claims(token, **changes),
                     eddsa_signer(key))

    def sign_refresh(**changes):  # a refresh token of the earlier form (a JWT), of this session
        return forge({"alg": "EdDSA", "typ": "JWT", "kid": kid},
                     {**earlier_refresh_claims(user.access), **changes}, eddsa_signer(key))

    # Control: re-signed with sane times, accepted (within the 30 s leeway both ways).
    assert client.account(user.username, sign(user.access, iat=now + 20, nbf=now + 20,
                                              exp=now + 300)).status_code == 200
    bad_times = [
        {"exp": now - 120},                        # expired, past the leeway
        {"exp": now - 31, "iat": now - 1000},
        {"nbf": now + 120},                        # not yet valid
        {"nbf": now + 10 ** 9},
        {"iat": now + 3600},                       # issued in the future
        {"iat": now + 10 ** 9, "exp": now + 10 ** 9 + 300},
        {"exp": str(now + 300)},                   # times that are not numbers
        {"exp": None},
        {"iat": None},
        {"exp": 1e300},
    ]
    for changes in bad_times:
        assert_token_not_valid(client.account(user.username, sign(user.access, **changes)))
        # A refresh token of the earlier form for this session, signed with a bad time:
        # refused, and not taken for a reused one (which would end the session).
        assert_refresh_invalid(client.refresh(sign_refresh(**changes)))
    assert_state_unchanged(client, user, before)


# ----------------------------------------------------------------------------------------------
# type confusion

def test_attack_token_type_confusion_in_every_direction(server):
    client = server.client()
    user = client.new_user()
    before = snapshot(client, user)
    service = client.service_token()
    # access as refresh, refresh as access, service as user (the login ticket: next test)
    assert_refresh_invalid(client.refresh(user.access))
    r = client.logout(user.access)
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid"
    assert_refused_everywhere(client, user, user.refresh)
    assert_refused_everywhere(client, user, service)
    assert_refresh_invalid(client.refresh(service))
    assert client.logout(service).status_code == 401
    # user tokens as service tokens: introspect needs a service token.
    for bearer in (user.access, user.refresh):
        assert_token_not_valid(client.introspect(user.access, bearer))
    # A service token is nobody's session: introspected as a service, never as a user.
    r = client.introspect(service, service)
    assert r.status_code == 200 and r.json().get("username") is None
    # tokens as login tickets
    for token in (user.access, user.refresh, service):
        r = client.post("/api/auth/otp", json={"ticket": token, "code": "123456"})
        assert r.status_code == 401 and r.json() == BODY_INVALID_TICKET
    assert session_count(client, user.access) == 1
    assert_state_unchanged(client, user, before)


def test_attack_login_ticket_used_as_a_token(server):
    client = server.client()
    user = client.new_user()
    app = enable_totp_2fa(client, user)
    sessions_before = session_count(client, user.access)
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 202, r.text
    ticket = r.json()["ticket"]
    assert "access" not in r.json() and "refresh" not in r.json()
    assert_refused_everywhere(client, user, ticket)
    assert_refresh_invalid(client.refresh(ticket))
    assert_refresh_invalid(client.logout(ticket))
    r = client.introspect(ticket, client.service_token())
    assert r.status_code == 200 and r.json() == {"active": False}
    r = client.post("/api/auth/introspect", json={"token": user.access}, token=ticket)
    assert_token_not_valid(r)
    assert session_count(client, user.access) == sessions_before
    # The ticket is still good for what it is for (so nothing above spent it).
    r = client.post("/api/auth/otp", json={"ticket": ticket, "code": app.next_code()})
    assert r.status_code == 200, r.text
    assert session_count(client, user.access) == sessions_before + 1


# ----------------------------------------------------------------------------------------------
# tokens that outlive their session

def test_attack_tokens_after_logout(server):
    client = server.client()
    user = client.new_user()
    other = client.login(user)  # a second session of the same user
    service = client.service_token()
    assert client.logout(user.refresh).status_code == 200
    assert_refused_everywhere(client, user, user.access)
    assert_refresh_invalid(client.refresh(user.refresh))
    for token in (user.access, user.refresh):
        assert client.introspect(token, service).json() == {"active": False}
    # A second logout is accepted and revives nothing.
    assert client.logout(user.refresh).status_code == 200
    assert_token_not_valid(client.account(user.username, user.access))
    # The other session is untouched, and it sees one session only.
    assert client.account(user.username, other.access).status_code == 200
    assert session_count(client, other.access) == 1
    assert refresh_is_current(client, other.refresh)


def test_attack_tokens_after_password_change(server):
    client = server.client()
    user = client.new_user()
    stolen = client.login(user)  # the session an attacker holds
    new_password = user.password + "Qz"
    r = client.put(f"/api/auth/password/{user.username}", token=user.access,
                   json={"password": user.password, "new_password": new_password,
                         "new_password2": new_password})
    assert r.status_code == 200, r.text
    assert_refused_everywhere(client, user, stolen.access)
    assert_refresh_invalid(client.refresh(stolen.refresh))
    service = client.service_token()
    assert client.introspect(stolen.refresh, service).json() == {"active": False}
    # The session that made the change goes on (documented: only the others are revoked).
    assert client.account(user.username, user.access).status_code == 200
    assert session_count(client, user.access) == 1
    r = client.login_raw(user.username, user.password)
    assert r.status_code == 401
    assert client.login_raw(user.username, new_password).status_code == 200


def test_attack_tokens_after_account_deletion(server):
    client = server.client()
    user = client.new_user()
    other = client.login(user)
    service = client.service_token()
    r = client.delete(f"/api/auth/delete/{user.username}", token=user.access)
    assert r.status_code == 204, r.text
    for session in (user, other):
        assert_refused_everywhere(client, user, session.access)
        assert_refresh_invalid(client.refresh(session.refresh))
        for token in (session.access, session.refresh):
            assert client.introspect(token, service).json() == {"active": False}
    # The name is registered again by someone else: the old tokens do not open it.
    newcomer = client.new_user(username=user.username)
    for session in (user, other):
        assert_token_not_valid(client.account(user.username, session.access))
        assert_refresh_invalid(client.refresh(session.refresh))
    assert session_count(client, newcomer.access) == 1


# ----------------------------------------------------------------------------------------------
# refresh-token reuse and races

def test_attack_refresh_reuse_revokes_the_whole_family(no_grace_server):
    client = no_grace_server.client()
    user = client.new_user()
    bystander = client.login(user)  # another session of the same user
    r = client.refresh(user.refresh)
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert client.account(user.username, rotated["access"]).status_code == 200
    # The stolen original is replayed: refused, and the session ends, rotated pair included.
    assert_refresh_invalid(client.refresh(user.refresh))
    assert_token_not_valid(client.account(user.username, rotated["access"]))
    assert_token_not_valid(client.account(user.username, user.access))
    assert_refresh_invalid(client.refresh(rotated["refresh"]))
    service = client.service_token()
    for token in (rotated["access"], rotated["refresh"]):
        assert client.introspect(token, service).json() == {"active": False}
    # Only that session: the user's other session is alive and sees itself alone.
    assert session_count(client, bystander.access) == 1
    assert refresh_is_current(client, bystander.refresh)


def test_attack_refresh_reuse_of_an_older_token_within_the_grace_window(server):
    """The grace window covers only the token just rotated: replaying one two rotations old
    is reuse at once, even seconds later."""
    client = server.client()
    user = client.new_user()
    first = client.refresh(user.refresh)
    assert first.status_code == 200
    second = client.refresh(first.json()["refresh"])
    assert second.status_code == 200
    assert_refresh_invalid(client.refresh(user.refresh))
    assert_refresh_invalid(client.refresh(second.json()["refresh"]))
    assert_token_not_valid(client.account(user.username, second.json()["access"]))


def _parallel_refreshes(server, token, n=20):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait(timeout=TIMEOUT)
        r = requests.post(server.base_url + "/api/auth/refresh", json={"refresh": token},
                          timeout=TIMEOUT)
        results[i] = (r.status_code, r.json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(result is not None for result in results), results
    return results


def test_attack_twenty_concurrent_refreshes_give_one_pair(server):
    client = server.client()
    user = client.new_user()
    results = _parallel_refreshes(server, user.refresh)
    assert [status for status, _ in results] == [200] * 20, results  # the grace answer
    pairs = {(body["access"], body["refresh"]) for _, body in results}
    assert len(pairs) == 1, "two different pairs were handed out for one refresh token"
    access, refresh = pairs.pop()
    assert session_count(client, access) == 1
    assert refresh_is_current(client, refresh)
    r = client.refresh(refresh)
    assert r.status_code == 200, r.text


def test_attack_twenty_concurrent_refreshes_without_grace(no_grace_server):
    client = no_grace_server.client()
    user = client.new_user()
    results = _parallel_refreshes(no_grace_server, user.refresh)
    winners = [body for status, body in results if status == 200]
    assert all(status in (200, 401) for status, _ in results), results
    assert len(winners) <= 1, "two pairs were handed out for one refresh token"
    # Without a grace period every other use is reuse: the session is ended, the winner's
    # pair with it.
    assert any(status == 401 for status, _ in results)
    if winners:
        assert_token_not_valid(client.account(user.username, winners[0]["access"]))
        assert_refresh_invalid(client.refresh(winners[0]["refresh"]))
    assert_token_not_valid(client.account(user.username, user.access))
    assert_token_not_valid(client.get("/api/auth/sessions/", token=user.access))
