#include "webauthn/json_forms.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "crypto/base64url.h"
#include "webauthn/cbor.h"

namespace authd::webauthn {
namespace {

namespace json = boost::json;

// The transports of §5.8.4 that are stored and handed back; others are dropped.
constexpr std::array<std::string_view, 6> kKnownTransports = {"ble", "hybrid", "internal",
                                                              "nfc", "usb",    "smart-card"};

json::array descriptors(const std::vector<CredentialDescriptor>& credentials) {
    json::array array;
    for (const CredentialDescriptor& credential : credentials) {
        json::object descriptor{{"type", "public-key"}, {"id", credential.id}};
        if (!credential.transports.empty()) {
            json::array transports;
            for (const std::string& transport : credential.transports)
                transports.emplace_back(transport);
            descriptor["transports"] = std::move(transports);
        }
        array.emplace_back(std::move(descriptor));
    }
    return array;
}

std::string_view user_verification(bool required) {
    return required ? "required" : "preferred";
}

const json::object& as_object(const json::value& value, std::string_view what) {
    if (!value.is_object()) throw Refusal(std::string(what) + " is not a JSON object");
    return value.as_object();
}

std::string string_member(const json::object& object, std::string_view name,
                          std::string_view path) {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_string())
        throw Refusal("the credential has no " + std::string(path) + " string");
    return std::string(value->as_string());
}

Bytes base64url_member(const json::object& object, std::string_view name, std::string_view path) {
    const std::string text = string_member(object, name, path);
    const auto decoded = crypto::base64url_decode(text);
    if (!decoded) throw Refusal("the credential's " + std::string(path) + " is not base64url");
    return {decoded->begin(), decoded->end()};
}

// id, rawId and type, common to both forms; returns the id.
std::string read_identity(const json::object& credential) {
    const std::string id = string_member(credential, "id", "id");
    if (string_member(credential, "rawId", "rawId") != id)
        throw Refusal("the credential's id and rawId differ");
    if (!crypto::base64url_decode(id) || id.empty())
        throw Refusal("the credential's id is not base64url");
    if (string_member(credential, "type", "type") != "public-key")
        throw Refusal("the credential's type is not public-key");
    return id;
}

const json::object& response_of(const json::object& credential) {
    const json::value* response = credential.if_contains("response");
    if (response == nullptr) throw Refusal("the credential has no response");
    return as_object(*response, "the credential's response");
}

}  // namespace

json::object to_json(const CreationOptions& options) {
    json::array parameters;
    for (const int algorithm : kOfferedAlgorithms)
        parameters.emplace_back(json::object{{"type", "public-key"}, {"alg", algorithm}});
    return json::object{
        {"rp", json::object{{"id", options.rp_id}, {"name", options.rp_name}}},
        {"user", json::object{{"id", options.user_handle},
                              {"name", options.user_name},
                              {"displayName", options.user_name}}},
        {"challenge", options.challenge},
        {"pubKeyCredParams", std::move(parameters)},
        {"timeout", options.timeout_ms},
        {"excludeCredentials", descriptors(options.exclude)},
        {"authenticatorSelection",
         json::object{{"residentKey", "preferred"},
                      {"requireResidentKey", false},
                      {"userVerification", user_verification(options.require_user_verification)}}},
        {"attestation", "none"},
        {"extensions", json::object{{"credProps", true}}},
    };
}

json::object to_json(const RequestOptions& options) {
    return json::object{
        {"challenge", options.challenge},
        {"timeout", options.timeout_ms},
        {"rpId", options.rp_id},
        {"allowCredentials", descriptors(options.allow)},
        {"userVerification", user_verification(options.require_user_verification)},
    };
}

RegistrationResponse read_registration_response(const json::value& value) {
    const json::object& credential = as_object(value, "the credential");
    RegistrationResponse result;
    result.id = read_identity(credential);
    const json::object& response = response_of(credential);
    result.client_data_json =
        base64url_member(response, "clientDataJSON", "response.clientDataJSON");
    result.attestation_object =
        base64url_member(response, "attestationObject", "response.attestationObject");
    if (const json::value* transports = response.if_contains("transports")) {
        if (!transports->is_array())
            throw Refusal("the credential's response.transports is not an array");
        for (const json::value& transport : transports->as_array()) {
            if (!transport.is_string())
                throw Refusal("the credential's response.transports holds a non-string");
            const std::string_view name = transport.as_string();
            const bool known = std::find(kKnownTransports.begin(), kKnownTransports.end(), name) !=
                               kKnownTransports.end();
            const bool repeated = std::find(result.transports.begin(), result.transports.end(),
                                            name) != result.transports.end();
            if (known && !repeated) result.transports.emplace_back(name);
        }
    }
    return result;
}

AssertionResponse read_assertion_response(const json::value& value) {
    const json::object& credential = as_object(value, "the credential");
    AssertionResponse result;
    result.id = read_identity(credential);
    const json::object& response = response_of(credential);
    result.client_data_json =
        base64url_member(response, "clientDataJSON", "response.clientDataJSON");
    result.authenticator_data =
        base64url_member(response, "authenticatorData", "response.authenticatorData");
    result.signature = base64url_member(response, "signature", "response.signature");
    if (const json::value* handle = response.if_contains("userHandle");
        handle && !handle->is_null())
        result.user_handle = base64url_member(response, "userHandle", "response.userHandle");
    return result;
}

std::string challenge_of(const Bytes& client_data_json) {
    return read_client_data(client_data_json).challenge;
}

}  // namespace authd::webauthn
