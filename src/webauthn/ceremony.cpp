#include "webauthn/ceremony.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "crypto/constant_time.h"

namespace authd::webauthn {
namespace {

namespace json = boost::json;

using Sha256 = std::array<std::uint8_t, crypto_hash_sha256_BYTES>;

Sha256 sha256(std::span<const std::uint8_t> data) {
    Sha256 digest{};
    crypto_hash_sha256(digest.data(), data.data(), data.size());
    return digest;
}

std::string string_member(const json::object& object, std::string_view name) {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_string())
        throw Refusal("the client data has no " + std::string(name) + " string");
    return std::string(value->as_string());
}

// §7.1 steps 7 to 10, §7.2 steps 10 to 13: what the browser says it did, for which page.
void check_client_data(const RelyingParty& rp, std::string_view expected_type,
                       std::string_view challenge, std::span<const std::uint8_t> client_data_json) {
    const ClientData client = read_client_data(client_data_json);
    if (client.type != expected_type)
        throw Refusal("the client data's type is not " + std::string(expected_type));
    if (!crypto::equal_in_constant_time(client.challenge, challenge))
        throw Refusal("the client data's challenge is not the one issued");
    if (std::find(rp.origins.begin(), rp.origins.end(), client.origin) == rp.origins.end())
        throw Refusal("the client data's origin " + client.origin + " is not an allowed origin");
    if (client.cross_origin) throw Refusal("the credential was used from a cross-origin frame");
}

// §7.1 steps 13 to 16, §7.2 steps 15 to 18.
void check_authenticator_data(const RelyingParty& rp, const AuthenticatorData& data) {
    const Sha256 expected =
        sha256({reinterpret_cast<const std::uint8_t*>(rp.id.data()), rp.id.size()});
    if (!std::equal(expected.begin(), expected.end(), data.rp_id_hash.begin()))
        throw Refusal("the authenticator data is for another RP id than " + rp.id);
    if (!data.user_present) throw Refusal("the authenticator did not see the user present (UP)");
    if (rp.require_user_verification && !data.user_verified)
        throw Refusal("the authenticator did not verify the user (UV), which is required");
}

// The bytes a signature covers: authenticatorData || SHA-256(clientDataJSON).
std::vector<std::uint8_t> signed_bytes(std::span<const std::uint8_t> authenticator_data,
                                       std::span<const std::uint8_t> client_data_json) {
    std::vector<std::uint8_t> message(authenticator_data.begin(), authenticator_data.end());
    const Sha256 hash = sha256(client_data_json);
    message.insert(message.end(), hash.begin(), hash.end());
    return message;
}

// §8.2 (packed, self attestation) and §8.7 (none); no other format is accepted.
void check_attestation_statement(std::string_view format, CborView statement,
                                 const AttestedCredential& credential,
                                 std::span<const std::uint8_t> authenticator_data,
                                 std::span<const std::uint8_t> client_data_json) {
    if (!statement.is_map()) throw Refusal("the attestation statement is not a CBOR map");
    if (format == "none") {
        if (statement.size() != 0) throw Refusal("the none attestation statement is not empty");
        return;
    }
    if (format != "packed")
        throw Refusal("the attestation format " + std::string(format) +
                      " is not accepted (none and packed self attestation are)");
    if (statement.member("x5c"))
        throw Refusal(
            "packed attestation with a certificate is not accepted (self attestation is)");
    const auto alg = statement.member("alg").integer();
    const auto sig = statement.member("sig").bytes();
    if (!alg || !sig || statement.size() != 2)
        throw Refusal("the packed attestation statement is not {alg, sig}");
    if (*alg != static_cast<std::int64_t>(credential.public_key.algorithm()))
        throw Refusal("the packed attestation's algorithm is not the credential's");
    if (!credential.public_key.verify(signed_bytes(authenticator_data, client_data_json), *sig))
        throw Refusal("the packed attestation's signature does not verify");
}

}  // namespace

ClientData read_client_data(std::span<const std::uint8_t> json_bytes) {
    boost::system::error_code error;
    const json::value value =
        json::parse({reinterpret_cast<const char*>(json_bytes.data()), json_bytes.size()}, error);
    if (error || !value.is_object()) throw Refusal("the client data is not a JSON object");
    const json::object& object = value.as_object();
    ClientData client;
    client.type = string_member(object, "type");
    client.challenge = string_member(object, "challenge");
    client.origin = string_member(object, "origin");
    if (const json::value* cross = object.if_contains("crossOrigin")) {
        if (!cross->is_bool()) throw Refusal("the client data's crossOrigin is not a boolean");
        client.cross_origin = cross->as_bool();
    }
    return client;
}

AuthenticatorData verify_registration(const RelyingParty& rp, std::string_view challenge,
                                      std::span<const std::uint8_t> client_data_json,
                                      std::span<const std::uint8_t> attestation_object) {
    check_client_data(rp, "webauthn.create", challenge, client_data_json);
    const CborDocument attestation = decode_cbor(attestation_object);
    const auto format = attestation.root().member("fmt").text();
    const auto authenticator_data = attestation.root().member("authData").bytes();
    if (!format || !authenticator_data || !attestation.root().member("attStmt"))
        throw Refusal("the attestation object is not {fmt, attStmt, authData}");
    AuthenticatorData data = AuthenticatorData::read(*authenticator_data);
    check_authenticator_data(rp, data);
    if (!data.credential) throw Refusal("the authenticator data holds no new credential (AT)");
    check_attestation_statement(*format, attestation.root().member("attStmt"), *data.credential,
                                *authenticator_data, client_data_json);
    return data;
}

AuthenticatorData verify_assertion(const RelyingParty& rp, std::string_view challenge,
                                   std::span<const std::uint8_t> client_data_json,
                                   std::span<const std::uint8_t> authenticator_data,
                                   std::span<const std::uint8_t> signature,
                                   const CosePublicKey& key) {
    check_client_data(rp, "webauthn.get", challenge, client_data_json);
    AuthenticatorData data = AuthenticatorData::read(authenticator_data);
    check_authenticator_data(rp, data);
    if (data.credential) throw Refusal("an assertion's authenticator data holds a credential (AT)");
    if (!key.verify(signed_bytes(authenticator_data, client_data_json), signature))
        throw Refusal("the assertion's signature does not verify");
    return data;
}

}  // namespace authd::webauthn
