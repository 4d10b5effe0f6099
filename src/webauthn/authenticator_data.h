#pragma once
// The authenticator data of a registration or an assertion (WebAuthn Level 3 §6.1): the RP id's
// hash, the flags, the signature counter and, at registration, the attested credential data.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "webauthn/cose.h"

namespace authd::webauthn {

// §6.1.2: the credential created at registration.
struct AttestedCredential {
    std::array<std::uint8_t, 16> aaguid{};
    std::vector<std::uint8_t> id;
    CosePublicKey public_key;
    std::vector<std::uint8_t> public_key_cbor;  // as the authenticator wrote it, to be stored
};

struct AuthenticatorData {
    std::array<std::uint8_t, 32> rp_id_hash{};
    bool user_present = false;     // UP
    bool user_verified = false;    // UV
    bool backup_eligible = false;  // BE
    bool backed_up = false;        // BS
    std::uint32_t sign_count = 0;
    std::optional<AttestedCredential> credential;  // present when AT is set
    bool has_extensions = false;                   // ED: a CBOR map follows

    // Throws Refusal (CborError, CoseKeyError) naming what is wrong: too short, a flag that
    // contradicts what follows, a credential id over 1023 bytes, bytes after the end.
    static AuthenticatorData read(std::span<const std::uint8_t> bytes);
};

}  // namespace authd::webauthn
