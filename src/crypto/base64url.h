#pragma once
// base64 of RFC 4648, built on libsodium: base64url without padding (§5), as JWTs and uidb64
// use it, and the standard alphabet (§4), as MIME bodies and password hash strings use it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace authd::crypto {

std::string base64url_encode(const unsigned char* data, std::size_t size);
std::string base64url_encode(std::string_view data);
// nullopt for anything that is not canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

// Standard alphabet, padded, on one line (Python's base64.b64encode).
std::string base64_encode(const unsigned char* data, std::size_t size);
std::string base64_encode(std::string_view data);
// nullopt for anything that is not canonical padded standard base64 (Standard Webhooks secrets).
std::optional<std::string> base64_decode(std::string_view text);
// nullopt for anything that is not canonical unpadded standard base64 (as in PHC strings:
// a length of 1 modulo 4 and unused bits that are not zero are refused).
std::optional<std::string> base64_decode_unpadded(std::string_view text);

}  // namespace authd::crypto
