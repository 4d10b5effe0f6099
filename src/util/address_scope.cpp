#include "util/address_scope.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace authd {

std::string address_scope(std::string_view address) {
    const std::string text(address);
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
    char buffer[INET6_ADDRSTRLEN] = {};
    constexpr std::array<unsigned char, 12> mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(mapped_prefix.begin(), mapped_prefix.end(), bytes.begin())) {
        inet_ntop(AF_INET, bytes.data() + 12, buffer, sizeof buffer);
        return buffer;
    }
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
    return std::string(buffer) + "/64";
}

}  // namespace authd
