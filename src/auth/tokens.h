#pragma once
// The claims of authd's tokens and their checks, in one place: every route that issues or
// reads a token goes through TokenIssuer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace authd {
class Random;
}
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

// An access token's claims. Access tokens are JWTs with header "typ": "at+jwt" (RFC 9068),
// signed with the published key: the platform's services verify them locally.
struct UserClaims {
    std::string jti;
    std::string username;
    std::string subject;  // the user's id
    std::string session_id;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t auth_time = 0;
};

// What a refresh token names. A refresh token is for authd alone, so nothing that holds the
// public key may verify it: it is opaque, `<session id>.<secret>`, the secret being base64url
// of the token's 128-bit identifier and a 128-bit tag of the session id and the identifier
// under a key that is never published (derived from the installation secret). The session
// stores the identifier's hash and is the authority on lifetimes.
// Refresh tokens of the earlier form (JWTs signed with the published key, "typ": "JWT",
// `token_type: "refresh"`) are still read until they expire, so the upgrade logs no one out;
// they also carry the subject.
struct RefreshClaims {
    std::string session_id;
    std::string jti;      // the identifier
    std::string subject;  // earlier form only: the user's id
};

// Service tokens are JWTs with header "typ": "service+jwt".
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
    // `refresh_key`: at least 32 secret bytes that tag refresh tokens; every instance sharing
    // a database needs the same one. Throws std::invalid_argument when it is shorter.
    TokenIssuer(std::shared_ptr<const crypto::JwtCodec> codec, std::string refresh_key,
                TokenSettings settings, const Clock& clock);
    ~TokenIssuer();

    std::string encode(const UserClaims& claims) const;
    std::string encode(const RefreshClaims& claims) const;  // the opaque form; subject unused
    std::string encode(const ServiceClaims& claims) const;
    // The claims of a new service token: a random jti, issued now, for the service lifetime.
    ServiceClaims new_service_claims(std::string service_name, Random& random) const;

    // Signature, type ("typ" and `token_type`), issuer, audience and times (with leeway).
    // Throws InvalidToken.
    UserClaims decode_access(std::string_view token) const;
    ServiceClaims decode_service(std::string_view token) const;
    // Either form. The opaque form is checked against its tag (the session is the caller's to
    // check); the earlier form as a JWT, where `check_expiry` false reads an expired token too
    // (logout). Throws InvalidToken.
    RefreshClaims decode_refresh(std::string_view token, bool check_expiry = true) const;
    // "access", "refresh" or "service" for introspection, from the token's form and, for a
    // JWT, its verified claims; decode it with the matching call. Throws InvalidToken.
    std::string token_type_of(std::string_view token) const;

    const TokenSettings& settings() const { return settings_; }
    // Tokens whose signature is remembered as checked (TokenSettings::verified_cache_size).
    std::size_t remembered_tokens() const;

  private:
    struct Common;
    Common decode_common(std::string_view token, std::string_view expected_type,
                         bool check_expiry) const;
    std::string refresh_tag(std::string_view session_id, std::string_view jti) const;

    std::shared_ptr<const crypto::JwtCodec> codec_;
    std::string refresh_key_;
    TokenSettings settings_;
    const Clock& clock_;
    std::unique_ptr<VerifiedTokenCache> verified_;  // null when verified_cache_size is 0
};

}  // namespace authd::auth
