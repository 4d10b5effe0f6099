#pragma once
// base64url without padding (RFC 4648 §5), as JWTs and uidb64 use it. Built on libsodium.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace authd::crypto {

std::string base64url_encode(const unsigned char* data, std::size_t size);
std::string base64url_encode(std::string_view data);
// nullopt for anything that is not canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace authd::crypto
