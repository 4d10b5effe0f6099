// Refresh tokens are for authd alone (issue 14, item 11): opaque, tagged with a key that is never
// published; access and service tokens are typed so that verifiers tell the kinds apart; and the
// refresh tokens of the earlier form (JWTs) keep working until they expire.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/base64url.h"
#include "test_support.h"

namespace authd {
namespace {

using testing::Domain;
using testing::error_kind;
using testing::kClient;

std::string header_type(const std::string& token) {
    const auto header = crypto::base64url_decode(token.substr(0, token.find('.')));
    return std::string(boost::json::parse(*header).as_object().at("typ").as_string());
}

// A refresh token as the earlier version issued it for `access`'s session: a JWT signed with
// the published key, typ "JWT". The session's stored hash becomes its identifier's, as that
// version stored it.
std::string earlier_refresh(Domain& d, const std::string& access, std::int64_t expires_at = 0) {
    const auth::UserClaims claims = d.tokens.decode_access(access);
    const std::string jti = d.random.token(16);
    d.store->write([&](store::Transaction& tx) {
        tx.sessions().replace_refresh(claims.session_id, auth::hash_identifier(jti), d.clock.now());
        if (expires_at == 0) expires_at = tx.sessions().find(claims.session_id)->expires_at;
    });
    const boost::json::object payload{{"token_type", "refresh"},
                                      {"exp", expires_at},
                                      {"iat", claims.issued_at},
                                      {"jti", jti},
                                      {"username", claims.username},
                                      {"sub", claims.subject},
                                      {"sid", claims.session_id},
                                      {"auth_time", claims.auth_time},
                                      {"iss", "authd"}};
    return d.codec->encode(payload, "JWT");
}

TEST(TokenKinds, RefreshTokensAreOpaqueToAnyoneHoldingTheSigningKey) {
    Domain d;
    d.register_user("ada");
    const auth::TokenPair pair = d.login("ada");
    const std::string sid = d.tokens.decode_access(pair.access).session_id;
    // `<session id>.<secret>`: no JWT, nothing a verifier with the key (or anyone) can read.
    EXPECT_EQ(pair.refresh.substr(0, pair.refresh.find('.')), sid);
    EXPECT_EQ(std::count(pair.refresh.begin(), pair.refresh.end(), '.'), 1);
    EXPECT_EQ(pair.refresh.size(), sid.size() + 1 + 43);
    EXPECT_EQ(pair.refresh.find("ada"), std::string::npos);
    EXPECT_THROW(d.codec->decode(pair.refresh), crypto::JwtError);
    // The tag's key comes from the installation secret: another installation refuses it.
    const auth::TokenIssuer other(d.codec, std::string(32, 'x'), {}, d.clock);
    EXPECT_THROW(other.decode_refresh(pair.refresh), auth::InvalidToken);
    EXPECT_NO_THROW(d.tokens.decode_refresh(pair.refresh));
    EXPECT_THROW(auth::TokenIssuer(d.codec, std::string(31, 'x'), {}, d.clock),
                 std::invalid_argument);
}

TEST(TokenKinds, AccessAndServiceTokensAreTypedAndTheTypeMustAgree) {
    Domain d;
    d.register_user("bea");
    const auth::TokenPair pair = d.login("bea");
    const std::string service = d.services.issue_token("users", "users-secret-123456", kClient);
    EXPECT_EQ(header_type(pair.access), "at+jwt");
    EXPECT_EQ(header_type(service), "service+jwt");

    const boost::json::object access_claims = d.codec->decode(pair.access);
    const boost::json::object service_claims = d.codec->decode(service);
    // Tokens of the earlier versions (typ "JWT") are read as their `token_type` says.
    EXPECT_NO_THROW(d.sessions.authenticate(d.codec->encode(access_claims, "JWT")));
    EXPECT_NO_THROW(d.services.authenticate(d.codec->encode(service_claims, "JWT")));
    // Any other type, and a type that names the other kind, is refused.
    for (const char* type : {"service+jwt", "JWT ", "", "at+jwt+x"})
        EXPECT_EQ(
            error_kind([&] { d.sessions.authenticate(d.codec->encode(access_claims, type)); }),
            ErrorKind::invalid_token)
            << type;
    for (const char* type : {"at+jwt", "jwt", ""})
        EXPECT_EQ(
            error_kind([&] { d.services.authenticate(d.codec->encode(service_claims, type)); }),
            ErrorKind::invalid_token)
            << type;
    EXPECT_FALSE(d.sessions.introspect(d.codec->encode(service_claims, "at+jwt")).active);
    // A refresh token is neither, and the reverse.
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.refresh); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.services.authenticate(pair.refresh); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(service, kClient); }),
              ErrorKind::unauthenticated);
}

TEST(TokenKinds, AMadeUpRefreshSecretForAKnownSessionEndsNothing) {
    Domain d;
    d.register_user("cid");
    const auth::TokenPair pair = d.login("cid");
    const std::string sid = d.tokens.decode_access(pair.access).session_id;
    const std::string secret = pair.refresh.substr(sid.size() + 1);
    std::string flipped = secret;
    flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
    for (const std::string& token :
         {sid + "." + d.random.token(32), sid + "." + flipped, sid + "." + secret + "A",
          sid + "." + secret.substr(0, 42), sid + ".", "." + secret, sid + "." + d.random.token(16),
          d.random.token(16) + "." + secret}) {
        EXPECT_EQ(error_kind([&] { d.sessions.refresh(token, kClient); }),
                  ErrorKind::unauthenticated)
            << token;
        EXPECT_EQ(error_kind([&] { d.sessions.logout(token, kClient); }),
                  ErrorKind::unauthenticated)
            << token;
        EXPECT_FALSE(d.sessions.introspect(token).active) << token;
    }
    EXPECT_TRUE(d.sessions.introspect(pair.refresh).active);
    EXPECT_NO_THROW(d.sessions.authenticate(pair.access));
}

TEST(TokenKinds, EarlierFormRefreshTokensRotateWithGraceAndReuseDetection) {
    Domain d;
    d.register_user("dot");
    const auth::TokenPair pair = d.login("dot");
    const std::string earlier = earlier_refresh(d, pair.access);
    EXPECT_FALSE(d.sessions.introspect(pair.refresh).active);
    const auth::IntrospectionResult seen = d.sessions.introspect(earlier);
    EXPECT_TRUE(seen.active);
    EXPECT_EQ(seen.token_type, "refresh");
    EXPECT_EQ(seen.username, "dot");

    d.clock.advance(60);
    const auth::TokenPair next = d.sessions.refresh(earlier, kClient);
    EXPECT_EQ(std::count(next.refresh.begin(), next.refresh.end(), '.'), 1);  // the new form
    d.clock.advance(5);
    const auth::TokenPair again = d.sessions.refresh(earlier, kClient);
    EXPECT_EQ(again.refresh, next.refresh);
    EXPECT_EQ(again.access, next.access);
    const auth::TokenPair third = d.sessions.refresh(next.refresh, kClient);
    // Two rotations back: reuse, the session ends.
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(earlier, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(third.access); }), ErrorKind::invalid_token);
}

TEST(TokenKinds, EarlierFormRefreshTokensExpireAndStillLogOut) {
    Domain d;
    d.register_user("eve");
    const auth::TokenPair pair = d.login("eve");
    const std::string expired = earlier_refresh(d, pair.access, d.clock.now() - 31);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(expired, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_FALSE(d.sessions.introspect(expired).active);
    EXPECT_NO_THROW(d.sessions.authenticate(pair.access));  // refusing it ended nothing

    // Another user's id in an earlier-form token of this session is refused.
    d.register_user("fay");
    boost::json::object claims = d.codec->decode(expired);
    claims["sub"] = d.tokens.decode_access(d.login("fay").access).subject;
    claims["exp"] = d.clock.now() + 3600;
    const std::string foreign = d.codec->encode(claims, "JWT");
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(foreign, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_FALSE(d.sessions.introspect(foreign).active);
    d.sessions.logout(foreign, kClient);
    EXPECT_NO_THROW(d.sessions.authenticate(pair.access));
    // An earlier-form refresh token typed as an access token is refused.
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(d.codec->encode(claims, "at+jwt"), kClient); }),
              ErrorKind::unauthenticated);

    d.sessions.logout(expired, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.access); }), ErrorKind::invalid_token);
}

}  // namespace
}  // namespace authd
