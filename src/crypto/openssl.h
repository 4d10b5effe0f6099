#pragma once
// OpenSSL objects owned by unique_ptr, and the one way a public-key signature is checked: shared
// by JWTs (crypto/jwt.cpp) and WebAuthn's COSE keys (webauthn/cose.cpp).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <span>
#include <string_view>

namespace authd::crypto {

struct PkeyFree {
    void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BnFree {
    void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct EcdsaSigFree {
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

// Whether `signature` is `key`'s over `message`, hashed with the digest named `digest` ("SHA256";
// nullptr for EdDSA, which hashes itself). A bad signature is an answer: OpenSSL's error queue
// is left empty.
bool verify_signature(EVP_PKEY* key, const char* digest, std::span<const unsigned char> message,
                      std::span<const unsigned char> signature);

}  // namespace authd::crypto
