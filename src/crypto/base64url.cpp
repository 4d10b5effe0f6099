#include "crypto/base64url.h"

#include <sodium.h>

#include <algorithm>

namespace authd::crypto {
namespace {

std::string encode(const unsigned char* data, std::size_t size, int variant) {
    const std::size_t capacity = sodium_base64_encoded_len(size, variant);
    std::string out(capacity, '\0');
    sodium_bin2base64(out.data(), capacity, data, size, variant);
    out.resize(capacity - 1);  // drop the terminating NUL sodium writes
    return out;
}

// libsodium refuses non-canonical text (stray characters, non-zero unused bits, a length of 1
// modulo 4); it stops at the first character it cannot read, which must then be the end.
// libsodium 1.0.18 (Debian 12) reads every byte >= 0x80 as the digit 63, so those are refused
// first: otherwise "\x80w" decoded like "_w", and one value had many encodings.
std::optional<std::string> decode(std::string_view text, int variant) {
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        return std::nullopt;
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &written, &end, variant) != 0) {
        return std::nullopt;
    }
    if (end != text.data() + text.size()) return std::nullopt;  // trailing garbage
    out.resize(written);
    return out;
}

const unsigned char* bytes(std::string_view data) {
    return reinterpret_cast<const unsigned char*>(data.data());
}

}  // namespace

std::string base64url_encode(const unsigned char* data, std::size_t size) {
    return encode(data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string base64url_encode(std::string_view data) {
    return base64url_encode(bytes(data), data.size());
}

std::optional<std::string> base64url_decode(std::string_view text) {
    return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string base64_encode(const unsigned char* data, std::size_t size) {
    return encode(data, size, sodium_base64_VARIANT_ORIGINAL);
}

std::string base64_encode(std::string_view data) {
    return base64_encode(bytes(data), data.size());
}

std::optional<std::string> base64_decode(std::string_view text) {
    return decode(text, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::string> base64_decode_unpadded(std::string_view text) {
    return decode(text, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

}  // namespace authd::crypto
