"""A software WebAuthn authenticator and client for the black-box tests (WebAuthn Level 3).

It takes the JSON forms of the options the server sends (PublicKeyCredentialCreationOptionsJSON,
PublicKeyCredentialRequestOptionsJSON) and answers with the JSON form of the credential
(PublicKeyCredential.toJSON()), as a browser with a platform authenticator would. Keyword
faults build the corrupted answers of the negative tests; everything that is not corrupted on
purpose stays valid (the authenticator data, even a faulty one, is signed), so a refusal can
only come from the fault under test. A credential made with faults is remembered all the same.

Faults of both ceremonies: origin, rp_id (hashed into the authenticator data), type, challenge,
cross_origin, user_present, user_verified, sign_count, bad_signature (at registration only with
"packed"), backed_up_without_eligible, extra_authdata_bytes=N. Of create only: fmt="...",
cbor= one of CBOR_FAULTS. Of get only: user_handle=b"..." (None leaves the member out),
claimed_id=b"..." (the id and rawId sent; `credential_id` picks the key that signs).

Needs only the standard library, Debian's python3-cryptography and python3-cbor2.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import struct
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ALG_EDDSA = -8
ALG_ES256 = -7
ALG_RS256 = -257
ALGORITHMS = (ALG_EDDSA, ALG_ES256, ALG_RS256)

# Authenticator data flags (§6.1).
FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
FLAG_ED = 0x80

AAGUID_NONE = bytes(16)

# The faults each ceremony accepts; anything else is a typo in a test and raises TypeError.
_COMMON_FAULTS = {"origin", "rp_id", "type", "challenge", "cross_origin", "user_present",
                  "user_verified", "sign_count", "bad_signature", "backed_up_without_eligible",
                  "extra_authdata_bytes"}
CREATE_FAULTS = _COMMON_FAULTS | {"fmt", "cbor"}
GET_FAULTS = _COMMON_FAULTS | {"user_handle", "claimed_id"}
CBOR_FAULTS = ("duplicate_key", "trailing_bytes", "truncated", "indefinite")

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decodes base64url without padding; strict, so that a server writing '+', '/' or '='
    fails the test instead of being decoded leniently."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError(f"not base64url without padding: {text!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class WebAuthnError(Exception):
    """What navigator.credentials would reject with; `name` is the DOMException's name
    (NotAllowedError, InvalidStateError, NotSupportedError)."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass
class Credential:
    """A credential the authenticator remembers (every one is discoverable)."""
    id: bytes
    rp_id: str
    user_handle: bytes
    user_name: str
    algorithm: int
    private_key: Any  # a cryptography private key of the algorithm
    sign_count: int = 0

    def public_key_der(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def cose_key(self) -> bytes:
        """The public key as a canonical CBOR COSE_Key (RFC 9053)."""
        public = self.private_key.public_key()
        if self.algorithm == ALG_EDDSA:
            x = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            key = {1: 1, 3: ALG_EDDSA, -1: 6, -2: x}
        elif self.algorithm == ALG_ES256:
            numbers = public.public_numbers()
            key = {1: 2, 3: ALG_ES256, -1: 1,
                   -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        else:
            numbers = public.public_numbers()
            key = {1: 3, 3: ALG_RS256, -1: _int_bytes(numbers.n), -2: _int_bytes(numbers.e)}
        return cbor2.dumps(key, canonical=True)

    def sign(self, data: bytes) -> bytes:
        """EdDSA raw, ES256 DER ECDSA, RS256 PKCS#1 v1.5, the last two with SHA-256."""
        if self.algorithm == ALG_EDDSA:
            return self.private_key.sign(data)
        if self.algorithm == ALG_ES256:
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _new_private_key(algorithm: int):
    if algorithm == ALG_EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == ALG_ES256:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _as_bytes(credential_id) -> bytes:
    return credential_id if isinstance(credential_id, bytes) else unb64url(credential_id)


def _flip_bit(signature: bytes) -> bytes:
    # The last byte: still well-formed DER for ES256 (it is inside s), only the value is wrong.
    return signature[:-1] + bytes([signature[-1] ^ 0x01])


class SoftAuthenticator:
    """A platform authenticator with its client, bound to one origin."""

    def __init__(self, origin: str, algorithm: int = ALG_EDDSA, user_verifying: bool = True,
                 backup_eligible: bool = False, backed_up: bool = False,
                 attestation: str = "none"):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported algorithm {algorithm}")
        if attestation not in ("none", "packed"):
            raise ValueError(f"attestation must be 'none' or 'packed', not {attestation!r}")
        if backed_up and not backup_eligible:
            # §6.1: BS without BE is invalid; the fault backed_up_without_eligible builds it.
            raise ValueError("backed_up needs backup_eligible")
        self.origin = origin
        self.algorithm = algorithm
        self.user_verifying = user_verifying
        self.backup_eligible = backup_eligible
        self.backed_up = backed_up
        self.attestation = attestation
        self.credentials: list[Credential] = []

    def find(self, credential_id) -> Optional[Credential]:
        """The remembered credential with this id (bytes or base64url), or None."""
        wanted = _as_bytes(credential_id)
        return next((c for c in self.credentials if c.id == wanted), None)

    # -- registration (§5.1.3) -------------------------------------------------------------

    def create(self, options: dict, **faults) -> dict:
        """navigator.credentials.create(): a new credential, remembered, as toJSON() gives it.
        Accepts the options themselves or the server's {"publicKey": options}."""
        _check_faults(faults, CREATE_FAULTS)
        options = options.get("publicKey", options)
        rp_id = options["rp"].get("id") or urlsplit(self.origin).hostname
        offered = [p["alg"] for p in options.get("pubKeyCredParams") or []
                   if p.get("type") == "public-key"]
        if not options.get("pubKeyCredParams"):
            offered = [ALG_ES256, ALG_RS256]  # §5.1.3: the client's default for an empty list
        if self.algorithm not in offered:
            raise WebAuthnError("NotSupportedError",
                                f"algorithm {self.algorithm} not in pubKeyCredParams {offered}")
        for excluded in options.get("excludeCredentials") or []:
            known = self.find(excluded["id"])
            if known is not None and known.rp_id == rp_id:
                raise WebAuthnError("InvalidStateError", "a credential in excludeCredentials "
                                    "is already on this authenticator")

        credential = Credential(
            id=secrets.token_bytes(16 + secrets.randbelow(17)), rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]), user_name=options["user"]["name"],
            algorithm=self.algorithm, private_key=_new_private_key(self.algorithm))
        counter = faults.get("sign_count", 0)
        credential.sign_count = counter
        self.credentials.append(credential)

        client_data = self._client_data("webauthn.create", options["challenge"], faults)
        attested = (AAGUID_NONE + struct.pack(">H", len(credential.id)) + credential.id
                    + credential.cose_key())
        auth_data = self._authenticator_data(rp_id, FLAG_AT, counter, faults, attested)

        fmt = self.attestation
        att_stmt: dict = {}
        if fmt == "packed":
            # Self attestation (§8.2): the credential's own key signs, no x5c.
            signature = credential.sign(auth_data + hashlib.sha256(client_data).digest())
            if faults.get("bad_signature"):
                signature = _flip_bit(signature)
            att_stmt = {"alg": self.algorithm, "sig": signature}
        elif faults.get("bad_signature"):
            raise ValueError("bad_signature needs attestation='packed' at registration")
        fmt = faults.get("fmt", fmt)

        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(
                    _attestation_object(fmt, att_stmt, auth_data, faults.get("cbor"))),
                "authenticatorData": b64url(auth_data),
                "transports": ["internal"],
                "publicKeyAlgorithm": self.algorithm,
                "publicKey": b64url(credential.public_key_der()),
            },
        }

    # -- authentication (§5.1.4) -----------------------------------------------------------

    def get(self, options: dict, credential_id=None, **faults) -> dict:
        """navigator.credentials.get(): an assertion as toJSON() gives it. `credential_id`
        (bytes or base64url) picks the remembered credential to sign with, even one outside
        allowCredentials; otherwise the first of allowCredentials this authenticator holds, or
        with an empty list the most recent credential of the rpId. Accepts the options or the
        server's {"publicKey": options}."""
        _check_faults(faults, GET_FAULTS)
        options = options.get("publicKey", options)
        rp_id = options.get("rpId") or urlsplit(self.origin).hostname
        credential = self._choose(rp_id, options.get("allowCredentials") or [], credential_id)

        counter = faults.get("sign_count", credential.sign_count + 1)
        # The counter never goes back: a test sending an old value still expects the server
        # to accept the next honest assertion.
        credential.sign_count = max(credential.sign_count, counter)

        client_data = self._client_data("webauthn.get", options["challenge"], faults)
        auth_data = self._authenticator_data(rp_id, 0, counter, faults, b"")
        signature = credential.sign(auth_data + hashlib.sha256(client_data).digest())
        if faults.get("bad_signature"):
            signature = _flip_bit(signature)

        claimed = faults.get("claimed_id", credential.id)
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        user_handle = faults.get("user_handle", credential.user_handle)
        if user_handle is not None:  # the fault user_handle=None leaves the member out
            response["userHandle"] = b64url(user_handle)
        return {
            "id": b64url(claimed),
            "rawId": b64url(claimed),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }

    def _choose(self, rp_id: str, allowed: list, credential_id) -> Credential:
        if credential_id is not None:
            credential = self.find(credential_id)
            if credential is None:
                raise WebAuthnError("NotAllowedError", "no such credential on this authenticator")
            return credential
        if allowed:
            for entry in allowed:
                credential = self.find(entry["id"])
                if credential is not None and credential.rp_id == rp_id:
                    return credential
        else:
            for credential in reversed(self.credentials):
                if credential.rp_id == rp_id:
                    return credential
        raise WebAuthnError("NotAllowedError", f"no credential for {rp_id} on this authenticator")

    # -- the parts both ceremonies build ---------------------------------------------------

    def _client_data(self, kind: str, challenge: str, faults: dict) -> bytes:
        # Compact, in the members' order of §5.8.1.1, as browsers write it.
        data = {"type": faults.get("type", kind),
                "challenge": faults.get("challenge", challenge),
                "origin": faults.get("origin", self.origin),
                "crossOrigin": bool(faults.get("cross_origin", False))}
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    def _authenticator_data(self, rp_id: str, flags: int, counter: int, faults: dict,
                            attested: bytes) -> bytes:
        if faults.get("user_present", True):
            flags |= FLAG_UP
        if faults.get("user_verified", self.user_verifying):
            flags |= FLAG_UV
        if faults.get("backed_up_without_eligible"):
            flags |= FLAG_BS
        else:
            flags |= (FLAG_BE if self.backup_eligible else 0) | (FLAG_BS if self.backed_up else 0)
        rp_hash = hashlib.sha256(faults.get("rp_id", rp_id).encode("utf-8")).digest()
        extra = b"\x00" * faults.get("extra_authdata_bytes", 0)
        return rp_hash + bytes([flags]) + struct.pack(">I", counter) + attested + extra


def _check_faults(faults: dict, allowed: set) -> None:
    unknown = sorted(set(faults) - allowed)
    if unknown:
        raise TypeError(f"unknown faults {unknown}; this ceremony takes {sorted(allowed)}")
    if faults.get("cbor") not in (None, *CBOR_FAULTS):
        raise ValueError(f"cbor fault must be one of {CBOR_FAULTS}")


def _attestation_object(fmt: str, att_stmt: dict, auth_data: bytes,
                        cbor_fault: Optional[str]) -> bytes:
    # Members in canonical order (shorter keys first), as authenticators write them.
    pairs = [("fmt", fmt), ("attStmt", att_stmt), ("authData", auth_data)]
    if cbor_fault == "duplicate_key":
        # cbor2 cannot write a map with a key twice: a map of 4 pairs (0xA4) by hand.
        pairs.insert(1, ("fmt", fmt))
        return bytes([0xA0 | len(pairs)]) + _encode_pairs(pairs)
    if cbor_fault == "indefinite":
        return b"\xbf" + _encode_pairs(pairs) + b"\xff"
    encoded = cbor2.dumps(dict(pairs), canonical=True)
    if cbor_fault == "trailing_bytes":
        return encoded + b"\x00"
    if cbor_fault == "truncated":
        return encoded[:-1]
    return encoded


def _encode_pairs(pairs: list) -> bytes:
    return b"".join(cbor2.dumps(k, canonical=True) + cbor2.dumps(v, canonical=True)
                    for k, v in pairs)
