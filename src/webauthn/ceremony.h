#pragma once
// The checks of a registration (WebAuthn Level 3 §7.1) and of an assertion (§7.2) that need no
// storage: the client data, the RP id's hash, the flags, the attestation statement and the
// signature. The caller looks up and spends the challenge, finds the credential, compares the
// user handle and the signature counter, and stores the result.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/authenticator_data.h"

namespace authd::webauthn {

struct RelyingParty {
    std::string id;                    // AUTH_WEBAUTHN_RP_ID
    std::vector<std::string> origins;  // AUTH_WEBAUTHN_ORIGINS
    bool require_user_verification = false;
};

// The members of clientDataJSON (§5.8.1) that are checked.
struct ClientData {
    std::string type;
    std::string challenge;  // base64url, as the browser wrote it
    std::string origin;
    bool cross_origin = false;
};

// Reads clientDataJSON; throws Refusal when it is not a JSON object with string type,
// challenge and origin (and a boolean crossOrigin, if any).
ClientData read_client_data(std::span<const std::uint8_t> json);

// §7.1: a new credential. `challenge` is the base64url of the challenge authd issued.
AuthenticatorData verify_registration(const RelyingParty& rp, std::string_view challenge,
                                      std::span<const std::uint8_t> client_data_json,
                                      std::span<const std::uint8_t> attestation_object);

// §7.2: an assertion by `key`; returns its authenticator data (the counter and flags the caller
// compares and stores).
AuthenticatorData verify_assertion(const RelyingParty& rp, std::string_view challenge,
                                   std::span<const std::uint8_t> client_data_json,
                                   std::span<const std::uint8_t> authenticator_data,
                                   std::span<const std::uint8_t> signature,
                                   const CosePublicKey& key);

}  // namespace authd::webauthn
