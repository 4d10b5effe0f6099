// Passkey logins through the domain, with the manual clock: challenges that expire, counters that
// go backwards, user verification as both factors, two uses read alike. The passkey is stored
// directly (its registration is checked by the functional tests) and signs with libsodium.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "crypto/base64url.h"
#include "test_support.h"

namespace authd {
namespace {

namespace json = boost::json;
using testing::Domain;
using testing::kClient;

constexpr std::string_view kOrigin = "https://auth.example.com";  // Domain's AUTH_PUBLIC_URL
constexpr std::string_view kRpId = "auth.example.com";
constexpr std::uint8_t kUserPresent = 0x01;
constexpr std::uint8_t kUserVerified = 0x04;

std::string sha256(std::string_view data) {
    std::string digest(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return digest;
}

// An Ed25519 authenticator holding one discoverable credential.
struct Authenticator {
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES]{};
    unsigned char secret_key[crypto_sign_SECRETKEYBYTES]{};
    std::string credential_id = "credential-0001";
    std::string user_handle = "handle-of-the-account";

    Authenticator() { crypto_sign_keypair(public_key, secret_key); }

    // {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
    std::string cose_key() const {
        std::string key = "\xa4\x01\x01\x03\x27\x20\x06\x21\x58\x20";
        key.append(reinterpret_cast<const char*>(public_key), sizeof public_key);
        return key;
    }

    json::object assert_for(std::string_view challenge, std::uint32_t counter,
                            std::uint8_t flags = kUserPresent | kUserVerified) const {
        const std::string client_data = R"({"type":"webauthn.get","challenge":")" +
                                        std::string(challenge) + R"(","origin":")" +
                                        std::string(kOrigin) + R"(","crossOrigin":false})";
        std::string data = sha256(kRpId);
        data += static_cast<char>(flags);
        for (int shift = 24; shift >= 0; shift -= 8)
            data += static_cast<char>((counter >> shift) & 0xFF);
        const std::string message = data + sha256(client_data);
        unsigned char signature[crypto_sign_BYTES];
        crypto_sign_detached(signature, nullptr,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                             secret_key);
        const auto b64 = [](std::string_view bytes) { return crypto::base64url_encode(bytes); };
        return json::object{
            {"id", b64(credential_id)},
            {"rawId", b64(credential_id)},
            {"type", "public-key"},
            {"response", json::object{{"clientDataJSON", b64(client_data)},
                                      {"authenticatorData", b64(data)},
                                      {"signature", b64(std::string_view(
                                                        reinterpret_cast<const char*>(signature),
                                                        sizeof signature))},
                                      {"userHandle", b64(user_handle)}}},
        };
    }
};

class PasskeyLoginTest : public ::testing::Test {
  protected:
    void SetUp() override {
        user = d.register_user("pia");
        store::Passkey passkey;
        passkey.id = "passkey-1";
        passkey.user_id = user.id;
        passkey.credential_id = crypto::base64url_encode(device.credential_id);
        passkey.user_handle = crypto::base64url_encode(device.user_handle);
        passkey.public_key = crypto::base64url_encode(device.cose_key());
        passkey.algorithm = -8;
        passkey.name = "Test key";
        passkey.created_at = d.clock.now();
        d.store->write([&](store::Transaction& tx) { tx.passkeys().insert(passkey); });
    }

    std::string challenge() { return d.passkeys.login_options(kClient).challenge; }

    Domain d;
    store::User user;
    Authenticator device;
};

TEST_F(PasskeyLoginTest, AVerifiedPasskeyLogsInAndRecordsItsUse) {
    const auth::LoginOutcome outcome =
        d.login_flow.passkey_step(device.assert_for(challenge(), 1), kClient);
    ASSERT_TRUE(outcome.session);
    const auth::Principal caller = d.sessions.authenticate(outcome.session->tokens.access);
    EXPECT_EQ(caller.user.id, user.id);
    EXPECT_EQ(caller.session.auth_method, "passkey");
    d.store->read([&](store::Transaction& tx) {
        const auto stored = tx.passkeys().find("passkey-1");
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->sign_count, 1);
        EXPECT_EQ(stored->last_used_at, d.clock.now());
    });
}

TEST_F(PasskeyLoginTest, AChallengeExpiresAfterFiveMinutes) {
    const std::string fresh = challenge();
    const std::string stale = challenge();
    d.clock.advance(299);
    EXPECT_TRUE(d.login_flow.passkey_step(device.assert_for(fresh, 1), kClient).session);
    d.clock.advance(1);
    try {
        d.login_flow.passkey_step(device.assert_for(stale, 2), kClient);
        FAIL() << "an expired challenge was accepted";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), "passkey_challenge_invalid");
    }
}

TEST_F(PasskeyLoginTest, ACounterThatDoesNotMoveForwardIsRefused) {
    EXPECT_TRUE(d.login_flow.passkey_step(device.assert_for(challenge(), 5), kClient).session);
    for (const std::uint32_t counter : {5U, 4U, 0U}) {
        try {
            d.login_flow.passkey_step(device.assert_for(challenge(), counter), kClient);
            FAIL() << "counter " << counter << " was accepted after 5";
        } catch (const Error& error) {
            EXPECT_EQ(error.code(), "passkey_counter_regressed") << counter;
        }
    }
    EXPECT_TRUE(d.login_flow.passkey_step(device.assert_for(challenge(), 6), kClient).session);
}

// A counter of zero on both sides is an authenticator that keeps none (synced passkeys).
TEST_F(PasskeyLoginTest, AnAuthenticatorWithoutACounterKeepsZero) {
    EXPECT_TRUE(d.login_flow.passkey_step(device.assert_for(challenge(), 0), kClient).session);
    EXPECT_TRUE(d.login_flow.passkey_step(device.assert_for(challenge(), 0), kClient).session);
}

TEST_F(PasskeyLoginTest, OfTwoUsesReadAlikeOneIsRecorded) {
    const auth::VerifiedAssertion first =
        d.passkeys.verify_assertion(device.assert_for(challenge(), 1), "");
    const auth::VerifiedAssertion second =
        d.passkeys.verify_assertion(device.assert_for(challenge(), 1), "");
    d.store->write([&](store::Transaction& tx) {
        EXPECT_TRUE(d.passkeys.record_use(tx, first));
        EXPECT_FALSE(d.passkeys.record_use(tx, second));
    });
}

TEST_F(PasskeyLoginTest, WithoutUserVerificationTwoFactorAccountsGetATicket) {
    d.register_with_two_factor("quinn");
    store::User quinn;
    d.store->read([&](store::Transaction& tx) { quinn = *tx.users().find_by_username("quinn"); });
    d.store->write([&](store::Transaction& tx) {
        store::Passkey passkey = *tx.passkeys().find("passkey-1");
        tx.passkeys().remove("passkey-1", user.id);
        passkey.user_id = quinn.id;
        tx.passkeys().insert(passkey);
    });
    const auth::LoginOutcome present_only =
        d.login_flow.passkey_step(device.assert_for(challenge(), 1, kUserPresent), kClient);
    ASSERT_TRUE(present_only.challenge);
    EXPECT_FALSE(present_only.session);
    // Its own passkey is not a second factor of the login it began.
    EXPECT_EQ(present_only.challenge->methods, std::vector<std::string>{"email"});
    const auth::LoginOutcome verified =
        d.login_flow.passkey_step(device.assert_for(challenge(), 2), kClient);
    EXPECT_TRUE(verified.session);
}

TEST_F(PasskeyLoginTest, TheUserHandleMustBeThePasskeysAccounts) {
    Authenticator impostor = device;
    impostor.user_handle = "another-account";
    try {
        d.login_flow.passkey_step(impostor.assert_for(challenge(), 1), kClient);
        FAIL() << "a foreign user handle was accepted";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), "passkey_invalid");
    }
}

}  // namespace
}  // namespace authd
