#pragma once
// The claims of authd's tokens and their checks, in one place: every route that issues or
// reads a token goes through TokenIssuer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace authd::crypto {
class JwtCodec;
}

namespace authd::auth {

class VerifiedTokenCache;

struct TokenSettings {
    std::string issuer = "authd";
    std::string audience;  // empty: no "aud"
    std::int64_t access_lifetime = 15 * 60;
    std::int64_t refresh_lifetime = 24 * 3600;  // absolute, from login
    std::int64_t refresh_idle_timeout = 24 * 3600;
    std::int64_t refresh_grace_period = 10;
    std::int64_t service_lifetime = 12 * 3600;
    std::int64_t leeway = 30;  // on exp / nbf / iat
    // Access and service tokens whose signature is remembered as checked (0: none).
    std::size_t verified_cache_size = 10000;
};

enum class TokenType { access, refresh };

struct UserClaims {
    TokenType type = TokenType::access;
    std::string jti;
    std::string username;
    std::string subject;  // the user's id
    std::string session_id;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t auth_time = 0;
};

struct ServiceClaims {
    std::string service_name;
    std::string jti;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
};

// Any reason a token is refused; callers answer with one generic message.
class InvalidToken : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class TokenIssuer {
  public:
    TokenIssuer(std::shared_ptr<const crypto::JwtCodec> codec, TokenSettings settings,
                const Clock& clock);
    ~TokenIssuer();

    std::string encode(const UserClaims& claims) const;
    std::string encode(const ServiceClaims& claims) const;

    // Signature, issuer, audience, type and times (with leeway); `check_expiry` false reads
    // an expired token too (logout). The header "typ" must be the kind's ("at+jwt" for access
    // tokens, RFC 9068; "service+jwt" for service tokens) or the earlier versions' "JWT".
    // Throws InvalidToken.
    UserClaims decode_user(std::string_view token, TokenType expected,
                           bool check_expiry = true) const;
    ServiceClaims decode_service(std::string_view token) const;
    // A user or service token of any type, for introspection. Throws InvalidToken.
    std::string token_type_of(std::string_view token) const;

    const TokenSettings& settings() const { return settings_; }
    // Tokens whose signature is remembered as checked (TokenSettings::verified_cache_size).
    std::size_t remembered_tokens() const;

  private:
    struct Common;
    Common decode_common(std::string_view token, std::string_view expected_type,
                         bool check_expiry) const;

    std::shared_ptr<const crypto::JwtCodec> codec_;
    TokenSettings settings_;
    const Clock& clock_;
    std::unique_ptr<VerifiedTokenCache> verified_;  // null when verified_cache_size is 0
};

}  // namespace authd::auth
