#include "http/router.h"

#include <gtest/gtest.h>

namespace authd::http {
namespace {

using bhttp::verb;

Handler named(std::string name) {
    return [name](RequestContext&) {
        Response response{bhttp::status::ok, 11};
        response.body() = name;
        return response;
    };
}

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router.add(verb::get, "/api/auth/sessions", "sessions", named("sessions"));
        router.add(verb::get, "/api/auth/{username}", "account_get", named("account_get"));
        router.add(verb::patch, "/api/auth/{username}", "account_update", named("update"));
        router.add(verb::delete_, "/api/auth/{username}", "account_delete", named("delete"));
        router.add(verb::post, "/api/auth/login", "login", named("login"));
        router.add(verb::post, "/api/auth/{username}/otp/{code}", "otp", named("otp"));
        router.add(verb::get, "/", "root", named("root"));
    }
    Router router;
};

TEST_F(RouterTest, MatchesWithAndWithoutTrailingSlash) {
    for (auto path : {"/api/auth/login", "/api/auth/login/"}) {
        auto match = router.match(verb::post, path);
        ASSERT_EQ(match.outcome, Router::Outcome::found) << path;
        EXPECT_EQ(match.route->name, "login");
    }
}

TEST_F(RouterTest, RefusesEmptySegments) {
    for (auto path : {"/api/auth/login//", "/api//auth/login", "//api/auth/login", "api/auth/login",
                      "", "/api/auth/login/x"}) {
        EXPECT_EQ(router.match(verb::post, path).outcome, Router::Outcome::not_found) << path;
    }
}

TEST_F(RouterTest, RootMatches) {
    EXPECT_EQ(router.match(verb::get, "/").outcome, Router::Outcome::found);
}

TEST_F(RouterTest, DecodesParameters) {
    auto match = router.match(verb::post, "/api/auth/j%C3%B6rg%20x/otp/12%2F3/");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "otp");
    ASSERT_EQ(match.params.size(), 2u);
    EXPECT_EQ(match.params[0].first, "username");
    EXPECT_EQ(match.params[0].second, "j\xC3\xB6rg x");
    EXPECT_EQ(match.params[1].first, "code");
    EXPECT_EQ(match.params[1].second, "12/3");
}

TEST_F(RouterTest, BadPercentEncodingIsNotFound) {
    EXPECT_EQ(router.match(verb::get, "/api/auth/bad%zz").outcome, Router::Outcome::not_found);
    EXPECT_EQ(router.match(verb::get, "/api/auth/bad%4").outcome, Router::Outcome::not_found);
}

TEST_F(RouterTest, LiteralBeatsParameter) {
    auto match = router.match(verb::get, "/api/auth/sessions/");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "sessions");
    EXPECT_TRUE(match.params.empty());

    match = router.match(verb::get, "/api/auth/alice");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "account_get");
    EXPECT_EQ(match.params.at(0).second, "alice");
}

TEST_F(RouterTest, LiteralRouteOwnsItsPathForEveryMethod) {
    // Like Django: the literal resource answers 405 rather than handing DELETE to {username}.
    auto match = router.match(verb::delete_, "/api/auth/sessions");
    EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
    EXPECT_EQ(match.allow, "GET, HEAD, OPTIONS");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
    EXPECT_EQ(router.match(verb::get, "/nope").outcome, Router::Outcome::not_found);
    EXPECT_EQ(router.match(verb::get, "/api/auth/a/b/c").outcome, Router::Outcome::not_found);
}

TEST_F(RouterTest, WrongMethodListsAllowedMethodsInOrder) {
    auto match = router.match(verb::put, "/api/auth/alice/");
    EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
    EXPECT_EQ(match.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
    EXPECT_EQ(match.route, nullptr);

    match = router.match(verb::get, "/api/auth/login");
    EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
    EXPECT_EQ(match.allow, "POST, OPTIONS");

    // No route serves OPTIONS: the server answers it with this list (and CORS preflights too).
    match = router.match(verb::options, "/api/auth/login/");
    EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
    EXPECT_EQ(match.allow, "POST, OPTIONS");
    EXPECT_EQ(router.match(verb::options, "/nope").outcome, Router::Outcome::not_found);
}

TEST_F(RouterTest, OptionsRoutesAreRefused) {
    EXPECT_THROW(router.add(verb::options, "/api/auth/login", "x", named("x")),
                 std::invalid_argument);
}

TEST_F(RouterTest, HeadUsesGetRoute) {
    auto match = router.match(verb::head, "/api/auth/bob");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "account_get");
    EXPECT_EQ(router.match(verb::head, "/api/auth/login").outcome,
              Router::Outcome::method_not_allowed);
}

TEST_F(RouterTest, HandlerIsCallable) {
    auto match = router.match(verb::post, "/api/auth/login");
    Request request;
    RequestContext context{request, "/api/auth/login", match.params, "127.0.0.1", "id"};
    EXPECT_EQ(match.route->handler(context).body(), "login");
}

class SecretSegmentsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router.add(verb::get, "/api/auth/reset/{uidb64}/{token:secret}", "reset", named("r"));
        router.add(verb::post, "/api/auth/reset/{uidb64}/{token:secret}", "reset_post", named("p"));
        router.add(verb::get, "/api/auth/reset/done", "done", named("d"));
        router.add(verb::get, "/api/auth/{username}", "account_get", named("a"));
    }
    Router router;
};

TEST_F(SecretSegmentsTest, TheHandlerSeesAPlainParameter) {
    auto match = router.match(verb::get, "/api/auth/reset/MQ/s3cret-token/");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->pattern, "/api/auth/reset/{uidb64}/{token}");
    EXPECT_EQ(match.params.at(1),
              std::make_pair(std::string("token"), std::string("s3cret-token")));
    EXPECT_EQ(router.match(verb::get, "/api/auth/reset/done/").route->name, "done");
}

TEST_F(SecretSegmentsTest, TheLoggedPathHidesTheSecretSegmentOnly) {
    const std::string hidden = "/api/auth/reset/MQ/\xE2\x80\xA6/";
    EXPECT_EQ(router.loggable_path("/api/auth/reset/MQ/s3cret/"), hidden);
    EXPECT_EQ(router.loggable_path("/api/auth/reset/MQ/s3cret"), "/api/auth/reset/MQ/\xE2\x80\xA6");
    // Mistyped, refused or unusual forms of a link are links too.
    for (const char* path :
         {"/api/auth/reset/MQ/s3cret/extra/", "/API/Auth/RESET/MQ/s3cret/",
          "/api/auth/%72eset/MQ/s3cret/", "//api/auth/reset/MQ/s3cret/",
          "/api/auth//reset/MQ/s3cret/", "http://host:8080/api/auth/reset/MQ/s3cret/",
          "/prefix/api/auth/reset/MQ/s3cret/"}) {
        const std::string logged = router.loggable_path(path);
        EXPECT_EQ(logged.find("s3cret"), std::string::npos) << path << " -> " << logged;
        EXPECT_NE(logged.find("/MQ/\xE2\x80\xA6"), std::string::npos) << path << " -> " << logged;
    }
    // Everything else is left as it is.
    for (const char* path : {"/api/auth/reset/done/", "/api/auth/reset/MQ/", "/api/auth/bob",
                             "/healthz", "-", "/api/auth/resetx/MQ/s3cret/"})
        EXPECT_EQ(router.loggable_path(path), path);
}

TEST(RouterPatterns, InvalidPatternThrows) {
    Router router;
    EXPECT_THROW(router.add(verb::get, "no-slash", "x", {}), std::invalid_argument);
    EXPECT_THROW(router.add(verb::get, "/a//b", "x", {}), std::invalid_argument);
}

}  // namespace
}  // namespace authd::http
