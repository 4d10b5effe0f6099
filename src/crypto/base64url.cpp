#include "crypto/base64url.h"

#include <sodium.h>

#include <vector>

namespace authd::crypto {

std::string base64url_encode(const unsigned char* data, std::size_t size) {
    const std::size_t capacity =
        sodium_base64_encoded_len(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    std::string out(capacity, '\0');
    sodium_bin2base64(out.data(), capacity, data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(capacity - 1);  // drop the terminating NUL sodium writes
    return out;
}

std::string base64url_encode(std::string_view data) {
    return base64url_encode(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &written, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return std::nullopt;
    }
    if (end != text.data() + text.size()) return std::nullopt;  // trailing garbage
    out.resize(written);
    return out;
}

}  // namespace authd::crypto
