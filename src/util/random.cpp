#include "util/random.h"

#include <sodium.h>

#include <vector>

#include "crypto/base64url.h"

namespace authd {

std::string Random::token(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    fill(buffer.data(), buffer.size());
    return crypto::base64url_encode(buffer.data(), buffer.size());
}

void SystemRandom::fill(unsigned char* out, std::size_t size) { randombytes_buf(out, size); }

}  // namespace authd
