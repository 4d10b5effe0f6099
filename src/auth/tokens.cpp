#include "auth/tokens.h"

#include <boost/json.hpp>

#include "auth/verified_tokens.h"
#include "crypto/jwt.h"

namespace authd::auth {

namespace json = boost::json;

struct TokenIssuer::Common {
    std::shared_ptr<const json::object> claims;
    std::string jti;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
};

namespace {

// The header "typ" of each kind of JWT. Earlier versions typed every token "JWT": such tokens
// are still accepted, as the kind their `token_type` names, until they expire.
constexpr std::string_view kAccessType = "at+jwt";  // RFC 9068
constexpr std::string_view kServiceType = "service+jwt";
constexpr std::string_view kEarlierType = "JWT";

std::string_view type_name(TokenType type) {
    return type == TokenType::access ? "access" : "refresh";
}

std::string_view header_type_of(std::string_view token_type) {
    if (token_type == "access") return kAccessType;
    if (token_type == "service") return kServiceType;
    return kEarlierType;
}

std::optional<std::int64_t> integer_claim(const json::object& claims, std::string_view name) {
    const json::value* value = claims.if_contains(name);
    if (!value) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(value->get_uint64());
    throw InvalidToken(std::string("claim ") + std::string(name) + " is not an integer");
}

std::int64_t required_integer(const json::object& claims, std::string_view name) {
    auto value = integer_claim(claims, name);
    if (!value) throw InvalidToken(std::string("claim ") + std::string(name) + " is missing");
    return *value;
}

std::string required_string(const json::object& claims, std::string_view name) {
    const json::value* value = claims.if_contains(name);
    if (!value || !value->is_string() || value->get_string().empty())
        throw InvalidToken(std::string("claim ") + std::string(name) + " is missing");
    return std::string(value->get_string());
}

}  // namespace

TokenIssuer::TokenIssuer(std::shared_ptr<const crypto::JwtCodec> codec, TokenSettings settings,
                         const Clock& clock)
    : codec_(std::move(codec)),
      settings_(std::move(settings)),
      clock_(clock),
      verified_(settings_.verified_cache_size > 0
                    ? std::make_unique<VerifiedTokenCache>(settings_.verified_cache_size)
                    : nullptr) {}

TokenIssuer::~TokenIssuer() = default;

std::size_t TokenIssuer::remembered_tokens() const {
    return verified_ ? verified_->size() : 0;
}

std::string TokenIssuer::encode(const UserClaims& c) const {
    json::object claims;
    claims["token_type"] = type_name(c.type);
    claims["exp"] = c.expires_at;
    claims["iat"] = c.issued_at;
    claims["jti"] = c.jti;
    claims["username"] = c.username;
    claims["sub"] = c.subject;
    claims["sid"] = c.session_id;
    claims["auth_time"] = c.auth_time;
    if (!settings_.issuer.empty()) claims["iss"] = settings_.issuer;
    if (!settings_.audience.empty()) claims["aud"] = settings_.audience;
    return codec_->encode(claims, header_type_of(type_name(c.type)));
}

std::string TokenIssuer::encode(const ServiceClaims& c) const {
    json::object claims;
    claims["token_type"] = "service";
    claims["service_name"] = c.service_name;
    claims["exp"] = c.expires_at;
    claims["iat"] = c.issued_at;
    claims["jti"] = c.jti;
    if (!settings_.issuer.empty()) claims["iss"] = settings_.issuer;
    if (!settings_.audience.empty()) claims["aud"] = settings_.audience;
    return codec_->encode(claims, kServiceType);
}

TokenIssuer::Common TokenIssuer::decode_common(std::string_view token,
                                               std::string_view expected_type,
                                               bool check_expiry) const {
    Common common;
    // Refresh tokens are spent at their first use: not worth remembering.
    const bool cacheable = verified_ && expected_type != "refresh";
    VerifiedTokenCache::Digest digest{};
    if (cacheable) {
        digest = VerifiedTokenCache::digest(token);
        common.claims = verified_->find(digest);
    }
    const bool verified_now = !common.claims;
    if (verified_now) {
        crypto::VerifiedJwt verified;
        try {
            verified = codec_->verify(token);
        } catch (const crypto::JwtError& e) {
            throw InvalidToken(e.what());
        }
        // A verifier that checks "typ" and authd must agree on the kind: the header names this
        // kind, or is of an earlier version. (A remembered token passed this with the same
        // `token_type`, which is checked at every use.)
        if (verified.type != header_type_of(expected_type) && verified.type != kEarlierType)
            throw InvalidToken("header typ is not that of the token type");
        common.claims = std::make_shared<const json::object>(std::move(verified.claims));
    }
    const json::object& claims = *common.claims;
    const json::value* type = claims.if_contains("token_type");
    if (!type || !type->is_string() || type->get_string() != expected_type)
        throw InvalidToken("wrong token type");

    if (!settings_.issuer.empty()) {
        const json::value* issuer = claims.if_contains("iss");
        if (!issuer || !issuer->is_string() || issuer->get_string() != settings_.issuer)
            throw InvalidToken("wrong issuer");
    }
    const json::value* audience = claims.if_contains("aud");
    if (settings_.audience.empty()) {
        if (audience) throw InvalidToken("unexpected audience");
    } else {
        bool match =
            audience && audience->is_string() && audience->get_string() == settings_.audience;
        if (audience && audience->is_array())
            for (const auto& item : audience->get_array())
                if (item.is_string() && item.get_string() == settings_.audience) match = true;
        if (!match) throw InvalidToken("wrong audience");
    }

    const std::int64_t now = clock_.now();
    common.expires_at = required_integer(claims, "exp");
    common.issued_at = required_integer(claims, "iat");
    if (check_expiry && now > common.expires_at + settings_.leeway) throw InvalidToken("expired");
    if (common.issued_at > now + settings_.leeway) throw InvalidToken("issued in the future");
    if (auto not_before = integer_claim(claims, "nbf");
        not_before && *not_before > now + settings_.leeway)
        throw InvalidToken("not yet valid");
    common.jti = required_string(claims, "jti");
    // Only a token that passed every check is remembered; its claims are checked at each use.
    if (cacheable && verified_now)
        verified_->insert(digest, common.claims, common.expires_at + settings_.leeway, now);
    return common;
}

UserClaims TokenIssuer::decode_user(std::string_view token, TokenType expected,
                                    bool check_expiry) const {
    Common common = decode_common(token, type_name(expected), check_expiry);
    UserClaims claims;
    claims.type = expected;
    claims.jti = std::move(common.jti);
    claims.issued_at = common.issued_at;
    claims.expires_at = common.expires_at;
    claims.username = required_string(*common.claims, "username");
    claims.subject = required_string(*common.claims, "sub");
    claims.session_id = required_string(*common.claims, "sid");
    claims.auth_time = integer_claim(*common.claims, "auth_time").value_or(common.issued_at);
    return claims;
}

ServiceClaims TokenIssuer::decode_service(std::string_view token) const {
    Common common = decode_common(token, "service", true);
    ServiceClaims claims;
    claims.jti = std::move(common.jti);
    claims.issued_at = common.issued_at;
    claims.expires_at = common.expires_at;
    claims.service_name = required_string(*common.claims, "service_name");
    return claims;
}

std::string TokenIssuer::token_type_of(std::string_view token) const {
    json::object claims;
    try {
        claims = codec_->decode(token);
    } catch (const crypto::JwtError& e) {
        throw InvalidToken(e.what());
    }
    return required_string(claims, "token_type");
}

}  // namespace authd::auth
