#include "http/cors.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "http/responses.h"

namespace authd::http {
namespace {

std::string header(const Response& response, std::string_view name) {
    auto it = response.find(name);
    return it == response.end() ? std::string("<absent>") : std::string(it->value());
}

bool has_cors_header(const Response& response) {
    for (const auto& field : response)
        if (field.name_string().starts_with("Access-Control-")) return true;
    return false;
}

TEST(NormalizeOrigin, AcceptsOriginsInTheFormBrowsersSend) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"https://game.example.com", "https://game.example.com"},
        {"http://localhost:5173", "http://localhost:5173"},
        {"HTTPS://Game.Example.COM", "https://game.example.com"},
        {"https://game.example.com:443", "https://game.example.com"},
        {"http://game.example.com:80", "http://game.example.com"},
        {"http://game.example.com:443", "http://game.example.com:443"},
        {"https://game.example.com:8443", "https://game.example.com:8443"},
        {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
        {"http://[::1]:3000", "http://[::1]:3000"},
        {"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
    };
    for (const auto& [text, expected] : cases) {
        auto origin = normalize_origin(text);
        ASSERT_TRUE(origin.has_value()) << text;
        EXPECT_EQ(*origin, expected) << text;
    }
}

TEST(NormalizeOrigin, RefusesAnythingButSchemeHostPort) {
    for (std::string text : {"",
                             "*",
                             "null",
                             "game.example.com",
                             "//game.example.com",
                             "https://",
                             "https://game.example.com/",
                             "https://game.example.com/app",
                             "https://a.com?x=1",
                             "https://a.com#top",
                             "https://user@a.com",
                             "https://user:pw@a.com",
                             "ftp://a.com",
                             "file:///etc/passwd",
                             "https://a.com:",
                             "https://a.com:0",
                             "https://a.com:65536",
                             "https://a.com:80a",
                             "https://a..com",
                             "https://.a.com",
                             "https://a.com.",
                             "https://a com",
                             "https://a%2ecom",
                             "http://[::1",
                             "http://[nonsense]",
                             "http://[::1]x",
                             "https://a.com:443/",
                             " https://a.com"}) {
        EXPECT_FALSE(normalize_origin(text).has_value()) << text;
    }
}

TEST(CorsPolicy, EmptyIsOffAndAddsNothing) {
    CorsPolicy policy;
    EXPECT_FALSE(policy.enabled());
    EXPECT_FALSE(policy.allows("https://game.example.com"));
    auto response = not_found_response();
    policy.add_headers(response, "https://game.example.com");
    EXPECT_FALSE(has_cors_header(response));
    EXPECT_EQ(header(response, "Vary"), "<absent>");

    EXPECT_FALSE(CorsPolicy(std::vector<std::string>{}).enabled());
}

TEST(CorsPolicy, ConfigurationErrorsNameTheEntry) {
    try {
        CorsPolicy policy({"https://ok.example.com", "https://bad.example.com/"});
        FAIL() << "accepted a path";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("\"https://bad.example.com/\""), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(CorsPolicy({"*", "https://a.example.com"}), std::invalid_argument);
    EXPECT_THROW(CorsPolicy({"https://a.example.com", "*"}), std::invalid_argument);
    EXPECT_THROW(CorsPolicy({"null"}), std::invalid_argument);
}

TEST(CorsPolicy, ListedOriginsOnlyAndExactly) {
    CorsPolicy policy(
        {"https://Game.Example.com:443", "http://localhost:5173", "https://game.example.com"});
    EXPECT_TRUE(policy.enabled());
    EXPECT_FALSE(policy.any_origin());
    EXPECT_EQ(policy.origins(),
              (std::vector<std::string>{"https://game.example.com", "http://localhost:5173"}));
    EXPECT_TRUE(policy.allows("https://game.example.com"));
    EXPECT_TRUE(policy.allows("http://localhost:5173"));
    for (auto origin : {"", "null", "http://game.example.com", "https://game.example.com:8443",
                        "https://evil.game.example.com", "https://game.example.com.evil.com",
                        "http://localhost:5174", "http://localhost", "https://game.example.co"}) {
        EXPECT_FALSE(policy.allows(origin)) << origin;
    }
}

TEST(CorsPolicy, AllowedOriginGetsItsOwnOriginBackAndExposedHeaders) {
    CorsPolicy policy({"https://game.example.com"});
    auto response = error_response(
        Error(ErrorKind::invalid_token, "token_not_valid", i18n::keys::token_not_valid));
    policy.add_headers(response, "https://game.example.com");
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "https://game.example.com");
    EXPECT_EQ(header(response, "Access-Control-Expose-Headers"),
              "Retry-After, X-Request-Id, WWW-Authenticate");
    EXPECT_EQ(header(response, "Vary"), "Origin");
    // Cookies are never how this API authenticates.
    EXPECT_EQ(header(response, "Access-Control-Allow-Credentials"), "<absent>");
}

TEST(CorsPolicy, OtherOriginsGetOnlyVary) {
    CorsPolicy policy({"https://game.example.com"});
    for (auto origin : {"https://evil.example.com", ""}) {
        auto response = json_response(bhttp::status::ok, boost::json::object{});
        policy.add_headers(response, origin);
        EXPECT_FALSE(has_cors_header(response)) << origin;
        // The same URL answers differently per origin: caches must keep them apart.
        EXPECT_EQ(header(response, "Vary"), "Origin") << origin;
    }
}

TEST(CorsPolicy, VaryIsExtendedNotReplaced) {
    CorsPolicy policy({"https://game.example.com"});
    Response response{bhttp::status::ok, 11};
    response.set(bhttp::field::vary, "Accept-Encoding");
    policy.add_headers(response, "https://game.example.com");
    EXPECT_EQ(header(response, "Vary"), "Accept-Encoding, Origin");
    policy.add_headers(response, "https://game.example.com");
    EXPECT_EQ(header(response, "Vary"), "Accept-Encoding, Origin");

    Response lower{bhttp::status::ok, 11};
    lower.set(bhttp::field::vary, "accept, origin");
    policy.add_headers(lower, "https://game.example.com");
    EXPECT_EQ(header(lower, "Vary"), "accept, origin");
}

TEST(CorsPolicy, AnyOriginAnswersStarWithoutCredentials) {
    CorsPolicy policy({"*"});
    EXPECT_TRUE(policy.any_origin());
    EXPECT_EQ(policy.origins(), std::vector<std::string>{"*"});
    EXPECT_TRUE(policy.allows("https://whoever.example"));
    EXPECT_FALSE(policy.allows(""));  // not a cross-origin request
    auto response = json_response(bhttp::status::ok, boost::json::object{});
    policy.add_headers(response, "https://whoever.example");
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(response, "Access-Control-Allow-Credentials"), "<absent>");

    auto preflight = policy.preflight("https://whoever.example", "POST, OPTIONS");
    EXPECT_EQ(preflight.result_int(), 204);
    EXPECT_EQ(header(preflight, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(preflight, "Access-Control-Allow-Credentials"), "<absent>");
}

TEST(CorsPolicy, PreflightFromAllowedOrigin) {
    CorsPolicy policy({"https://game.example.com"});
    auto response = policy.preflight("https://game.example.com", "POST, OPTIONS");
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "https://game.example.com");
    EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "POST, OPTIONS");
    EXPECT_EQ(header(response, "Access-Control-Allow-Headers"),
              "Authorization, Content-Type, lang, X-Request-Id");
    EXPECT_EQ(header(response, "Access-Control-Max-Age"), "600");
    EXPECT_EQ(header(response, "Vary"), "Origin");
    EXPECT_EQ(header(response, "Access-Control-Allow-Credentials"), "<absent>");
}

TEST(CorsPolicy, PreflightFromOtherOriginIsRefused) {
    CorsPolicy policy({"https://game.example.com"});
    for (auto origin : {"https://evil.example.com", "null"}) {
        auto response = policy.preflight(origin, "POST, OPTIONS");
        EXPECT_EQ(response.result_int(), 403) << origin;
        EXPECT_FALSE(has_cors_header(response)) << origin;
        EXPECT_EQ(header(response, "Content-Type"), "application/json; charset=utf-8");
        auto body = boost::json::parse(response.body()).as_object();
        EXPECT_EQ(body.at("code"), "cors_forbidden");
        EXPECT_EQ(body.begin()->key(), "detail");
    }
}

}  // namespace
}  // namespace authd::http
