#include "auth/tokens.h"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>

#include "auth/verified_tokens.h"
#include "crypto/base64url.h"
#include "crypto/constant_time.h"
#include "crypto/jwt.h"
#include "util/random.h"

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

constexpr std::size_t kRefreshIdBytes = 16;
constexpr std::size_t kRefreshTagBytes = 16;

std::string_view header_type_of(std::string_view token_type) {
    if (token_type == "access") return kAccessType;
    if (token_type == "service") return kServiceType;
    return kEarlierType;  // refresh tokens are JWTs only in the earlier form
}

// `<session id>.<secret>`: one dot, where a JWT has two.
bool opaque_form(std::string_view token) {
    return std::count(token.begin(), token.end(), '.') == 1;
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

TokenIssuer::TokenIssuer(std::shared_ptr<const crypto::JwtCodec> codec, std::string refresh_key,
                         TokenSettings settings, const Clock& clock)
    : codec_(std::move(codec)),
      refresh_key_(std::move(refresh_key)),
      settings_(std::move(settings)),
      clock_(clock),
      verified_(settings_.verified_cache_size > 0
                    ? std::make_unique<VerifiedTokenCache>(settings_.verified_cache_size)
                    : nullptr) {
    if (refresh_key_.size() < 32 || refresh_key_.size() > crypto_generichash_KEYBYTES_MAX)
        throw std::invalid_argument("the refresh token key needs 32 to 64 bytes");
}

TokenIssuer::~TokenIssuer() = default;

std::size_t TokenIssuer::remembered_tokens() const {
    return verified_ ? verified_->size() : 0;
}

std::string TokenIssuer::encode(const UserClaims& c) const {
    json::object claims;
    claims["token_type"] = "access";
    claims["exp"] = c.expires_at;
    claims["iat"] = c.issued_at;
    claims["jti"] = c.jti;
    claims["username"] = c.username;
    claims["sub"] = c.subject;
    claims["sid"] = c.session_id;
    claims["auth_time"] = c.auth_time;
    if (!settings_.issuer.empty()) claims["iss"] = settings_.issuer;
    if (!settings_.audience.empty()) claims["aud"] = settings_.audience;
    return codec_->encode(claims, kAccessType);
}

std::string TokenIssuer::refresh_tag(std::string_view session_id, std::string_view jti) const {
    // The identifier has a fixed length and no NUL, so the message reads one way only.
    std::string message(session_id);
    message += '\0';
    message += jti;
    std::string tag(kRefreshTagBytes, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(tag.data()), tag.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(refresh_key_.data()),
                       refresh_key_.size());
    return tag;
}

std::string TokenIssuer::encode(const RefreshClaims& c) const {
    const auto id = crypto::base64url_decode(c.jti);
    if (!id || id->size() != kRefreshIdBytes || c.session_id.empty() ||
        c.session_id.find('.') != std::string::npos)
        throw std::invalid_argument("a refresh token needs a session id and a 128-bit identifier");
    return c.session_id + '.' + crypto::base64url_encode(*id + refresh_tag(c.session_id, c.jti));
}

ServiceClaims TokenIssuer::new_service_claims(std::string service_name, Random& random) const {
    ServiceClaims claims;
    claims.service_name = std::move(service_name);
    claims.jti = random.token(16);
    claims.issued_at = clock_.now();
    claims.expires_at = claims.issued_at + settings_.service_lifetime;
    return claims;
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

UserClaims TokenIssuer::decode_access(std::string_view token) const {
    Common common = decode_common(token, "access", true);
    UserClaims claims;
    claims.jti = std::move(common.jti);
    claims.issued_at = common.issued_at;
    claims.expires_at = common.expires_at;
    claims.username = required_string(*common.claims, "username");
    claims.subject = required_string(*common.claims, "sub");
    claims.session_id = required_string(*common.claims, "sid");
    claims.auth_time = integer_claim(*common.claims, "auth_time").value_or(common.issued_at);
    return claims;
}

RefreshClaims TokenIssuer::decode_refresh(std::string_view token, bool check_expiry) const {
    RefreshClaims claims;
    if (!opaque_form(token)) {
        // The earlier form, a JWT.
        Common common = decode_common(token, "refresh", check_expiry);
        claims.jti = std::move(common.jti);
        claims.session_id = required_string(*common.claims, "sid");
        claims.subject = required_string(*common.claims, "sub");
        return claims;
    }
    const std::size_t dot = token.find('.');
    const std::string_view session_id = token.substr(0, dot);
    const auto secret = crypto::base64url_decode(token.substr(dot + 1));
    if (session_id.empty() || !secret || secret->size() != kRefreshIdBytes + kRefreshTagBytes)
        throw InvalidToken("not a refresh token");
    claims.jti = crypto::base64url_encode(std::string_view(*secret).substr(0, kRefreshIdBytes));
    if (!crypto::equal_in_constant_time(std::string_view(*secret).substr(kRefreshIdBytes),
                                        refresh_tag(session_id, claims.jti)))
        throw InvalidToken("refresh token tag does not match");
    claims.session_id = session_id;
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
    if (opaque_form(token)) return "refresh";
    json::object claims;
    try {
        claims = codec_->decode(token);
    } catch (const crypto::JwtError& e) {
        throw InvalidToken(e.what());
    }
    return required_string(claims, "token_type");
}

}  // namespace authd::auth
