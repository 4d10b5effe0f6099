#pragma once
// The rules for the user's fields (API.md "The user"), in one place for register and update.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/message.h"
#include "store/store.h"

namespace authd::auth {

constexpr std::size_t kMaxUsernameLength = 150;
constexpr std::size_t kMaxEmailLength = 254;

// The message for an unacceptable username, or nullopt when it is fine.
std::optional<i18n::Message> username_problem(std::string_view username);
// The message for an unacceptable e-mail address, or nullopt.
std::optional<i18n::Message> email_problem(std::string_view email);
// The message for a language authd does not speak, or nullopt ("en", "fr", "es").
std::optional<i18n::Message> lang_problem(std::string_view lang);

// Whether `name` is a route word that cannot be a username (any case).
bool is_reserved_username(std::string_view name);

// The second factors that are ready for a user (API.md "two_fa_methods"): "email" (a verified
// address), "totp" (a confirmed authenticator app) and "passkey" (a registered passkey).
std::vector<std::string> ready_second_factors(const store::User& user);
// Whether a login of `user` must pass a second factor: 2FA on and a factor ready.
bool second_factor_required(const store::User& user);
// The same after a first step made with a passkey, which is no second factor of its own login:
// "passkey" counts only when the account has another (`other_passkey`).
std::vector<std::string> ready_second_factors(const store::User& user, bool other_passkey);
bool second_factor_required(const store::User& user, bool other_passkey);

}  // namespace authd::auth
