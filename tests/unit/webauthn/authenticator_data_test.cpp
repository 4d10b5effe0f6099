#include "webauthn/authenticator_data.h"

#include <gtest/gtest.h>

#include <string>

#include "webauthn_test_support.h"

namespace authd::webauthn {
namespace {

using testing::Bytes;
using testing::hex;

constexpr std::uint8_t kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80;

using testing::attested;
using testing::authenticator_data;
using testing::operator+;

// The sentence AuthenticatorData::read refuses `data` with, or "" when it accepts it.
std::string refusal(const Bytes& data) {
    try {
        AuthenticatorData::read(data);
        return "";
    } catch (const Refusal& e) {
        return e.what();
    }
}

TEST(AuthenticatorData, ReadsAnAssertionsFlagsAndCounter) {
    const AuthenticatorData data =
        AuthenticatorData::read(authenticator_data(kUp | kUv | kBe | kBs, 0x01020304));
    EXPECT_EQ(data.rp_id_hash[0], 0xAA);
    EXPECT_TRUE(data.user_present);
    EXPECT_TRUE(data.user_verified);
    EXPECT_TRUE(data.backup_eligible);
    EXPECT_TRUE(data.backed_up);
    EXPECT_EQ(data.sign_count, 0x01020304u);
    EXPECT_FALSE(data.credential);
    EXPECT_FALSE(data.has_extensions);

    const AuthenticatorData bare = AuthenticatorData::read(authenticator_data(0, 0));
    EXPECT_FALSE(bare.user_present);
    EXPECT_FALSE(bare.user_verified);
}

TEST(AuthenticatorData, ReadsTheAttestedCredential) {
    const Bytes id = hex("0102030405060708");
    const AuthenticatorData data =
        AuthenticatorData::read(authenticator_data(kUp | kAt, 0, attested(id)));
    ASSERT_TRUE(data.credential);
    EXPECT_EQ(data.credential->aaguid[15], 0x11);
    EXPECT_EQ(data.credential->id, id);
    EXPECT_EQ(data.credential->public_key.algorithm(), CoseAlgorithm::eddsa);
    EXPECT_EQ(data.credential->public_key_cbor, testing::rfc8032_ed25519_key());
}

TEST(AuthenticatorData, ReadsExtensionsAfterTheCredential) {
    const Bytes extensions = hex("a16b6372656450726f7465637401");  // {"credProtect": 1}
    const AuthenticatorData data = AuthenticatorData::read(
        authenticator_data(kUp | kAt | kEd, 7, attested(hex("01")) + extensions));
    EXPECT_TRUE(data.has_extensions);
    ASSERT_TRUE(data.credential);
    EXPECT_EQ(data.credential->id, hex("01"));
    EXPECT_TRUE(
        AuthenticatorData::read(authenticator_data(kUp | kEd, 7, extensions)).has_extensions);
}

TEST(AuthenticatorData, RefusesWhatIsMissingOrLeftOver) {
    EXPECT_EQ(refusal(Bytes(36, 0)), "the authenticator data is shorter than 37 bytes");
    EXPECT_EQ(refusal(authenticator_data(kAt, 0, Bytes(10, 0x11))),
              "the authenticator data ends inside its AAGUID");
    EXPECT_EQ(refusal(authenticator_data(kAt, 0, Bytes(16, 0x11) + hex("0008") + hex("0102"))),
              "the authenticator data ends inside its credential id");
    EXPECT_EQ(refusal(authenticator_data(kAt, 0, attested(Bytes(1024, 1)))),
              "the authenticator data's credential id is longer than 1023 bytes");
    EXPECT_EQ(refusal(authenticator_data(kUp, 0, hex("00"))),
              "the authenticator data has 1 bytes after its end");
    // A credential without AT: its bytes are left over.
    EXPECT_EQ(refusal(authenticator_data(kUp, 0, attested(hex("01"))))
                  .rfind("the authenticator data has ", 0),
              0u);
    EXPECT_EQ(refusal(authenticator_data(kUp | kEd, 0)),
              "the authenticator data says it has extensions (ED) but has none");
    EXPECT_EQ(refusal(authenticator_data(kUp | kEd, 0, hex("8101"))),
              "the authenticator data's extensions are not a CBOR map");
    EXPECT_EQ(refusal(authenticator_data(kUp | kEd, 0, hex("a0") + hex("00"))),
              "the CBOR item is followed by 1 more bytes");
}

TEST(AuthenticatorData, RefusesContradictoryFlagsAndBadKeys) {
    EXPECT_EQ(refusal(authenticator_data(kUp | kBs, 0)),
              "the authenticator data says backed up (BS) but not backup eligible (BE)");
    // The key's CBOR cut short, and a key of another algorithm.
    Bytes key = testing::rfc8032_ed25519_key();
    key.pop_back();
    EXPECT_EQ(refusal(authenticator_data(kAt, 0, attested(hex("01"), key))),
              "the CBOR item is cut short");
    EXPECT_EQ(refusal(authenticator_data(
                  kAt, 0, attested(hex("01"), testing::cose_key({{1, 2}, {3, -35}})))),
              "the COSE key's algorithm -35 with key type 2 is not accepted (EdDSA -8, ES256 -7 "
              "and RS256 -257 are)");
}

}  // namespace
}  // namespace authd::webauthn
