#pragma once
// WebAuthn Level 3's JSON forms (§5.1.8, §5.4, §5.5): the options authd hands a browser
// (PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, each wrapped
// as {"publicKey": {...}} for parseCreationOptionsFromJSON / parseRequestOptionsFromJSON), and
// the credentials a browser posts back (PublicKeyCredential.toJSON()). Binary members are
// base64url without padding.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "webauthn/ceremony.h"

namespace authd::webauthn {

using Bytes = std::vector<std::uint8_t>;

// The algorithms offered, in order of preference: EdDSA, ES256, RS256.
inline constexpr int kOfferedAlgorithms[] = {-8, -7, -257};

struct CredentialDescriptor {
    std::string id;  // base64url
    std::vector<std::string> transports;
};

struct CreationOptions {
    std::string rp_id;
    std::string rp_name;
    std::string user_handle;  // base64url
    std::string user_name;
    std::string challenge;  // base64url
    std::int64_t timeout_ms = 0;
    std::vector<CredentialDescriptor> exclude;
    bool require_user_verification = false;
};

struct RequestOptions {
    std::string rp_id;
    std::string challenge;  // base64url
    std::int64_t timeout_ms = 0;
    std::vector<CredentialDescriptor> allow;  // empty: any discoverable credential
    bool require_user_verification = false;
};

boost::json::object to_json(const CreationOptions& options);
boost::json::object to_json(const RequestOptions& options);

// A RegistrationResponseJSON.
struct RegistrationResponse {
    std::string id;  // base64url, as rawId
    Bytes client_data_json;
    Bytes attestation_object;
    std::vector<std::string> transports;  // response.transports, known values only
};

// An AuthenticationResponseJSON.
struct AssertionResponse {
    std::string id;  // base64url, as rawId
    Bytes client_data_json;
    Bytes authenticator_data;
    Bytes signature;
    std::optional<Bytes> user_handle;
};

// Read from a credential as toJSON() gives it; throw Refusal naming the member that is missing,
// of the wrong type, not base64url, or inconsistent ("id" and "rawId" differ, "type" is not
// "public-key").
RegistrationResponse read_registration_response(const boost::json::value& credential);
AssertionResponse read_assertion_response(const boost::json::value& credential);

// The challenge a credential's clientDataJSON names (to find what was issued); throws Refusal.
std::string challenge_of(const Bytes& client_data_json);

}  // namespace authd::webauthn
