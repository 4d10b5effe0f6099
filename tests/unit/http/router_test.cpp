#include "http/router.h"

#include <gtest/gtest.h>

#include "http/json_body.h"

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

// A route open to anyone that reads no body: what the matching tests need.
void add(Router& router, verb method, std::string pattern, std::string name, Handler handler) {
    router.add(method, std::move(pattern), std::move(name), Access::anyone, no_body,
               Router::Execution::worker_pool, std::move(handler));
}

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add(router, verb::get, "/api/auth/sessions", "sessions", named("sessions"));
        add(router, verb::get, "/api/auth/{username}", "account_get", named("account_get"));
        add(router, verb::patch, "/api/auth/{username}", "account_update", named("update"));
        add(router, verb::delete_, "/api/auth/{username}", "account_delete", named("delete"));
        add(router, verb::post, "/api/auth/login", "login", named("login"));
        add(router, verb::post, "/api/auth/{username}/otp/{code}", "otp", named("otp"));
        add(router, verb::get, "/", "root", named("root"));
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

TEST_F(RouterTest, PatternsThatDifferInParameterNamesOnlyAreOneResource) {
    // Added apart from its resource's other route, and a new resource after it.
    add(router, verb::put, "/api/auth/{name}/otp/{token}", "otp_put", named("otp_put"));
    add(router, verb::get, "/api/auth/jwks", "jwks", named("jwks"));

    auto match = router.match(verb::put, "/api/auth/alice/otp/12");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "otp_put");
    ASSERT_EQ(match.params.size(), 2u);
    EXPECT_EQ(match.params[0].first, "name");
    EXPECT_EQ(router.match(verb::get, "/api/auth/alice/otp/12").allow, "POST, PUT, OPTIONS");

    match = router.match(verb::get, "/api/auth/jwks");
    ASSERT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.route->name, "jwks");
    EXPECT_EQ(router.match(verb::post, "/api/auth/jwks").allow, "GET, HEAD, OPTIONS");
}

TEST_F(RouterTest, OptionsRoutesAreRefused) {
    EXPECT_THROW(add(router, verb::options, "/api/auth/login", "x", named("x")),
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
        add(router, verb::get, "/api/auth/reset/{uidb64}/{token:secret}", "reset", named("r"));
        add(router, verb::post, "/api/auth/reset/{uidb64}/{token:secret}", "reset_post",
            named("p"));
        add(router, verb::get, "/api/auth/reset/done", "done", named("d"));
        add(router, verb::get, "/api/auth/{username}", "account_get", named("a"));
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
    EXPECT_THROW(add(router, verb::get, "no-slash", "x", named("x")), std::invalid_argument);
    EXPECT_THROW(add(router, verb::get, "/a//b", "x", named("x")), std::invalid_argument);
}

// Proves `user` for "Bearer good" only, and records what it was asked.
class FakeAuthenticator : public Authenticator {
  public:
    void authenticate(Access access, RequestContext& context) const override {
        asked.push_back(access);
        if (context.header("Authorization") != "Bearer good")
            throw Error(ErrorKind::missing_credentials, "not_authenticated",
                        i18n::keys::not_authenticated);
        context.principal.access = access;
        context.principal.username = "alice";
    }
    mutable std::vector<Access> asked;
};

struct Name {
    std::string name;
    static Name read(BodyFields& fields) { return {fields.required_string("name")}; }
};

class RouteAccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router.authenticate_with(authenticator);
        router.add(verb::post, "/greet", "greet", Access::user, json_body<Name>,
                   Router::Execution::worker_pool, [](RequestContext& context, Name body) {
                       Response response{bhttp::status::ok, 11};
                       response.body() =
                           std::string(context.principal.username) + " greets " + body.name;
                       return response;
                   });
        router.add(verb::post, "/open", "open", Access::anyone, no_body,
                   Router::Execution::io_thread,
                   [](RequestContext& context) { return named("open")(context); });
    }

    // The route's answer, or the code of the typed error it threw ("fields" for a
    // ValidationError).
    std::string call(std::string_view path, const std::string& authorization,
                     const std::string& body) {
        Request request{verb::post, path, 11};
        if (!authorization.empty()) request.set(bhttp::field::authorization, authorization);
        request.set(bhttp::field::content_type, "application/json");
        request.body() = body;
        auto match = router.match(verb::post, path);
        RequestContext context{request, path, match.params, "127.0.0.1", "id"};
        try {
            return match.route->handler(context).body();
        } catch (const Error& error) {
            return error.code();
        } catch (const ValidationError&) {
            return "fields";
        }
    }

    std::shared_ptr<FakeAuthenticator> authenticator = std::make_shared<FakeAuthenticator>();
    Router router;
};

TEST_F(RouteAccessTest, TheHandlerGetsTheCallerAndTheBodyRead) {
    EXPECT_EQ(call("/greet", "Bearer good", R"({"name": "bob"})"), "alice greets bob");
    EXPECT_EQ(authenticator->asked, std::vector<Access>{Access::user});
    EXPECT_EQ(router.match(verb::post, "/greet").route->access, Access::user);
}

TEST_F(RouteAccessTest, TheCallerIsProvedBeforeTheBodyIsRead) {
    EXPECT_EQ(call("/greet", "", "{not json"), "not_authenticated");
    EXPECT_EQ(call("/greet", "Bearer good", "{not json"), "parse_error");
    EXPECT_EQ(call("/greet", "Bearer good", R"({"name": "bob", "age": 3})"), "fields");
}

TEST_F(RouteAccessTest, AnOpenRouteAsksNobodyAndLeavesItsBodyUnread) {
    EXPECT_EQ(call("/open", "", "{not json"), "open");
    EXPECT_TRUE(authenticator->asked.empty());
    EXPECT_EQ(router.match(verb::post, "/open").route->access, Access::anyone);
}

TEST(RouteAccess, ARouteThatNeedsACallerNeedsAnAuthenticator) {
    Router router;
    for (Access access :
         {Access::user, Access::account_owner, Access::service, Access::metrics_token})
        EXPECT_THROW(router.add(verb::get, "/private", "private", access, no_body,
                                Router::Execution::worker_pool, named("private")),
                     std::invalid_argument);
    EXPECT_TRUE(router.routes().empty());
}

}  // namespace
}  // namespace authd::http
