#include "otp/sealed_box.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "crypto/base64url.h"
#include "util/random.h"

namespace authd::otp {
namespace {

// Deterministic randomness: each byte is the next value of a counter.
class CounterRandom final : public Random {
  public:
    explicit CounterRandom(unsigned char start = 0) : next_(start) {}
    void fill(unsigned char* out, std::size_t size) override {
        for (std::size_t i = 0; i < size; ++i)
            out[i] = next_++;
    }

  private:
    unsigned char next_;
};

const std::string key_a(32, 'k');
const std::string key_b(32, 'K');
constexpr std::size_t nonce_size = 24;
constexpr std::size_t tag_size = 16;

TEST(SealedBox, RoundTrip) {
    const SealedBox box(key_a);
    SystemRandom random;
    for (const std::string& plaintext : {std::string(), std::string("12345678901234567890"),
                                         std::string("with\0nul", 8), std::string(1000, 'z')}) {
        const std::string sealed = box.seal(plaintext, "user:42", random);
        const auto decoded = crypto::base64url_decode(sealed);
        ASSERT_TRUE(decoded.has_value()) << "not base64url: " << sealed;
        EXPECT_EQ(decoded->size(), nonce_size + plaintext.size() + tag_size);
        EXPECT_EQ(sealed.find('='), std::string::npos);
        EXPECT_EQ(box.open(sealed, "user:42"), plaintext);
    }
}

TEST(SealedBox, AnotherBoxWithTheSameKeyOpensIt) {
    SystemRandom random;
    const std::string sealed = SealedBox(key_a).seal("secret", "ad", random);
    EXPECT_EQ(SealedBox(key_a).open(sealed, "ad"), "secret");
}

TEST(SealedBox, TamperingIsDetected) {
    const SealedBox box(key_a);
    SystemRandom random;
    const std::string sealed = box.seal("the secret", "user:42", random);
    ASSERT_TRUE(box.open(sealed, "user:42").has_value());
    // Flip every character in turn (nonce, ciphertext and tag alike). The last character of
    // unpadded base64 may carry unused bits; changing it to another canonical value still
    // changes the bytes, and non-canonical values fail decoding: either way, nullopt.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string altered = sealed;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_EQ(box.open(altered, "user:42"), std::nullopt) << "position " << i;
    }
    // Truncated or extended.
    EXPECT_EQ(box.open(sealed.substr(0, sealed.size() - 1), "user:42"), std::nullopt);
    EXPECT_EQ(box.open(sealed + "AA", "user:42"), std::nullopt);
}

TEST(SealedBox, WrongAssociatedDataFails) {
    const SealedBox box(key_a);
    SystemRandom random;
    const std::string sealed = box.seal("the secret", "user:42", random);
    EXPECT_EQ(box.open(sealed, "user:43"), std::nullopt);
    EXPECT_EQ(box.open(sealed, ""), std::nullopt);
}

TEST(SealedBox, WrongKeyFails) {
    SystemRandom random;
    const std::string sealed = SealedBox(key_a).seal("the secret", "user:42", random);
    EXPECT_EQ(SealedBox(key_b).open(sealed, "user:42"), std::nullopt);
}

TEST(SealedBox, MalformedInputIsRejected) {
    const SealedBox box(key_a);
    EXPECT_EQ(box.open("", "ad"), std::nullopt);
    EXPECT_EQ(box.open("not base64url!", "ad"), std::nullopt);
    EXPECT_EQ(box.open("AAAA====", "ad"), std::nullopt);  // padded
    // Decodes, but shorter than a nonce and a tag.
    EXPECT_EQ(box.open(crypto::base64url_encode(std::string(nonce_size + tag_size - 1, 'x')), "ad"),
              std::nullopt);
    // Long enough, but never sealed.
    EXPECT_EQ(box.open(crypto::base64url_encode(std::string(nonce_size + tag_size, 'x')), "ad"),
              std::nullopt);
}

TEST(SealedBox, EachSealUsesAFreshNonce) {
    const SealedBox box(key_a);
    SystemRandom random;
    const std::string first = box.seal("same text", "ad", random);
    const std::string second = box.seal("same text", "ad", random);
    EXPECT_NE(first, second);
    EXPECT_EQ(box.open(first, "ad"), "same text");
    EXPECT_EQ(box.open(second, "ad"), "same text");
}

TEST(SealedBox, TheNonceComesFromTheInjectedRandom) {
    const SealedBox box(key_a);
    CounterRandom random(0);
    const std::string first = box.seal("same text", "ad", random);
    const std::string second = box.seal("same text", "ad", random);
    EXPECT_NE(first, second);  // the counter moved on: another nonce

    // The nonce is the first 24 bytes, as drawn from the Random.
    const auto first_bytes = crypto::base64url_decode(first);
    const auto second_bytes = crypto::base64url_decode(second);
    ASSERT_TRUE(first_bytes && second_bytes);
    for (std::size_t i = 0; i < nonce_size; ++i) {
        EXPECT_EQ(static_cast<unsigned char>((*first_bytes)[i]), i);
        EXPECT_EQ(static_cast<unsigned char>((*second_bytes)[i]), nonce_size + i);
    }

    // The same key, nonce, text and associated data give the same output: only the nonce
    // makes two seals differ.
    CounterRandom replay(0);
    EXPECT_EQ(box.seal("same text", "ad", replay), first);
    EXPECT_EQ(box.seal("same text", "ad", replay), second);
    CounterRandom other(1);
    EXPECT_NE(box.seal("same text", "ad", other), first);
}

TEST(SealedBox, KeyOfWrongSizeThrows) {
    EXPECT_THROW(SealedBox(std::string()), std::invalid_argument);
    EXPECT_THROW(SealedBox(std::string(31, 'k')), std::invalid_argument);
    EXPECT_THROW(SealedBox(std::string(33, 'k')), std::invalid_argument);
    EXPECT_NO_THROW(SealedBox(std::string(32, 'k')));
}

}  // namespace
}  // namespace authd::otp
