#include "util/random.h"

#include <sodium.h>

#include <vector>


namespace authd {

std::string Random::token(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    fill(buffer.data(), buffer.size());
    // libsodium's encoder directly (crypto/base64url.h wraps the same call), so that util/
    // needs nothing above it.
    std::string text(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     '\0');
    sodium_bin2base64(text.data(), text.size(), buffer.data(), buffer.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.size() - 1);  // the terminating NUL
    return text;
}

void SystemRandom::fill(unsigned char* out, std::size_t size) { randombytes_buf(out, size); }

}  // namespace authd
