#include "webauthn/cose.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>
#include <vector>

#include "crypto/openssl.h"
#include "webauthn_test_support.h"

namespace authd::webauthn {
namespace {

using testing::Bytes;
using testing::cose_key;
using testing::hex;

CosePublicKey read_key(const Bytes& encoded) {
    return CosePublicKey::read(decode_cbor(encoded).root());
}

// The sentence read_key refuses `encoded` with, or "" when it accepts it.
std::string refusal(const Bytes& encoded) {
    try {
        read_key(encoded);
        return "";
    } catch (const CoseKeyError& e) {
        return e.what();
    }
}

Bytes sign(EVP_PKEY* key, const char* digest, const Bytes& message) {
    const crypto::MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    EXPECT_EQ(EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, nullptr), 1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, message.data(), message.size()), 1);
    Bytes signature(size);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()),
              1);
    signature.resize(size);
    return signature;
}

Bytes bignum(EVP_PKEY* key, const char* name) {
    BIGNUM* raw = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &raw), 1);
    const crypto::BnPtr value(raw);
    Bytes bytes(static_cast<std::size_t>(BN_num_bytes(value.get())));
    BN_bn2bin(value.get(), bytes.data());
    return bytes;
}

const Bytes kMessage = {'a', 'u', 't', 'h', 'd'};

// RFC 8032 §7.1, test 2.
TEST(CoseKey, VerifiesTheRfc8032Ed25519Vector) {
    const CosePublicKey key = read_key(
        cose_key({{1, 1},
                  {3, -8},
                  {-1, 6},
                  {-2, hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")}}));
    EXPECT_EQ(key.algorithm(), CoseAlgorithm::eddsa);
    Bytes signature =
        hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    EXPECT_TRUE(key.verify(hex("72"), signature));
    EXPECT_FALSE(key.verify(hex("73"), signature));
    signature[10] ^= 1;
    EXPECT_FALSE(key.verify(hex("72"), signature));
}

TEST(CoseKey, VerifiesEs256SignaturesInDer) {
    const crypto::PkeyPtr pair(EVP_EC_gen("P-256"));
    ASSERT_TRUE(pair);
    Bytes point(65);
    std::size_t length = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(pair.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                              point.size(), &length),
              1);
    ASSERT_EQ(length, 65u);
    const Bytes x(point.begin() + 1, point.begin() + 33);
    const Bytes y(point.begin() + 33, point.end());
    const CosePublicKey key = read_key(cose_key({{1, 2}, {3, -7}, {-1, 1}, {-2, x}, {-3, y}}));
    EXPECT_EQ(key.algorithm(), CoseAlgorithm::es256);

    const Bytes signature = sign(pair.get(), "SHA256", kMessage);
    EXPECT_TRUE(key.verify(kMessage, signature));
    EXPECT_FALSE(key.verify(Bytes{'x'}, signature));
    Bytes tampered = signature;
    tampered.back() ^= 1;
    EXPECT_FALSE(key.verify(kMessage, tampered));
    // A signature of the other key of the same curve.
    const crypto::PkeyPtr other(EVP_EC_gen("P-256"));
    EXPECT_FALSE(key.verify(kMessage, sign(other.get(), "SHA256", kMessage)));
}

TEST(CoseKey, VerifiesRs256Signatures) {
    const crypto::PkeyPtr pair(EVP_RSA_gen(2048));
    ASSERT_TRUE(pair);
    const CosePublicKey key = read_key(cose_key({{1, 3},
                                                 {3, -257},
                                                 {-1, bignum(pair.get(), OSSL_PKEY_PARAM_RSA_N)},
                                                 {-2, bignum(pair.get(), OSSL_PKEY_PARAM_RSA_E)}}));
    EXPECT_EQ(key.algorithm(), CoseAlgorithm::rs256);
    const Bytes signature = sign(pair.get(), "SHA256", kMessage);
    EXPECT_TRUE(key.verify(kMessage, signature));
    EXPECT_FALSE(key.verify(Bytes{'x'}, signature));
}

TEST(CoseKey, RefusesShortRsaKeys) {
    const crypto::PkeyPtr pair(EVP_RSA_gen(1024));
    ASSERT_TRUE(pair);
    EXPECT_EQ(refusal(cose_key({{1, 3},
                                {3, -257},
                                {-1, bignum(pair.get(), OSSL_PKEY_PARAM_RSA_N)},
                                {-2, bignum(pair.get(), OSSL_PKEY_PARAM_RSA_E)}})),
              "the COSE key's RSA modulus is shorter than 2048 bits");
}

TEST(CoseKey, RefusesOtherAlgorithmsCurvesAndBadParameters) {
    const Bytes x(32, 0x01);
    const Bytes y(32, 0x02);
    EXPECT_EQ(refusal(cose_key({{1, 2}, {3, -7}, {-1, 1}, {-2, x}, {-3, y}})),
              "the COSE key is not a valid P-256 key");  // not a point of the curve
    EXPECT_EQ(refusal(cose_key({{1, 2}, {3, -35}, {-1, 2}, {-2, x}, {-3, y}})),
              "the COSE key's algorithm -35 with key type 2 is not accepted (EdDSA -8, ES256 -7 "
              "and RS256 -257 are)");
    EXPECT_EQ(refusal(cose_key({{1, 1}, {3, -7}, {-1, 1}, {-2, x}, {-3, y}})),
              "the COSE key's algorithm -7 with key type 1 is not accepted (EdDSA -8, ES256 -7 "
              "and RS256 -257 are)");
    EXPECT_EQ(refusal(cose_key({{1, 2}, {3, -7}, {-1, 2}, {-2, x}, {-3, y}})),
              "the COSE key's curve is not P-256");
    EXPECT_EQ(refusal(cose_key({{1, 2}, {3, -7}, {-1, 1}, {-2, x}})),
              "the COSE key has no y coordinate");
    EXPECT_EQ(refusal(cose_key({{1, 2}, {3, -7}, {-1, 1}, {-2, Bytes(31, 1)}, {-3, y}})),
              "the COSE key's coordinates are not 32 bytes each");
    EXPECT_EQ(refusal(cose_key({{1, 2}, {-1, 1}, {-2, x}, {-3, y}})),
              "the COSE key has no algorithm");
    EXPECT_EQ(refusal(cose_key({{1, 1}, {3, -8}, {-1, 6}, {-2, Bytes(31, 1)}})),
              "the COSE key's Ed25519 key is not 32 bytes");
    EXPECT_EQ(refusal(cose_key({{1, 1}, {3, -8}, {-1, 4}, {-2, x}})),
              "the COSE key's curve is not Ed25519");
    EXPECT_EQ(refusal(hex("8101")), "the COSE key is not a map");
}

}  // namespace
}  // namespace authd::webauthn
