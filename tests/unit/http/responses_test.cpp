#include "http/responses.h"

#include <gtest/gtest.h>

namespace authd::http {
namespace {

std::string header(const Response& response, std::string_view name) {
    auto it = response.find(name);
    return it == response.end() ? std::string("<absent>") : std::string(it->value());
}

void expect_json_headers(const Response& response) {
    EXPECT_EQ(header(response, "Content-Type"), "application/json; charset=utf-8");
    EXPECT_EQ(header(response, "Cache-Control"), "no-store");
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(response, "Content-Length"), std::to_string(response.body().size()));
}

TEST(Responses, JsonResponse) {
    boost::json::object body;
    body["b"] = 1;
    body["a"] = "\xC3\xA9";
    auto response = json_response(bhttp::status::created, body);
    EXPECT_EQ(response.result_int(), 201);
    expect_json_headers(response);
    EXPECT_EQ(response.body(), "{\"b\":1,\"a\":\"\xC3\xA9\"}");
}

TEST(Responses, NoContent) {
    auto response = no_content_response();
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(response.body().empty());
}

TEST(Responses, OptionsListsAllow) {
    auto response = options_response("POST, OPTIONS");
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_EQ(header(response, "Allow"), "POST, OPTIONS");
    EXPECT_EQ(header(response, "Content-Type"), "<absent>");
    EXPECT_TRUE(response.body().empty());
}

TEST(Responses, HtmlHasCharsetAndNosniff) {
    auto response = html_response(bhttp::status::ok, "<p>hi</p>", "default-src 'none'");
    EXPECT_EQ(header(response, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
    response = see_other_response("/done");
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
}

TEST(Responses, SafetyHeadersAddCharsetToTextWithoutOne) {
    struct Case {
        std::string type;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"application/json", "application/json; charset=utf-8"},
        {"Application/JSON", "Application/JSON; charset=utf-8"},
        {"text/plain", "text/plain; charset=utf-8"},
        {"text/html; charset=utf-8", "text/html; charset=utf-8"},
        {"text/plain; Charset=ISO-8859-1", "text/plain; Charset=ISO-8859-1"},
        {"application/json; charset=utf-8", "application/json; charset=utf-8"},
        {"image/svg+xml", "image/svg+xml"},
        {"application/octet-stream", "application/octet-stream"},
    };
    for (const auto& c : cases) {
        Response response{bhttp::status::ok, 11};
        response.set(bhttp::field::content_type, c.type);
        add_safety_headers(response);
        EXPECT_EQ(header(response, "Content-Type"), c.expected) << c.type;
        EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff") << c.type;
    }
    Response empty{bhttp::status::no_content, 11};
    add_safety_headers(empty);
    EXPECT_EQ(header(empty, "Content-Type"), "<absent>");
    EXPECT_EQ(header(empty, "X-Content-Type-Options"), "nosniff");
}

struct KindCase {
    ErrorKind kind;
    int status;
    std::string www_authenticate;
    std::string retry_after;
};

TEST(Responses, ErrorKinds) {
    const std::vector<KindCase> cases = {
        {ErrorKind::bad_request, 400, "<absent>", "<absent>"},
        {ErrorKind::unauthenticated, 401, "<absent>", "<absent>"},
        {ErrorKind::missing_credentials, 401, "Bearer", "<absent>"},
        {ErrorKind::invalid_token, 401, "Bearer error=\"invalid_token\"", "<absent>"},
        {ErrorKind::forbidden, 403, "<absent>", "<absent>"},
        {ErrorKind::not_found, 404, "<absent>", "<absent>"},
        {ErrorKind::conflict, 409, "<absent>", "<absent>"},
        {ErrorKind::unsupported_media_type, 415, "<absent>", "<absent>"},
        {ErrorKind::rate_limited, 429, "<absent>", "1"},
        {ErrorKind::unavailable, 503, "<absent>", "1"},
    };
    for (const auto& c : cases) {
        auto response = error_response(
            Error(c.kind, "some_code",
                  i18n::Message(i18n::keys::method_not_allowed, {{"method", "GET"}})));
        EXPECT_EQ(response.result_int(), c.status);
        expect_json_headers(response);
        EXPECT_EQ(header(response, "WWW-Authenticate"), c.www_authenticate) << c.status;
        EXPECT_EQ(header(response, "Retry-After"), c.retry_after) << c.status;
        EXPECT_EQ(response.body(),
                  R"({"detail":"Method \"GET\" not allowed.","code":"some_code"})");
    }
}

TEST(Responses, RetryAfterUsesErrorValue) {
    auto response =
        error_response(Error(ErrorKind::rate_limited, "throttled",
                             i18n::Message(i18n::keys::throttled, {{"count", 42}}), 42));
    EXPECT_EQ(header(response, "Retry-After"), "42");
    response = error_response(Error(ErrorKind::unavailable, "busy", i18n::keys::server_busy, 7));
    EXPECT_EQ(header(response, "Retry-After"), "7");
}

TEST(Responses, EmptyCodeIsLeftOut) {
    auto response = error_response(Error(ErrorKind::unauthenticated, "", i18n::keys::login_failed));
    EXPECT_EQ(response.body(),
              R"({"detail":"No active account found with the given credentials"})");
}

TEST(Responses, ErrorsAreTranslatedAndKeepTheirCode) {
    const Error error(ErrorKind::rate_limited, "throttled",
                      i18n::Message(i18n::keys::throttled, {{"count", 1}}), 1);
    EXPECT_EQ(error_response(error).body(),
              R"({"detail":"Request was throttled. Expected available in 1 second.",)"
              R"("code":"throttled"})");
    EXPECT_EQ(
        boost::json::parse(error_response(error, i18n::Language::fr).body()),
        (boost::json::object{{"detail", "Trop de requêtes. Veuillez réessayer dans 1 seconde."},
                             {"code", "throttled"}}));
    // The sentence the front end compares stays in English.
    const Error login(ErrorKind::unauthenticated, "", i18n::keys::login_failed);
    EXPECT_EQ(error_response(login, i18n::Language::es).body(),
              R"({"detail":"No active account found with the given credentials"})");
    const ValidationError invalid("password2", i18n::keys::passwords_do_not_match);
    EXPECT_EQ(boost::json::parse(validation_response(invalid, i18n::Language::es).body()),
              (boost::json::object{{"password2", {"Las contraseñas no coinciden."}}}));
    EXPECT_EQ(boost::json::parse(not_found_response(i18n::Language::fr).body()).at("detail"),
              "Introuvable.");
}

TEST(Responses, Validation) {
    ValidationError error(
        {{"username", {i18n::keys::field_required}},
         {"email",
          {i18n::keys::email_invalid, i18n::Message(i18n::keys::email_too_long, {{"max", 254}})}},
         {"non_field_errors", {i18n::keys::no_data_provided}}});
    auto response = validation_response(error);
    EXPECT_EQ(response.result_int(), 400);
    expect_json_headers(response);
    EXPECT_EQ(
        response.body(),
        R"({"username":["This field is required."],)"
        R"("email":["Enter a valid email address.","Ensure this field has no more than 254 characters."],)"
        R"("non_field_errors":["No data provided"]})");
}

TEST(Responses, FrameworkAnswers) {
    auto response = internal_error_response();
    EXPECT_EQ(response.result_int(), 500);
    expect_json_headers(response);
    EXPECT_EQ(response.body(), R"({"detail":"Internal server error.","code":"internal_error"})");

    response = not_found_response();
    EXPECT_EQ(response.result_int(), 404);
    expect_json_headers(response);
    EXPECT_EQ(response.body(), R"({"detail":"Not found.","code":"not_found"})");

    response = method_not_allowed_response("PATCH", "GET, HEAD");
    EXPECT_EQ(response.result_int(), 405);
    expect_json_headers(response);
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD");
    EXPECT_EQ(response.body(),
              R"({"detail":"Method \"PATCH\" not allowed.","code":"method_not_allowed"})");

    response = payload_too_large_response(65536);
    EXPECT_EQ(response.result_int(), 413);
    expect_json_headers(response);
    EXPECT_EQ(
        response.body(),
        R"({"detail":"Request body is too large (limit 65536 bytes).","code":"payload_too_large"})");

    response = header_too_large_response();
    EXPECT_EQ(response.result_int(), 431);
    expect_json_headers(response);
    EXPECT_EQ(response.body(),
              R"({"detail":"Request headers are too large.","code":"headers_too_large"})");
}

}  // namespace
}  // namespace authd::http
