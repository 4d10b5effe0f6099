#include "webauthn/ceremony.h"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <string>

#include "crypto/openssl.h"
#include "webauthn_test_support.h"

namespace authd::webauthn {
namespace {

using testing::attested;
using testing::authenticator_data;
using testing::Bytes;
using testing::operator+;

constexpr std::uint8_t kUp = 0x01, kUv = 0x04, kAt = 0x40;
const std::string kChallenge = "q2Cv0xZ8fH1j3tVv9cP5bA";
const std::string kOrigin = "https://game.example";

Bytes bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

Bytes sha256(std::string_view text) {
    Bytes digest(crypto_hash_sha256_BYTES);
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size());
    return digest;
}

Bytes client_data(std::string_view type, std::string_view challenge = kChallenge,
                  std::string_view origin = kOrigin, std::string_view extra = "") {
    return bytes_of(R"({"type":")" + std::string(type) + R"(","challenge":")" +
                    std::string(challenge) + R"(","origin":")" + std::string(origin) + "\"" +
                    std::string(extra) + "}");
}

// A software authenticator's Ed25519 credential.
struct Authenticator {
    crypto::PkeyPtr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    Bytes id = {0xC1, 0xC2, 0xC3, 0xC4};

    Bytes cose_key() const {
        Bytes raw(32);
        std::size_t length = raw.size();
        EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &length);
        return testing::cose_key({{1, 1}, {3, -8}, {-1, 6}, {-2, raw}});
    }
    CosePublicKey public_key() const { return CosePublicKey::read(decode_cbor(cose_key()).root()); }

    Bytes sign(const Bytes& data, const Bytes& client_data_json) const {
        const Bytes message = data + sha256({reinterpret_cast<const char*>(client_data_json.data()),
                                             client_data_json.size()});
        const crypto::MdCtxPtr ctx(EVP_MD_CTX_new());
        std::size_t size = 64;
        Bytes signature(size);
        EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr);
        EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size());
        return signature;
    }

    Bytes registration_data(std::uint8_t flags = kUp | kAt,
                            std::string_view rp_id = "game.example") const {
        return authenticator_data(flags, 0, attested(id, cose_key()), sha256(rp_id));
    }
};

// {"fmt": format, "attStmt": statement, "authData": data}, written with libcbor.
Bytes attestation_object(std::string_view format, cbor_item_t* statement, const Bytes& data) {
    cbor_item_t* map = cbor_new_definite_map(3);
    cbor_map_add(map, {cbor_move(cbor_build_string("fmt")),
                       cbor_move(cbor_build_stringn(format.data(), format.size()))});
    cbor_map_add(map, {cbor_move(cbor_build_string("attStmt")), cbor_move(statement)});
    cbor_map_add(map, {cbor_move(cbor_build_string("authData")),
                       cbor_move(cbor_build_bytestring(data.data(), data.size()))});
    return testing::serialize(map);
}

// A packed self-attestation statement {alg, sig}, with an empty x5c when asked.
cbor_item_t* packed(std::int64_t alg, const Bytes& sig, bool with_x5c = false) {
    cbor_item_t* statement = cbor_new_definite_map(with_x5c ? 3 : 2);
    cbor_map_add(statement,
                 {cbor_move(cbor_build_string("alg")), cbor_move(testing::cbor_integer(alg))});
    cbor_map_add(statement, {cbor_move(cbor_build_string("sig")),
                             cbor_move(cbor_build_bytestring(sig.data(), sig.size()))});
    if (with_x5c)
        cbor_map_add(statement,
                     {cbor_move(cbor_build_string("x5c")), cbor_move(cbor_new_definite_array(0))});
    return statement;
}

struct CeremonyTest : ::testing::Test {
    RelyingParty rp{"game.example", {kOrigin, "http://localhost:8000"}, false};
    Authenticator authenticator;

    std::string registration_refusal(const Bytes& client, const Bytes& attestation) {
        try {
            verify_registration(rp, kChallenge, client, attestation);
            return "";
        } catch (const Refusal& e) {
            return e.what();
        }
    }
    std::string assertion_refusal(const Bytes& client, const Bytes& data, const Bytes& signature) {
        try {
            verify_assertion(rp, kChallenge, client, data, signature, authenticator.public_key());
            return "";
        } catch (const Refusal& e) {
            return e.what();
        }
    }
};

TEST_F(CeremonyTest, RegistersWithNoneAttestation) {
    const AuthenticatorData data = verify_registration(
        rp, kChallenge, client_data("webauthn.create"),
        attestation_object("none", cbor_new_definite_map(0), authenticator.registration_data()));
    ASSERT_TRUE(data.credential);
    EXPECT_EQ(data.credential->id, authenticator.id);
    EXPECT_EQ(data.credential->public_key_cbor, authenticator.cose_key());
}

TEST_F(CeremonyTest, RegistersWithPackedSelfAttestationOnly) {
    const Bytes client = client_data("webauthn.create");
    const Bytes data = authenticator.registration_data();
    const Bytes sig = authenticator.sign(data, client);
    EXPECT_EQ(registration_refusal(client, attestation_object("packed", packed(-8, sig), data)),
              "");
    Bytes bad = sig;
    bad[0] ^= 1;
    EXPECT_EQ(registration_refusal(client, attestation_object("packed", packed(-8, bad), data)),
              "the packed attestation's signature does not verify");
    EXPECT_EQ(registration_refusal(client, attestation_object("packed", packed(-7, sig), data)),
              "the packed attestation's algorithm is not the credential's");
    EXPECT_EQ(
        registration_refusal(client, attestation_object("packed", packed(-8, sig, true), data)),
        "packed attestation with a certificate is not accepted (self attestation is)");
    EXPECT_EQ(
        registration_refusal(client, attestation_object("tpm", cbor_new_definite_map(0), data)),
        "the attestation format tpm is not accepted (none and packed self attestation are)");
    EXPECT_EQ(registration_refusal(client, attestation_object("none", packed(-8, sig), data)),
              "the none attestation statement is not empty");
}

TEST_F(CeremonyTest, RefusesAnotherOriginTypeChallengeOrRpId) {
    const auto none = [&](const Bytes& data) {
        return attestation_object("none", cbor_new_definite_map(0), data);
    };
    const Bytes data = authenticator.registration_data();
    EXPECT_EQ(registration_refusal(
                  client_data("webauthn.create", kChallenge, "http://localhost:8000"), none(data)),
              "");
    EXPECT_EQ(registration_refusal(
                  client_data("webauthn.create", kChallenge, "https://evil.example"), none(data)),
              "the client data's origin https://evil.example is not an allowed origin");
    EXPECT_EQ(registration_refusal(client_data("webauthn.get"), none(data)),
              "the client data's type is not webauthn.create");
    EXPECT_EQ(
        registration_refusal(client_data("webauthn.create", "b3RoZXItY2hhbGxlbmdl"), none(data)),
        "the client data's challenge is not the one issued");
    EXPECT_EQ(registration_refusal(
                  client_data("webauthn.create", kChallenge, kOrigin, R"(,"crossOrigin":true)"),
                  none(data)),
              "the credential was used from a cross-origin frame");
    EXPECT_EQ(
        registration_refusal(client_data("webauthn.create"),
                             none(authenticator.registration_data(kUp | kAt, "evil.example"))),
        "the authenticator data is for another RP id than game.example");
}

TEST_F(CeremonyTest, RefusesMissingUserPresenceAndVerificationWhenRequired) {
    const auto none = [&](std::uint8_t flags) {
        return attestation_object("none", cbor_new_definite_map(0),
                                  authenticator.registration_data(flags));
    };
    const Bytes client = client_data("webauthn.create");
    EXPECT_EQ(registration_refusal(client, none(kAt)),
              "the authenticator did not see the user present (UP)");
    EXPECT_EQ(registration_refusal(client, none(kUp | kAt)), "");
    rp.require_user_verification = true;
    EXPECT_EQ(registration_refusal(client, none(kUp | kAt)),
              "the authenticator did not verify the user (UV), which is required");
    EXPECT_EQ(registration_refusal(client, none(kUp | kUv | kAt)), "");
    EXPECT_EQ(registration_refusal(
                  client,
                  attestation_object("none", cbor_new_definite_map(0),
                                     authenticator_data(kUp | kUv, 0, {}, sha256("game.example")))),
              "the authenticator data holds no new credential (AT)");
}

TEST_F(CeremonyTest, VerifiesAnAssertionsSignature) {
    const Bytes client = client_data("webauthn.get");
    const Bytes data = authenticator_data(kUp | kUv, 42, {}, sha256("game.example"));
    const Bytes signature = authenticator.sign(data, client);
    const AuthenticatorData verified =
        verify_assertion(rp, kChallenge, client, data, signature, authenticator.public_key());
    EXPECT_EQ(verified.sign_count, 42u);
    EXPECT_TRUE(verified.user_verified);

    Bytes bad = signature;
    bad[5] ^= 1;
    EXPECT_EQ(assertion_refusal(client, data, bad), "the assertion's signature does not verify");
    const Authenticator other;
    EXPECT_EQ(assertion_refusal(client, data, other.sign(data, client)),
              "the assertion's signature does not verify");
    // Signed over other client data than the one posted.
    EXPECT_EQ(assertion_refusal(client, data,
                                authenticator.sign(data, client_data("webauthn.get", "YWJj"))),
              "the assertion's signature does not verify");
    EXPECT_EQ(assertion_refusal(client_data("webauthn.create"), data, signature),
              "the client data's type is not webauthn.get");
    const Bytes with_credential = authenticator.registration_data();
    EXPECT_EQ(
        assertion_refusal(client, with_credential, authenticator.sign(with_credential, client)),
        "an assertion's authenticator data holds a credential (AT)");
}

TEST(ClientData, RefusesWhatIsNotTheBrowsersJson) {
    const auto refusal = [](std::string_view json) {
        try {
            read_client_data(bytes_of(json));
            return std::string();
        } catch (const Refusal& e) {
            return std::string(e.what());
        }
    };
    EXPECT_EQ(refusal("not json"), "the client data is not a JSON object");
    EXPECT_EQ(refusal("[]"), "the client data is not a JSON object");
    EXPECT_EQ(refusal(R"({"type":"webauthn.get","origin":"x"})"),
              "the client data has no challenge string");
    EXPECT_EQ(refusal(R"({"type":"webauthn.get","challenge":1,"origin":"x"})"),
              "the client data has no challenge string");
    EXPECT_EQ(refusal(R"({"type":"webauthn.get","challenge":"a","origin":"x","crossOrigin":"no"})"),
              "the client data's crossOrigin is not a boolean");
    const ClientData client = read_client_data(
        bytes_of(R"({"type":"webauthn.get","challenge":"a","origin":"x","topOrigin":"y"})"));
    EXPECT_EQ(client.origin, "x");
    EXPECT_FALSE(client.cross_origin);
}

}  // namespace
}  // namespace authd::webauthn
