#include "webauthn/cose.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <string>
#include <vector>

#include "crypto/openssl.h"

namespace authd::webauthn {
namespace {

// RFC 9052 §7.1 and RFC 9053 §7: the labels and values used here.
constexpr std::int64_t kLabelKty = 1;
constexpr std::int64_t kLabelAlg = 3;
constexpr std::int64_t kLabelCrvOrN = -1;  // crv for OKP and EC2, n for RSA
constexpr std::int64_t kLabelXOrE = -2;    // x for OKP and EC2, e for RSA
constexpr std::int64_t kLabelY = -3;
constexpr std::int64_t kKtyOkp = 1;
constexpr std::int64_t kKtyEc2 = 2;
constexpr std::int64_t kKtyRsa = 3;
constexpr std::int64_t kCrvP256 = 1;
constexpr std::int64_t kCrvEd25519 = 6;
constexpr std::size_t kCoordinateBytes = 32;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMaxRsaModulusBytes = 8192 / 8;

struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};

std::span<const std::uint8_t> required_bytes(CborView key, std::int64_t label, const char* name) {
    const auto bytes = key.member(label).bytes();
    if (!bytes) throw CoseKeyError(std::string("the COSE key has no ") + name);
    return *bytes;
}

// An EVP_PKEY from OpenSSL 3 parameters, checked: fromdata alone does not check a point.
crypto::PkeyPtr key_from(const char* type, OSSL_PARAM_BLD* builder, const char* what) {
    const std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder));
    const crypto::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        throw CoseKeyError(std::string("the COSE key is not a valid ") + what + " key");
    }
    crypto::PkeyPtr key(raw);
    const crypto::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        throw CoseKeyError(std::string("the COSE key is not a valid ") + what + " key");
    }
    return key;
}

crypto::PkeyPtr ec2_key(CborView key) {
    if (key.member(kLabelCrvOrN).integer() != kCrvP256)
        throw CoseKeyError("the COSE key's curve is not P-256");
    const auto x = required_bytes(key, kLabelXOrE, "x coordinate");
    const auto y = required_bytes(key, kLabelY, "y coordinate");
    if (x.size() != kCoordinateBytes || y.size() != kCoordinateBytes)
        throw CoseKeyError("the COSE key's coordinates are not 32 bytes each");
    std::vector<unsigned char> point{0x04};  // SEC 1 uncompressed point
    point.insert(point.end(), x.begin(), x.end());
    point.insert(point.end(), y.begin(), y.end());
    const std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1)
        throw std::bad_alloc();
    return key_from("EC", builder.get(), "P-256");
}

crypto::PkeyPtr okp_key(CborView key) {
    if (key.member(kLabelCrvOrN).integer() != kCrvEd25519)
        throw CoseKeyError("the COSE key's curve is not Ed25519");
    const auto x = required_bytes(key, kLabelXOrE, "public key");
    if (x.size() != kCoordinateBytes)
        throw CoseKeyError("the COSE key's Ed25519 key is not 32 bytes");
    crypto::PkeyPtr pkey(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x.data(), x.size()));
    if (!pkey) {
        ERR_clear_error();
        throw CoseKeyError("the COSE key is not a valid Ed25519 key");
    }
    return pkey;
}

crypto::PkeyPtr rsa_key(CborView key) {
    const auto n = required_bytes(key, kLabelCrvOrN, "modulus");
    const auto e = required_bytes(key, kLabelXOrE, "exponent");
    if (n.size() > kMaxRsaModulusBytes || e.size() > 8)
        throw CoseKeyError("the COSE key's RSA parameters are too large");
    const crypto::BnPtr modulus(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
    const crypto::BnPtr exponent(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
    if (!modulus || !exponent) throw std::bad_alloc();
    if (BN_num_bits(modulus.get()) < kMinRsaBits)
        throw CoseKeyError("the COSE key's RSA modulus is shorter than 2048 bits");
    const std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1)
        throw std::bad_alloc();
    return key_from("RSA", builder.get(), "RSA");
}

}  // namespace

CosePublicKey CosePublicKey::read(CborView key) {
    if (!key.is_map()) throw CoseKeyError("the COSE key is not a map");
    const auto kty = key.member(kLabelKty).integer();
    const auto alg = key.member(kLabelAlg).integer();
    if (!kty) throw CoseKeyError("the COSE key has no key type");
    if (!alg) throw CoseKeyError("the COSE key has no algorithm");
    crypto::PkeyPtr pkey;
    CoseAlgorithm algorithm;
    if (*alg == static_cast<std::int64_t>(CoseAlgorithm::es256) && *kty == kKtyEc2) {
        algorithm = CoseAlgorithm::es256;
        pkey = ec2_key(key);
    } else if (*alg == static_cast<std::int64_t>(CoseAlgorithm::eddsa) && *kty == kKtyOkp) {
        algorithm = CoseAlgorithm::eddsa;
        pkey = okp_key(key);
    } else if (*alg == static_cast<std::int64_t>(CoseAlgorithm::rs256) && *kty == kKtyRsa) {
        algorithm = CoseAlgorithm::rs256;
        pkey = rsa_key(key);
    } else {
        throw CoseKeyError("the COSE key's algorithm " + std::to_string(*alg) + " with key type " +
                           std::to_string(*kty) +
                           " is not accepted (EdDSA -8, ES256 -7 and RS256 -257 are)");
    }
    return CosePublicKey(algorithm, std::shared_ptr<EVP_PKEY>(pkey.release(), crypto::PkeyFree()));
}

bool CosePublicKey::verify(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> signature) const {
    return crypto::verify_signature(
        key_.get(), algorithm_ == CoseAlgorithm::eddsa ? nullptr : "SHA256", message, signature);
}

}  // namespace authd::webauthn
