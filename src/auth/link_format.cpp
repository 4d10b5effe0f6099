#include "auth/link_format.h"

#include "crypto/base64url.h"

namespace authd::auth {
namespace {
constexpr std::size_t kMaxTokenLength = 64;  // a longer value is no token of ours
}  // namespace

std::optional<std::string> parse_link(std::string_view uidb64, std::string_view token) {
    if (token.empty() || token.size() > kMaxTokenLength) return std::nullopt;
    return crypto::base64url_decode(uidb64);
}

}  // namespace authd::auth
