#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

The seeds are committed; this script documents how they were made and remakes them
(`python3 tests/fuzz/make_corpus.py`). The JWT seeds are signed with the fuzz-only keys of
fuzz_jwt.cpp and dated around its clock (1 700 000 000). Needs python3-cryptography.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

ED25519_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEILy63Cji0dzTGEvN4brDCPQxgrZmfIfruZA9Tc8pLAz6
-----END PRIVATE KEY-----
"""
HS256_SECRET = b"fuzz-only-hs256-secret-0123456789abcdef"
ES256_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDdvY+3WBtSGZwnPf
MwhcYHaKIG3SOzHntpkli24nJPqhRANCAAQtwMymOHzsHC/S/UTWKvZDQWAUTNjC
KoETwVX/noFZbs91pc5FE1iWssNGHa43uVRjSr3SH4J9QGE24jGb7leg
-----END PRIVATE KEY-----
"""
REFRESH_KEY = b"fuzz-only-refresh-token-key-0123456789"
NOW = 1_700_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def thumbprint(members: dict) -> str:  # RFC 7638
    return b64(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True)
                              .encode()).digest())


class Key:
    def __init__(self, alg):
        self.alg = alg
        if alg == "EdDSA":
            self.key = serialization.load_pem_private_key(ED25519_PEM, None)
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw)
            self.kid = thumbprint({"crv": "Ed25519", "kty": "OKP", "x": b64(raw)})
        elif alg == "ES256":
            self.key = serialization.load_pem_private_key(ES256_PEM, None)
            numbers = self.key.public_key().public_numbers()
            self.kid = thumbprint({"crv": "P-256", "kty": "EC",
                                   "x": b64(numbers.x.to_bytes(32, "big")),
                                   "y": b64(numbers.y.to_bytes(32, "big"))})
        else:
            self.kid = b64(hashlib.sha256(b"authd-hs256-kid:" + HS256_SECRET).digest())[:16]

    def sign(self, signing_input: bytes) -> bytes:
        if self.alg == "EdDSA":
            return self.key.sign(signing_input)
        if self.alg == "ES256":
            r, s = decode_dss_signature(self.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return hmac.new(HS256_SECRET, signing_input, hashlib.sha256).digest()

    def header(self, **extra) -> dict:
        return {"alg": self.alg, "typ": "JWT", "kid": self.kid, **extra}

    def token(self, claims, header=None) -> str:
        signing_input = (b64(compact(header or self.header())) + "." + b64(compact(claims)))
        return signing_input + "." + b64(self.sign(signing_input.encode()))


# The flag byte of fuzz_jwt: bit 0 mode, (bits 1-2) % 3 the key, bit 3 an audience.
KEY_INDEX = {"EdDSA": 0, "HS256": 1, "ES256": 2}


def jwt_flags(mode: int, alg: str, audience: bool = False) -> bytes:
    return bytes([mode | KEY_INDEX[alg] << 1 | (8 if audience else 0)])


def user_claims(kind="access", **extra):
    claims = {"token_type": kind, "exp": NOW + 900, "iat": NOW - 60, "jti": "j-" + kind,
              "username": "alice", "sub": "6f1c0e9e-0000-4000-8000-000000000001",
              "sid": "s-1", "auth_time": NOW - 60, "iss": "authd"}
    claims.update(extra)
    return claims


def service_claims(**extra):
    claims = {"token_type": "service", "service_name": "game", "exp": NOW + 3600,
              "iat": NOW - 60, "jti": "j-service", "iss": "authd"}
    claims.update(extra)
    return claims


def opaque_refresh(session_id: str, identifier: bytes) -> str:
    """authd's refresh token: `<session id>.<base64url(identifier, BLAKE2b-128 tag)>`."""
    jti = b64(identifier)
    tag = hashlib.blake2b(session_id.encode() + b"\0" + jti.encode(), key=REFRESH_KEY,
                          digest_size=16).digest()
    return session_id + "." + b64(identifier + tag)


def high_byte_for_underscore(token: str) -> bytes:
    encoded = token.encode()
    at = encoded.index(b"_", encoded.index(b"."))
    return encoded[:at] + b"\xdf" + encoded[at + 1:]


def jwt_seeds():
    ed, hs, es = Key("EdDSA"), Key("HS256"), Key("ES256")
    seeds = {
        # mode 0: tokens as clients send them
        "ed_access": jwt_flags(0, "EdDSA") + ed.token(user_claims()).encode(),
        "hs_refresh": jwt_flags(0, "HS256") + hs.token(user_claims("refresh")).encode(),
        "es_service": jwt_flags(0, "ES256") + es.token(service_claims()).encode(),
        "ed_expired": jwt_flags(0, "EdDSA") + ed.token(
            user_claims(exp=NOW - 3600, iat=NOW - 7200)).encode(),
        "ed_audience_list": jwt_flags(0, "EdDSA", True) + ed.token(
            user_claims(aud=["other", "game"])).encode(),
        "alg_none": jwt_flags(0, "EdDSA") + (
            b64(compact({"alg": "none", "typ": "JWT"})) + "." + b64(compact(user_claims())) +
            ".").encode(),
        "alg_confusion_hs_with_ed_kid": jwt_flags(0, "EdDSA") + hs.token(
            user_claims(), {"alg": "HS256", "typ": "JWT", "kid": ed.kid}).encode(),
        "two_parts": jwt_flags(0, "HS256") + b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
        "not_base64": jwt_flags(0, "ES256") + b"ey!!.ey==.sig+/",
        "ed_access_typed": jwt_flags(0, "EdDSA") + ed.token(
            user_claims(), ed.header(typ="at+jwt")).encode(),
        "hs_service_typed": jwt_flags(0, "HS256") + hs.token(
            service_claims(), hs.header(typ="service+jwt")).encode(),
        "es_access_typed_as_service": jwt_flags(0, "ES256") + es.token(
            user_claims(), es.header(typ="service+jwt")).encode(),
        "opaque_refresh": jwt_flags(0, "EdDSA") + opaque_refresh(
            "c2Vzc2lvbi1pZC0xMjM0NQ", bytes(range(16))).encode(),
        # A '_' of the tag spelt as a byte >= 0x80, which libsodium 1.0.18 reads as '_'.
        "opaque_refresh_high_byte": jwt_flags(0, "EdDSA") + high_byte_for_underscore(
            opaque_refresh("c2Vzc2lvbi1pZC0xMjM0NQ", bytes(range(16)))),
        "opaque_refresh_bad_tag": jwt_flags(0, "HS256") + (
            opaque_refresh("c2Vzc2lvbi1pZC0xMjM0NQ", bytes(range(16)))[:-2] + "AA").encode(),
        # mode 1: header line, payload; the target signs them with its key
        "signed_access": jwt_flags(1, "EdDSA") + compact(ed.header()) + b"\n" +
        compact(user_claims()),
        "signed_crit": jwt_flags(1, "HS256") + compact(hs.header(crit=["exp"])) + b"\n" +
        compact(user_claims()),
        "signed_jku": jwt_flags(1, "ES256") + compact(es.header(jku="https://evil.test/k")) +
        b"\n" + compact(service_claims()),
        "signed_alg_array": jwt_flags(1, "EdDSA") + b'{"alg":["EdDSA"]}\n' +
        compact(user_claims()),
        "signed_odd_numbers": jwt_flags(1, "HS256", True) + b'{"alg":"HS256"}\n' +
        b'{"token_type":"access","exp":1e400,"iat":18446744073709551615,"nbf":-1,'
        b'"jti":"x","username":"u","sub":"1","sid":"s","aud":"game","iss":"authd"}',
        "signed_payload_array": jwt_flags(1, "ES256") + b'{"alg":"ES256"}\n[1,2,3]',
        "signed_wrong_types": jwt_flags(1, "EdDSA") + b'{"alg":"EdDSA","kid":7}\n' +
        b'{"token_type":"refresh","exp":"soon","iat":null,"jti":"","username":{},"iss":1}',
    }
    return seeds


def json_body_seeds():
    register = {"username": "alice", "email": "alice@example.com",
                "password": "purple-monkey-dishwasher-42",
                "password2": "purple-monkey-dishwasher-42"}
    j = b"application/json\n"
    return {
        "register": j + compact(register),
        "register_2fa_lang": j + compact({**register, "two_fa_enable": True, "lang": "fr"}),
        "login_charset": b"application/json; charset=utf-8\n" +
        compact({"username": "alice", "password": "x"}),
        "update_partial": j + compact({"two_fa_enable": True, "two_fa_enabled": False,
                                       "refresh": "x", "lang": "es"}),
        "wrong_types": j + b'{"username":5,"email":null,"password":[],"password2":{},'
        b'"two_fa_enable":"true","lang":"de","extra":1}',
        "text_plain": b"text/plain\n" + compact(register),
        "no_content_type": b"\n" + compact(register),
        "empty_body": b"application/json\n",
        "duplicate_key": j + b'{"username":"alice","username":"bob"}',
        "too_deep": j + b"[" * 33 + b"]" * 33,
        "nan_infinity": j + b'{"a":NaN,"b":Infinity,"c":-Infinity}',
        "invalid_utf8": j + b'{"username":"\xc3\x28\xff"}',
        "not_object": j + b"[1,2,3]",
        "null_body": j + b"null",
        "trailing_data": j + b"{} {}",
        "escapes_numbers": j + b'{"username":"\\u0000\\ud83d\\ude00\\u00e9","n":-0.0e-5,'
        b'"big":123456789012345678901234567890,"email":"  "}',
        "comment": j + b'{"username":"a" /* c */}',
    }


def router_seeds():
    return {
        "get_account": b"GET\n/api/auth/alice",
        "head_jwks": b"HEAD\n/api/auth/jwks",
        "login_trailing_slash": b"POST\n/api/auth/login/",
        "delete_sessions_405": b"DELETE\n/api/auth/sessions",
        "delete_session": b"DELETE\n/api/auth/sessions/3f2a",
        "reset_link": b"GET\n/api/auth/reset/MQ/aB3_-x9/",
        "verify_link_query": b"GET\n/api/auth/verify_email/MQ/tok?next=%2F#top",
        "percent_utf8": b"GET\n/api/auth/%E2%82%ACuro",
        "percent_bad": b"GET\n/api/auth/%zz",
        "update_query": b"PATCH\n/api/auth/update/bob?x=1",
        "options": b"OPTIONS\n/healthz",
        "unknown_method": b"BREW\n/.well-known/jwks.json",
        "empty_segment": b"GET\n//api//auth",
        "encoded_slash": b"PUT\n/api/auth/password/al%2Fice",
        "totp": b"DELETE\n/api/auth/2fa/totp/",
        "root": b"POST\n/api/auth/",
    }


def links_seeds():
    uid = b64(b"6f1c0e9e-0000-4000-8000-000000000001").encode()
    token = b64(bytes(range(32))).encode()
    return {
        "valid": uid + b"/" + token,
        "short_id": b"MQ/" + token,
        "padded": b"MQ==/" + token,
        "non_canonical": b"MR/" + token,
        "standard_alphabet": b"+/8=/" + token,
        "one_char": b"M/" + token,
        "empty_uid": b"/" + token,
        "empty_token": uid + b"/",
        "token_64": uid + b"/" + b"a" * 64,
        "token_65": uid + b"/" + b"a" * 65,
        "token_with_slash": uid + b"/" + token + b"/extra",
        "whitespace": b" MQ/ " + token,
        "no_slash": uid,
    }


def email_seeds():
    return {
        "plain": b"alice@example.com",
        "plus_subdomain": b"a.b-c+d@sub.example.co.uk\nAlice Example",
        "quoted_local": b'"quoted"@example.com',
        "single_label": b"user@localhost",
        "numeric_tld": b"user@1.2.3.4",
        "hyphen_label": b"x@-bad.com",
        "local_64": b"l" * 64 + b"@example.com",
        "local_65": b"l" * 65 + b"@example.com",
        "max_254": b"a" * 64 + b"@" + b".".join([b"b" * 63, b"c" * 63, b"d" * 61]),
        "utf8_name": "bob@example.com\nJosé García — Sécurité".encode(),
        "quoted_name": b'bob@example.com\n"Bob, the \\"builder\\""',
        "encoded_word_name": b"bob@example.com\n=?utf-8?q?x?=",
        "long_subject": b"carol@example.com\n" + "é".encode() * 1500,
        "reserved_username": b"Admin",
        "username": b"user.name_1-2",
        "double_dot": b"a..b@example.com",
        "atext_symbols": b"!#$%&'*+/=?^_`{|}~-@example.com",
        "angle_injection": b"alice@example.com>, evil@example.com <x",
        "utf8_address": "ünï@exämple.com".encode(),
    }


def cbor_head(major: int, value: int) -> bytes:
    """A CBOR item's head in its shortest form (RFC 8949 §3)."""
    if value < 24:
        return bytes([major << 5 | value])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * width):
            return bytes([major << 5 | info]) + value.to_bytes(width, "big")
    raise ValueError(value)


def cbor_text(text: str) -> bytes:
    return cbor_head(3, len(text.encode())) + text.encode()


def cbor_bytes(data: bytes) -> bytes:
    return cbor_head(2, len(data)) + data


def cbor_int(value: int) -> bytes:
    return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)


def cbor_seeds():
    # An ES256 COSE key (kty 2, alg -7, crv 1, x, y) and a "none" attestation object around it.
    cose_key = (cbor_head(5, 5) + cbor_int(1) + cbor_int(2) + cbor_int(3) + cbor_int(-7)
                + cbor_int(-1) + cbor_int(1) + cbor_int(-2) + cbor_bytes(bytes(range(32)))
                + cbor_int(-3) + cbor_bytes(bytes(range(32, 64))))
    credential_id = bytes(range(16))
    auth_data = (hashlib.sha256(b"localhost").digest() + bytes([0x45]) + (0).to_bytes(4, "big")
                 + bytes(16) + len(credential_id).to_bytes(2, "big") + credential_id + cose_key)
    attestation = (cbor_head(5, 3) + cbor_text("fmt") + cbor_text("none") + cbor_text("attStmt")
                   + cbor_head(5, 0) + cbor_text("authData") + cbor_bytes(auth_data))
    return {
        "cose_key_es256": cose_key,
        "attestation_none": attestation,
        "cose_key_then_extensions": cose_key + cbor_head(5, 1) + cbor_text("credProtect")
        + cbor_int(1),
        "indefinite_array": bytes.fromhex("9f018202039f0405ffff"),
        "indefinite_bytes": bytes.fromhex("5f42010243030405ff"),
        "repeated_key": bytes.fromhex("a20102180103"),
        "bytes_key": bytes.fromhex("a1410101"),
        "nested_deep": bytes.fromhex("81" * 12 + "00"),
        "tagged": bytes.fromhex("c1818100"),
        "negative_min": bytes.fromhex("3b7fffffffffffffff"),
        "floats": bytes.fromhex("83f93c00fa47c35000fb3ff199999999999a"),
        "truncated": bytes.fromhex("430102"),
    }


def main():
    for target, seeds in {"fuzz_jwt": jwt_seeds(), "fuzz_json_body": json_body_seeds(),
                          "fuzz_router": router_seeds(), "fuzz_links": links_seeds(),
                          "fuzz_email": email_seeds(), "fuzz_cbor": cbor_seeds()}.items():
        directory = os.path.join(CORPUS, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for name, data in seeds.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
