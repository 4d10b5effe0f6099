#include "webauthn/cbor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webauthn_test_support.h"

namespace authd::webauthn {
namespace {

using testing::hex;

// The sentence decode_cbor refuses `encoded` with, or "" when it accepts it.
std::string refusal(std::string_view encoded, const CborLimits& limits = {}) {
    try {
        decode_cbor(hex(encoded), limits);
        return "";
    } catch (const CborError& e) {
        return e.what();
    }
}

// RFC 8949, Appendix A.
TEST(Cbor, DecodesTheSpecificationsExamples) {
    EXPECT_EQ(decode_cbor(hex("00")).root().integer(), 0);
    EXPECT_EQ(decode_cbor(hex("17")).root().integer(), 23);
    EXPECT_EQ(decode_cbor(hex("1818")).root().integer(), 24);
    EXPECT_EQ(decode_cbor(hex("1b000000e8d4a51000")).root().integer(), 1000000000000);
    EXPECT_EQ(decode_cbor(hex("20")).root().integer(), -1);
    EXPECT_EQ(decode_cbor(hex("3903e7")).root().integer(), -1000);
    EXPECT_EQ(decode_cbor(hex("6449455446")).root().text(), "IETF");
    EXPECT_EQ(decode_cbor(hex("f5")).root().boolean(), true);

    const CborDocument bytes = decode_cbor(hex("4401020304"));
    ASSERT_TRUE(bytes.root().bytes());
    EXPECT_EQ(std::vector<std::uint8_t>(bytes.root().bytes()->begin(), bytes.root().bytes()->end()),
              hex("01020304"));

    const CborDocument array = decode_cbor(hex("8301820203820405"));
    ASSERT_TRUE(array.root().is_array());
    EXPECT_EQ(array.root().size(), 3u);
    EXPECT_EQ(array.root().element(1).element(0).integer(), 2);
    EXPECT_FALSE(array.root().element(3));

    const CborDocument map = decode_cbor(hex("a26161016162820203"));
    EXPECT_EQ(map.root().member("a").integer(), 1);
    EXPECT_EQ(map.root().member("b").element(1).integer(), 3);
    EXPECT_FALSE(map.root().member("c"));
    EXPECT_FALSE(map.root().member(1));
}

TEST(Cbor, OnlyTrueAndFalseAreBooleans) {
    EXPECT_EQ(decode_cbor(hex("f4")).root().boolean(), false);
    EXPECT_EQ(decode_cbor(hex("f6")).root().boolean(), std::nullopt);  // null
    // Floats of each width (found by fuzz_cbor: libcbor's cbor_is_bool asserts on them).
    EXPECT_EQ(decode_cbor(hex("f93c00")).root().boolean(), std::nullopt);
    EXPECT_EQ(decode_cbor(hex("fa47c35000")).root().boolean(), std::nullopt);
    EXPECT_EQ(decode_cbor(hex("fb3ff199999999999a")).root().boolean(), std::nullopt);
    EXPECT_EQ(decode_cbor(hex("f93c00")).root().integer(), std::nullopt);
}

TEST(Cbor, AnIntegerOutsideSixtyFourSignedBitsIsNoInteger) {
    EXPECT_EQ(decode_cbor(hex("1bffffffffffffffff")).root().integer(), std::nullopt);
    EXPECT_EQ(decode_cbor(hex("3b7fffffffffffffff")).root().integer(),
              std::numeric_limits<std::int64_t>::min());
}

// An ES256 public key as WebAuthn carries it: COSE's integer labels (RFC 9052, RFC 9053).
TEST(Cbor, ReadsACoseKeyByItsLabels) {
    const CborDocument key = decode_cbor(
        hex("a5010203262001215820bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
            "22582020138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"));
    EXPECT_EQ(key.root().member(1).integer(), 2);   // kty: EC2
    EXPECT_EQ(key.root().member(3).integer(), -7);  // alg: ES256
    EXPECT_EQ(key.root().member(-1).integer(), 1);  // crv: P-256
    ASSERT_TRUE(key.root().member(-2).bytes());
    EXPECT_EQ(key.root().member(-2).bytes()->size(), 32u);
    EXPECT_EQ(key.root().member(-3).bytes()->front(), 0x20);
}

TEST(Cbor, RefusesIndefiniteLengths) {
    EXPECT_EQ(refusal("9f018202039f0405ffff"), "the CBOR item has an array of indefinite length");
    EXPECT_EQ(refusal("bf61610161629f0203ffff"), "the CBOR item has a map of indefinite length");
    EXPECT_EQ(refusal("5f42010243030405ff"),
              "the CBOR item has a byte string of indefinite length");
    EXPECT_EQ(refusal("7f657374726561646d696e67ff"),
              "the CBOR item has a text string of indefinite length");
    // Inside a definite map too.
    EXPECT_EQ(refusal("a1019f01ff"), "the CBOR item has an array of indefinite length");
}

TEST(Cbor, RefusesARepeatedMapKeyHoweverItIsEncoded) {
    EXPECT_EQ(refusal("a201020103"), "the CBOR item has a map with a repeated key");
    // 1, then 1 in two bytes (not the shortest form).
    EXPECT_EQ(refusal("a20102180103"), "the CBOR item has a map with a repeated key");
    EXPECT_EQ(refusal("a2616101616102"), "the CBOR item has a map with a repeated key");
    // An integer and a text never collide.
    EXPECT_EQ(refusal("a20102613103"), "");
    // Nested maps are checked as well.
    EXPECT_EQ(refusal("a101a220012002"), "the CBOR item has a map with a repeated key");
}

// Found by fuzz_cbor: libcbor 0.8 reads tag 12 in two bytes (D8 0C) but not in one (CC), the form
// its own writer uses; WebAuthn's structures have no tags at all.
TEST(Cbor, RefusesTags) {
    const std::string_view problem = "the CBOR item has a tag, which WebAuthn never uses";
    EXPECT_EQ(refusal("c11a514b67b0"), problem);
    EXPECT_EQ(refusal("d80c0d"), problem);
    EXPECT_EQ(refusal("a101c100"), problem);
}

TEST(Cbor, RefusesMapKeysOtherThanIntegersAndText) {
    EXPECT_EQ(refusal("a1410101"), "a CBOR map key is neither an integer nor a text string");
    EXPECT_EQ(refusal("a1f501"), "a CBOR map key is neither an integer nor a text string");
}

TEST(Cbor, RefusesTrailingBytesUnlessAskedForAPrefix) {
    EXPECT_EQ(refusal("0000"), "the CBOR item is followed by 1 more bytes");
    const CborDocument prefix = decode_cbor_prefix(hex("a10102ff00"));
    EXPECT_EQ(prefix.consumed(), 3u);
    EXPECT_EQ(prefix.root().member(1).integer(), 2);
}

TEST(Cbor, RefusesTruncatedEmptyAndMalformedInput) {
    EXPECT_EQ(refusal("430102"), "the CBOR item is cut short");
    EXPECT_EQ(refusal("a201"), "the CBOR item declares more items than it has bytes");
    EXPECT_EQ(refusal(""), "the CBOR item is empty");
    // A break with nothing to end, and a reserved additional information (28).
    EXPECT_NE(refusal("ff"), "");
    EXPECT_NE(refusal("1c"), "");
}

// Found by fuzz_cbor: libcbor allocates a map or array of its declared size before reading it,
// so a few bytes could ask for gigabytes. The declared sizes are checked first.
TEST(Cbor, RefusesDeclaredSizesLargerThanTheInput) {
    const std::string_view problem = "the CBOR item declares more items than it has bytes";
    EXPECT_EQ(refusal("a500010203babababa0102"), problem);
    EXPECT_EQ(refusal("bababababa01020304"), problem);
    EXPECT_EQ(refusal("9bffffffffffffffff00"), problem);
    EXPECT_EQ(refusal("83010203"), "");
    EXPECT_EQ(refusal("8301020304"), "the CBOR item is followed by 1 more bytes");
    // Promised items add up across the open containers: [[x, x], x] needs 3 more bytes.
    EXPECT_EQ(refusal("82820000"), problem);
}

TEST(Cbor, RefusesItemsBeyondTheLimits) {
    const CborLimits limits{.max_bytes = 16, .max_depth = 3};
    EXPECT_EQ(refusal("8181818100", limits), "the CBOR item is nested deeper than 3 levels");
    EXPECT_EQ(refusal("81818100", limits), "");
    EXPECT_EQ(refusal("5011111111111111111111111111111111", limits),
              "the CBOR item is larger than 16 bytes");
    EXPECT_EQ(refusal("4f111111111111111111111111111111", limits), "");
}

}  // namespace
}  // namespace authd::webauthn
