// Account routes: create, read, update, change password, delete.
#include "auth/accounts.h"
#include "api/common.h"
#include "api/routes.h"
#include "http/json_body.h"
#include "http/language.h"
#include "http/responses.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::status;
using http::bhttp::verb;

// `two_fa_enable`, or the front end's `two_fa_enabled`; both must agree when both are sent.
std::optional<bool> two_fa_field(http::BodyFields& fields, bool required) {
    const bool has_short = fields.has("two_fa_enable");
    const bool has_long = fields.has("two_fa_enabled");
    auto short_value = fields.boolean("two_fa_enable", required && !has_long);
    auto long_value = fields.boolean("two_fa_enabled", false);
    if (has_short && has_long && short_value && long_value && *short_value != *long_value)
        fields.add_error("two_fa_enable", i18n::keys::two_fa_fields_disagree);
    return short_value ? short_value : long_value;
}

http::Response create_account(const Services& s, http::RequestContext& context) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auth::Registration registration;
    auto username = fields.string("username", true);
    auto password = fields.string("password", true);
    auto password2 = fields.string("password2", true);
    auto email = fields.string("email", true);
    auto two_fa = two_fa_field(fields, false);
    auto lang = fields.string("lang", false);
    fields.finish();
    registration.username = *username;
    registration.password = *password;
    registration.password2 = *password2;
    registration.email = *email;
    registration.two_fa_enable = two_fa.value_or(false);
    // Without a `lang` field the account takes the request's language (the front end sends a
    // `lang` header), else English.
    registration.lang = lang ? *lang : std::string(i18n::code(http::request_language(context)));
    const store::User user = s.accounts.register_user(registration, client_info(context));
    return http::json_response(status::created, user_json(user));
}

http::Response get_account(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    return ok(user_json(s.accounts.get(caller, context.param("username"))));
}

http::Response update_account(const Services& s, http::RequestContext& context, bool partial) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    auth::require_owner(caller, context.param("username"));
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auth::ProfileChanges changes;
    changes.username = fields.string("username", !partial);
    changes.email = fields.string("email", !partial);
    changes.two_fa_enable = two_fa_field(fields, !partial);
    changes.lang = fields.string("lang", false);
    changes.password = fields.string("password", false);
    fields.finish();
    const auth::UpdateResult result =
        s.accounts.update(caller, context.param("username"), changes, client_info(context));
    json::object answer = user_json(result.user);
    if (result.tokens) {
        answer["access"] = result.tokens->access;
        answer["refresh"] = result.tokens->refresh;
    }
    if (result.app) {
        answer["otp_uri"] = result.app->otp_uri;
        json::array codes;
        for (const std::string& code : result.recovery_codes)
            codes.emplace_back(code);
        answer["recovery_codes"] = std::move(codes);
    }
    return ok(answer);
}

http::Response change_password(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    auth::require_owner(caller, context.param("username"));
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto current = fields.string("password", true);
    auto new_password = fields.string("new_password", true);
    auto new_password2 = fields.string("new_password2", true);
    fields.finish();
    s.accounts.change_password(caller, context.param("username"),
                               {*current, *new_password, *new_password2}, client_info(context));
    return ok(json::object{});
}

http::Response delete_account(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    auth::require_owner(caller, context.param("username"));
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto password = fields.string("password", false);
    fields.finish();
    s.accounts.remove(caller, context.param("username"), password, client_info(context));
    return http::no_content_response();
}

}  // namespace

void add_account_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(verb::post, "/api/auth/", "account_create",
               [s](http::RequestContext& c) { return create_account(*s, c); });
    router.add(
        verb::get, "/api/auth/{username}", "account_get",
        [s](http::RequestContext& c) { return get_account(*s, c); },
        http::Router::Execution::io_thread_if_local_reads);
    router.add(verb::put, "/api/auth/update/{username}", "account_update",
               [s](http::RequestContext& c) { return update_account(*s, c, false); });
    router.add(verb::patch, "/api/auth/update/{username}", "account_update",
               [s](http::RequestContext& c) { return update_account(*s, c, true); });
    router.add(verb::put, "/api/auth/password/{username}", "password_change",
               [s](http::RequestContext& c) { return change_password(*s, c); });
    router.add(verb::patch, "/api/auth/password/{username}", "password_change",
               [s](http::RequestContext& c) { return change_password(*s, c); });
    router.add(verb::delete_, "/api/auth/delete/{username}", "account_delete",
               [s](http::RequestContext& c) { return delete_account(*s, c); });
}

}  // namespace authd::api
