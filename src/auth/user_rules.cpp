#include "auth/user_rules.h"

#include <algorithm>
#include <array>

#include "i18n/keys.h"
#include "i18n/language.h"
#include "util/text.h"

namespace authd::auth {
namespace {

// Every word that is, or may become, a path segment right under /api/auth/.
constexpr std::array<std::string_view, 33> kReservedUsernames = {
    "login",    "logout",       "logout_all",     "refresh", "delete",
    "update",   "password",     "password_reset", "reset",   "dump_data",
    "internal", "otp",          "verify_email",   "2fa",     "sessions",
    "jwks",     "admin",        "introspect",     "healthz", "readyz",
    "metrics",  "openapi.json", "openapi",        "api",     "auth",
    "static",   ".well-known",  "root",           "me",      "users",
    "passkeys", "webauthn",     "webauthn.js"};

bool is_username_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

bool is_atext(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+/=?^_`{|}~-").find(static_cast<char>(c)) !=
           std::string_view::npos;
}

bool valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64) return false;
    if (local.front() == '.' || local.back() == '.') return false;
    char previous = 0;
    for (char c : local) {
        if (c == '.') {
            if (previous == '.') return false;
        } else if (!is_atext(static_cast<unsigned char>(c))) {
            return false;
        }
        previous = c;
    }
    return true;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    std::size_t labels = 0;
    std::string_view last_label;
    std::size_t start = 0;
    while (start <= domain.size()) {
        std::size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) dot = domain.size();
        const std::string_view label = domain.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label) {
            const auto u = static_cast<unsigned char>(c);
            if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                  u == '-'))
                return false;
        }
        ++labels;
        last_label = label;
        start = dot + 1;
        if (dot == domain.size()) break;
    }
    if (labels < 2) return false;
    // A top-level domain is never all digits ("user@1.2.3.4" is not a mailbox we accept).
    return !std::all_of(last_label.begin(), last_label.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_reserved_username(std::string_view name) {
    const std::string lower = text::ascii_lower(name);
    return std::find(kReservedUsernames.begin(), kReservedUsernames.end(), lower) !=
           kReservedUsernames.end();
}

std::optional<i18n::Message> username_problem(std::string_view username) {
    if (username.size() > kMaxUsernameLength)
        return i18n::Message(i18n::keys::username_too_long, {{"max", kMaxUsernameLength}});
    if (username.empty() || !std::all_of(username.begin(), username.end(), [](char c) {
            return is_username_char(static_cast<unsigned char>(c));
        }))
        return i18n::keys::username_invalid;
    if (is_reserved_username(username)) return i18n::keys::username_reserved;
    return std::nullopt;
}

std::optional<i18n::Message> email_problem(std::string_view email) {
    if (email.size() > kMaxEmailLength)
        return i18n::Message(i18n::keys::email_too_long, {{"max", kMaxEmailLength}});
    const auto at = email.rfind('@');
    if (at == std::string_view::npos || !valid_local_part(email.substr(0, at)) ||
        !valid_domain(email.substr(at + 1)))
        return i18n::keys::email_invalid;
    return std::nullopt;
}

std::optional<i18n::Message> lang_problem(std::string_view lang) {
    if (i18n::from_code(lang)) return std::nullopt;
    return i18n::Message(i18n::keys::invalid_choice, {{"value", lang}});
}

std::vector<std::string> ready_second_factors(const store::User& user, bool other_passkey) {
    std::vector<std::string> factors;
    if (user.email_verified) factors.emplace_back("email");
    if (user.totp_ready) factors.emplace_back("totp");
    if (user.passkey_ready && other_passkey) factors.emplace_back("passkey");
    return factors;
}

bool second_factor_required(const store::User& user, bool other_passkey) {
    return user.two_fa_enable && !ready_second_factors(user, other_passkey).empty();
}

std::vector<std::string> ready_second_factors(const store::User& user) {
    return ready_second_factors(user, true);
}

bool second_factor_required(const store::User& user) {
    return second_factor_required(user, true);
}

}  // namespace authd::auth
