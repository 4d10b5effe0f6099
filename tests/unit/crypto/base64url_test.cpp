#include "crypto/base64url.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace authd::crypto {
namespace {

// RFC 4648 §10 test vectors, which read the same in the url alphabet once padding is dropped.
TEST(Base64Url, Rfc4648Vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64url_encode(plain), encoded) << plain;
        const auto decoded = base64url_decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, plain);
    }
}

// Values 62 and 63 are where base64url differs from base64 ("+/" becomes "-_").
TEST(Base64Url, UsesTheUrlAlphabet) {
    const std::string bytes = "\xfb\xff";
    EXPECT_EQ(base64url_encode(bytes), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), bytes);
    EXPECT_EQ(base64url_encode(std::string("\xfb\xef\xbe", 3)), "----");
    EXPECT_EQ(base64url_encode(std::string("\xff\xff\xff", 3)), "____");
}

TEST(Base64Url, RoundTripsEveryByteValue) {
    std::string all;
    for (int value = 0; value < 256; ++value)
        all.push_back(static_cast<char>(value));
    // Every length exercises each of the three tail shapes, and every byte value appears.
    for (std::size_t length = 0; length <= all.size(); ++length) {
        const std::string slice = all.substr(all.size() - length);
        const std::string encoded = base64url_encode(slice);
        EXPECT_EQ(encoded.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        EXPECT_EQ(base64url_decode(encoded), slice) << length;
    }
    for (int value = 0; value < 256; ++value) {
        const std::string single(1, static_cast<char>(value));
        EXPECT_EQ(base64url_decode(base64url_encode(single)), single) << value;
    }
}

TEST(Base64Url, RejectsPadding) {
    EXPECT_FALSE(base64url_decode("Zg=="));
    EXPECT_FALSE(base64url_decode("Zg="));
    EXPECT_FALSE(base64url_decode("Zm8="));
    EXPECT_FALSE(base64url_decode("Zm9v="));
    EXPECT_FALSE(base64url_decode("===="));
}

TEST(Base64Url, RejectsTheStandardAlphabet) {
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("ab+d"));
    EXPECT_FALSE(base64url_decode("ab/d"));
}

TEST(Base64Url, RejectsWhitespaceAndOtherCharacters) {
    EXPECT_FALSE(base64url_decode("Zm9v YmFy"));
    EXPECT_FALSE(base64url_decode(" Zm9v"));
    EXPECT_FALSE(base64url_decode("Zm9v\n"));
    EXPECT_FALSE(base64url_decode("Zm9v\r\nYmFy"));
    EXPECT_FALSE(base64url_decode("Zm9v\t"));
    EXPECT_FALSE(base64url_decode("Zm9v.YmFy"));
    EXPECT_FALSE(base64url_decode(std::string("Zm9v\0", 5)));
    EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9"));
}

// libsodium 1.0.18 reads any byte >= 0x80 as '_' (found by fuzz_links and fuzz_jwt): "\x80w"
// decoded like "_w", so a token or link had many spellings of one value.
TEST(Base64Url, RejectsBytesAboveAscii) {
    EXPECT_EQ(base64url_decode("_w"), std::string("\xff"));
    EXPECT_FALSE(base64url_decode("\x80w"));
    EXPECT_FALSE(base64url_decode("\xffw"));
    EXPECT_FALSE(base64url_decode("Zm9v\x80\x80"));
    EXPECT_FALSE(base64_decode("\x80w=="));
    EXPECT_FALSE(base64_decode_unpadded("\x80w"));
}

// Unused low bits of the last character must be zero, so each byte string has one encoding.
TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
    EXPECT_TRUE(base64url_decode("Zg"));
    EXPECT_FALSE(base64url_decode("Zh"));  // 'h' sets a bit below the single byte
    EXPECT_FALSE(base64url_decode("Zv"));
    EXPECT_TRUE(base64url_decode("Zm8"));
    EXPECT_FALSE(base64url_decode("Zm9"));  // '9' sets a bit below the two bytes
    EXPECT_FALSE(base64url_decode("-_9"));
}

// A single character after a full group cannot hold a byte.
TEST(Base64Url, RejectsImpossibleLengths) {
    EXPECT_FALSE(base64url_decode("Z"));
    EXPECT_FALSE(base64url_decode("Zm9vY"));
}

// The standard alphabet (RFC 4648 §4): padded for MIME and Django's pbkdf2 digests, unpadded
// and canonical for the salts and hashes of PHC strings.
TEST(Base64, Rfc4648VectorsPaddedAndUnpadded) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, padded] : vectors) {
        EXPECT_EQ(base64_encode(plain), padded) << plain;
        const std::string unpadded = padded.substr(0, padded.find('='));
        EXPECT_EQ(base64_decode_unpadded(unpadded), plain) << unpadded;
    }
    EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");
    EXPECT_EQ(base64_decode_unpadded("+/8"), std::string("\xfb\xff", 2));
}

TEST(Base64, UnpaddedDecodingRefusesWhatLibargon2Refuses) {
    EXPECT_FALSE(base64_decode_unpadded("Zg=="));   // padding
    EXPECT_FALSE(base64_decode_unpadded("Zh"));     // unused bits not zero ("Zg" is canonical)
    EXPECT_FALSE(base64_decode_unpadded("Zm9"));    // likewise ("Zm8")
    EXPECT_FALSE(base64_decode_unpadded("Zm9vY"));  // a length of 1 modulo 4
    EXPECT_FALSE(base64_decode_unpadded("-_8"));    // the url alphabet
    EXPECT_FALSE(base64_decode_unpadded("Zm 9v"));
}

}  // namespace
}  // namespace authd::crypto
