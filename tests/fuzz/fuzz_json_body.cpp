// libFuzzer target: the JSON body reader of every route (http/json_body.h) and the field rules
// applied to what it returns (auth/user_rules.h).
//
// Input: the Content-Type value on the first line (an empty line: no Content-Type header),
// then the body. Only the typed errors of util/errors.h may escape: anything else thrown would
// be answered 500, and is reported as a crash.
#include <string>

#include "auth/user_rules.h"
#include "fuzz_support.h"
#include "http/json_body.h"

using namespace authd;

namespace {

// The registration schema (POST /api/auth/): all required but two_fa_enable and lang.
void read_registration(const boost::json::object& body) {
    http::BodyFields fields(body);
    auto username = fields.string("username", true);
    auto password = fields.string("password", true);
    auto password2 = fields.string("password2", true);
    auto email = fields.string("email", true);
    auto two_fa = fields.boolean("two_fa_enable", false);
    auto lang = fields.string("lang", false);
    if (username) {
        if (auto problem = auth::username_problem(*username))
            fields.add_error("username", *problem);
    }
    if (email) {
        if (auto problem = auth::email_problem(*email)) fields.add_error("email", *problem);
    }
    if (lang) {
        if (auto problem = auth::lang_problem(*lang)) fields.add_error("lang", *problem);
    }
    fields.finish();
    // finish() not throwing is what lets the routes dereference required fields.
    FUZZ_CHECK(username && password && password2 && email);
    FUZZ_CHECK(!username->empty() && !email->empty());
    FUZZ_CHECK(!auth::username_problem(*username) && !auth::email_problem(*email));
    for (const auto& member : body) {
        const std::string_view key(member.key().data(), member.key().size());
        FUZZ_CHECK(key == "username" || key == "password" || key == "password2" || key == "email" ||
                   key == "two_fa_enable" || key == "lang");
    }
    (void)two_fa;
}

// A partial update (PATCH /api/auth/update/{username}): every field optional, one refused.
void read_update(const boost::json::object& body) {
    http::BodyFields fields(body);
    const bool had_refresh = fields.has("refresh");
    auto username = fields.string("username", false);
    auto email = fields.string("email", false);
    auto two_fa = fields.boolean("two_fa_enable", false);
    auto two_fa_long = fields.boolean("two_fa_enabled", false);
    auto password = fields.string("password", false);
    fields.refuse("refresh", i18n::keys::field_unknown);
    if (two_fa && two_fa_long && *two_fa != *two_fa_long)
        fields.add_error("two_fa_enable", i18n::keys::two_fa_fields_disagree);
    fields.finish();
    FUZZ_CHECK(!had_refresh);
    (void)username, (void)email, (void)password;
}

template <typename Action>
void expecting_typed_errors(Action action) {
    try {
        action();
    } catch (const Error& error) {
        // Every message, whatever the input put in its arguments, reads in every language.
        for (i18n::Language language : i18n::all_languages)
            FUZZ_CHECK(!i18n::translate(language, error.message()).empty());
    } catch (const ValidationError& error) {
        FUZZ_CHECK(!error.errors().empty());
        for (const auto& field : error.errors()) {
            FUZZ_CHECK(!field.messages.empty());
            for (const auto& message : field.messages)
                for (i18n::Language language : i18n::all_languages)
                    FUZZ_CHECK(!i18n::translate(language, message).empty());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    const std::string_view content_type = fuzz::take_until(input, '\n');
    // The HTTP parser never lets these through in a header value.
    if (content_type.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) return 0;

    http::Request request{http::bhttp::verb::post, "/api/auth/", 11};
    if (!content_type.empty()) request.set(http::bhttp::field::content_type, content_type);
    request.body() = std::string(input);
    request.prepare_payload();

    boost::json::object body;
    bool parsed = false;
    expecting_typed_errors([&] {
        body = http::parse_json_body(request);
        parsed = true;
    });
    if (!parsed) return 0;
    expecting_typed_errors([&] { read_registration(body); });
    expecting_typed_errors([&] { read_update(body); });
    return 0;
}
