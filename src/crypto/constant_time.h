#pragma once
// Comparing secrets (digests, codes, CSRF tokens) without a timing side channel.
#include <sodium.h>

#include <string_view>

namespace authd::crypto {

// Equal lengths (a length is no secret: it follows from the format), then every byte compared.
inline bool equal_in_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace authd::crypto
