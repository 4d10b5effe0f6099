// Access and service tokens are typed so that verifiers tell the kinds apart (issue 14, item 11).
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/base64url.h"
#include "test_support.h"

namespace authd {
namespace {

using testing::Domain;
using testing::error_kind;

std::string header_type(const std::string& token) {
    const auto header = crypto::base64url_decode(token.substr(0, token.find('.')));
    return std::string(boost::json::parse(*header).as_object().at("typ").as_string());
}

TEST(TokenKinds, AccessAndServiceTokensAreTypedAndTheTypeMustAgree) {
    Domain d;
    d.register_user("bea");
    const auth::TokenPair pair = d.login("bea");
    const std::string service = d.services.issue_token("users", "users-secret-123456");
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
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(service); }), ErrorKind::unauthenticated);
}

}  // namespace
}  // namespace authd
