#include "http/json_body.h"

#include <gtest/gtest.h>

namespace authd::http {
namespace {

Request make_request(std::string body, std::optional<std::string> content_type) {
    Request request{bhttp::verb::post, "/api/auth/login", 11};
    if (content_type) request.set(bhttp::field::content_type, *content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

Request json_request(std::string body) {
    return make_request(std::move(body), "application/json");
}

// Runs parse_json_body and returns the Error it throws.
Error parse_failure(const Request& request) {
    try {
        parse_json_body(request);
    } catch (const Error& error) {
        return error;
    }
    ADD_FAILURE() << "no Error thrown";
    return Error(ErrorKind::bad_request, "", i18n::keys::internal_error);
}

// Field messages in English.
std::vector<std::string> english(const std::vector<i18n::Message>& messages) {
    std::vector<std::string> texts;
    for (const auto& message : messages)
        texts.push_back(i18n::english(message));
    return texts;
}

std::vector<FieldError> validation_failure(const std::function<void()>& action) {
    try {
        action();
    } catch (const ValidationError& error) {
        return error.errors();
    }
    ADD_FAILURE() << "no ValidationError thrown";
    return {};
}

TEST(ParseJsonBody, AcceptsJsonContentTypes) {
    for (auto type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                      "application/json;charset=UTF-8", " application/json "}) {
        auto body = parse_json_body(make_request(R"({"a":1})", type));
        EXPECT_EQ(body.at("a").as_int64(), 1) << type;
    }
}

TEST(ParseJsonBody, EmptyBodyIsEmptyObject) {
    EXPECT_TRUE(parse_json_body(make_request("", std::nullopt)).empty());
    // DRF reads an empty body as no data whatever its type.
    EXPECT_TRUE(parse_json_body(make_request("", "application/json")).empty());
    EXPECT_TRUE(parse_json_body(make_request("", "text/plain")).empty());
}

TEST(ParseJsonBody, RefusesOtherMediaTypes) {
    struct Case {
        std::optional<std::string> type;
        std::string body;
        std::string detail;
    };
    const std::vector<Case> cases = {
        {std::nullopt, R"({"a":1})", R"(Unsupported media type "" in request.)"},
        {"text/plain", R"({"a":1})", R"(Unsupported media type "text/plain" in request.)"},
        {"application/x-www-form-urlencoded", "a=1",
         R"(Unsupported media type "application/x-www-form-urlencoded" in request.)"},
        {"multipart/form-data; boundary=x", "--x--",
         R"(Unsupported media type "multipart/form-data" in request.)"},
        {"application/jsonp", "{}", R"(Unsupported media type "application/jsonp" in request.)"},
    };
    for (const auto& c : cases) {
        auto error = parse_failure(make_request(c.body, c.type));
        EXPECT_EQ(error.kind(), ErrorKind::unsupported_media_type);
        EXPECT_EQ(error.code(), "unsupported_media_type");
        EXPECT_EQ(error.detail(), c.detail);
    }
}

TEST(ParseJsonBody, RefusesMalformedJson) {
    for (auto text :
         {" ", "{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{\"a\":NaN}", "{\"a\":Infinity}",
          "{\"a\":1} x", "{} {}", "{\"a\":1 /* c */}", "{\"a\":\"\xff\"}", "{\"\xC3\":1}"}) {
        auto error = parse_failure(json_request(text));
        EXPECT_EQ(error.kind(), ErrorKind::bad_request) << text;
        EXPECT_EQ(error.code(), "parse_error") << text;
        EXPECT_EQ(error.detail().rfind("JSON parse error - ", 0), 0u) << error.detail();
    }
}

TEST(ParseJsonBody, AcceptsSurroundingWhitespace) {
    EXPECT_EQ(parse_json_body(json_request(" \n{\"a\":true}\r\n ")).at("a").as_bool(), true);
}

std::string nested_arrays(int depth) {
    return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

TEST(ParseJsonBody, LimitsNestingDepth) {
    EXPECT_NO_THROW(parse_json_body(json_request(nested_arrays(31))));
    EXPECT_NO_THROW(parse_json_body(json_request(nested_arrays(32))));
    auto error = parse_failure(json_request(nested_arrays(33)));
    EXPECT_EQ(error.code(), "parse_error");
    error = parse_failure(json_request(nested_arrays(5000)));
    EXPECT_EQ(error.code(), "parse_error");
}

TEST(ParseJsonBody, RefusesDuplicateKeys) {
    for (auto text : {R"({"a":1,"a":2})", R"({"a":1,"b":{"c":1,"c":1}})",
                      R"({"a":[{"x":1},{"x":2,"x":3}]})", R"({"\u0061":1,"a":2})"}) {
        auto error = parse_failure(json_request(text));
        EXPECT_EQ(error.code(), "parse_error") << text;
        EXPECT_EQ(error.detail(), "JSON parse error - duplicate key in object");
    }
    // The same key in different objects is fine.
    auto body = parse_json_body(json_request(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));
    EXPECT_EQ(body.size(), 2u);
}

TEST(ParseJsonBody, NonObjectBodies) {
    struct Case {
        std::string text;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"[]", "Invalid data. Expected a dictionary, but got list."},
        {"\"x\"", "Invalid data. Expected a dictionary, but got str."},
        {"1", "Invalid data. Expected a dictionary, but got int."},
        {"1.5", "Invalid data. Expected a dictionary, but got float."},
        {"true", "Invalid data. Expected a dictionary, but got bool."},
        {"null", "No data provided"},
    };
    for (const auto& c : cases) {
        auto errors = validation_failure([&] { parse_json_body(json_request(c.text)); });
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0].field, "non_field_errors");
        EXPECT_EQ(english(errors[0].messages), std::vector<std::string>{c.message}) << c.text;
    }
}

boost::json::object object_of(std::string_view text) {
    return boost::json::parse(text).as_object();
}

TEST(BodyFields, ReadsValidFields) {
    auto body = object_of(R"({"username":"alice","password":"  pa ss  ","remember":false})");
    BodyFields fields(body);
    EXPECT_EQ(fields.string("username", true), "alice");
    EXPECT_EQ(fields.string("password", true), "  pa ss  ");  // never trimmed
    EXPECT_EQ(fields.boolean("remember", true), false);
    EXPECT_EQ(fields.string("email", false), std::nullopt);
    EXPECT_EQ(fields.boolean("flag", false), std::nullopt);
    EXPECT_TRUE(fields.has("username"));
    EXPECT_FALSE(fields.has("email"));
    EXPECT_NO_THROW(fields.finish());
}

TEST(BodyFields, ReportsEveryProblemWithDrfMessages) {
    auto body = object_of(R"({"a_null":null,"a_blank":" \t","a_number":5,"a_bool":true,)"
                          R"("a_list":[],"b_string":"yes","b_number":1,"b_null":null,)"
                          R"("extra":1,"password":"x","optional_blank":""})");
    BodyFields fields(body);
    EXPECT_EQ(fields.string("missing", true), std::nullopt);
    EXPECT_EQ(fields.string("a_null", true), std::nullopt);
    EXPECT_EQ(fields.string("a_blank", true), std::nullopt);
    EXPECT_EQ(fields.string("a_number", true), std::nullopt);
    EXPECT_EQ(fields.string("a_bool", false), std::nullopt);
    EXPECT_EQ(fields.string("a_list", false), std::nullopt);
    EXPECT_EQ(fields.string("optional_blank", false), "");
    EXPECT_EQ(fields.boolean("b_string", true), std::nullopt);
    EXPECT_EQ(fields.boolean("b_number", true), std::nullopt);
    EXPECT_EQ(fields.boolean("b_null", false), std::nullopt);
    EXPECT_EQ(fields.boolean("b_missing", true), std::nullopt);
    fields.refuse("password", i18n::keys::password_not_here);
    fields.refuse("absent_refused", i18n::keys::internal_error);  // never shown
    fields.add_error("non_field_errors", i18n::keys::otp_code_or_send);

    auto errors = validation_failure([&] { fields.finish(); });
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"missing", "This field is required."},
        {"a_null", "This field may not be null."},
        {"a_blank", "This field may not be blank."},
        {"a_number", "Not a valid string."},
        {"a_bool", "Not a valid string."},
        {"a_list", "Not a valid string."},
        {"b_string", "Must be a valid boolean."},
        {"b_number", "Must be a valid boolean."},
        {"b_null", "This field may not be null."},
        {"b_missing", "This field is required."},
        {"password", "Password cannot be changed here; use the password route."},
        {"non_field_errors", "Send either code or send."},
        {"extra", "Unknown field."},
    };
    ASSERT_EQ(errors.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(errors[i].field, expected[i].first);
        EXPECT_EQ(english(errors[i].messages), std::vector<std::string>{expected[i].second})
            << errors[i].field;
    }
}

TEST(BodyFields, UnknownFieldsInBodyOrder) {
    auto body = object_of(R"({"z":1,"name":"x","is_staff":true,"id":3})");
    BodyFields fields(body);
    fields.string("name", true);
    auto errors = validation_failure([&] { fields.finish(); });
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].field, "z");
    EXPECT_EQ(errors[1].field, "is_staff");
    EXPECT_EQ(errors[2].field, "id");
    EXPECT_EQ(english(errors[2].messages), std::vector<std::string>{"Unknown field."});
}

struct Signup {
    std::string username;
    std::optional<std::string> lang;
    static Signup read(BodyFields& fields) {
        return {fields.required_string("username"), fields.string("lang", false)};
    }
};

TEST(JsonBody, ReadsTheFieldsItsTypeNames) {
    const Signup body = JsonBody<Signup>::read(json_request(R"({"username": "ann"})"));
    EXPECT_EQ(body.username, "ann");
    EXPECT_FALSE(body.lang);
}

TEST(JsonBody, RefusesMissingFieldsThenUnknownOnes) {
    auto errors = validation_failure(
        [] { JsonBody<Signup>::read(json_request(R"({"is_staff": true, "lang": "de"})")); });
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].field, "username");
    EXPECT_EQ(english(errors[0].messages), std::vector<std::string>{"This field is required."});
    EXPECT_EQ(errors[1].field, "is_staff");
}

TEST(JsonOrFormBody, AFormPostIsAFormAndAnythingElseJson) {
    const auto form = JsonOrFormBody<Signup>::read(
        make_request("username=ann&csrf_token=t", "application/x-www-form-urlencoded"));
    ASSERT_TRUE(std::holds_alternative<Form>(form));
    EXPECT_EQ(std::get<Form>(form).at("csrf_token"), "t");

    const auto json = JsonOrFormBody<Signup>::read(json_request(R"({"username": "ann"})"));
    ASSERT_TRUE(std::holds_alternative<Signup>(json));
    EXPECT_EQ(std::get<Signup>(json).username, "ann");
    try {
        JsonOrFormBody<Signup>::read(make_request("username=ann", "text/plain"));
        ADD_FAILURE() << "a text/plain body was read";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), "unsupported_media_type");
    }
}

}  // namespace
}  // namespace authd::http
