#include <openssl/err.h>

#include "crypto/openssl.h"

namespace authd::crypto {

bool verify_signature(EVP_PKEY* key, const char* digest, std::span<const unsigned char> message,
                      std::span<const unsigned char> signature) {
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool valid =
        ctx &&
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, nullptr) == 1 &&
        EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                         message.size()) == 1;
    ERR_clear_error();
    return valid;
}

}  // namespace authd::crypto
