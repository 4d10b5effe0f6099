#pragma once
// The form of a one-time link's `<uidb64>/<token>` pair, checked before any lookup. Apart from
// links.h so that code reading links (and the fuzzer) needs no store.
#include <optional>
#include <string>
#include <string_view>

namespace authd::auth {

// The user id a link's `uidb64` names, when `uidb64` and `token` have the form of one of ours
// (a canonical unpadded base64url uidb64, a token of 1 to 64 characters); nullopt otherwise.
std::optional<std::string> parse_link(std::string_view uidb64, std::string_view token);

}  // namespace authd::auth
