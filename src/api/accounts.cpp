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

struct NewAccount {
    std::string username;
    std::string password;
    std::string password2;
    std::string email;
    std::optional<bool> two_fa_enable;
    std::optional<std::string> lang;
    static NewAccount read(http::BodyFields& fields) {
        return {fields.required_string("username"),  fields.required_string("password"),
                fields.required_string("password2"), fields.required_string("email"),
                two_fa_field(fields, false),         fields.string("lang", false)};
    }
};

// PUT (every field) or PATCH (some) of the profile.
template <bool partial>
struct ProfileBody {
    auth::ProfileChanges changes;
    static ProfileBody read(http::BodyFields& fields) {
        auth::ProfileChanges changes;
        changes.username = fields.string("username", !partial);
        changes.email = fields.string("email", !partial);
        changes.two_fa_enable = two_fa_field(fields, !partial);
        changes.lang = fields.string("lang", false);
        changes.password = fields.string("password", false);
        return {std::move(changes)};
    }
};

// {"password", "new_password", "new_password2"}, or {"new_password": null} (with the password,
// if the client has it) to remove the password of an account that has passkeys.
struct PasswordChange {
    bool remove = false;
    std::optional<std::string> password;
    std::string new_password;
    std::string new_password2;
    static PasswordChange read(http::BodyFields& fields) {
        PasswordChange body;
        if (fields.null("new_password")) {
            body.remove = true;
            body.password = fields.string("password", false);
            if (fields.has("new_password2") && !fields.null("new_password2"))
                fields.add_error("new_password2", i18n::keys::passwords_do_not_match);
            return body;
        }
        body.password = fields.required_string("password");
        body.new_password = fields.required_string("new_password");
        body.new_password2 = fields.required_string("new_password2");
        return body;
    }
};

http::Response create_account(const Services& s, http::RequestContext& context, NewAccount body) {
    auth::Registration registration;
    registration.username = std::move(body.username);
    registration.password = std::move(body.password);
    registration.password2 = std::move(body.password2);
    registration.email = std::move(body.email);
    registration.two_fa_enable = body.two_fa_enable.value_or(false);
    // Without a `lang` field the account takes the request's language (the front end sends a
    // `lang` header), else English.
    registration.lang = body.lang ? std::move(*body.lang)
                                  : std::string(i18n::code(http::request_language(context)));
    const store::User user = s.accounts.register_user(registration, client_info(context));
    return http::json_response(status::created, user_json(user));
}

http::Response get_account(const Services& s, http::RequestContext& context) {
    return ok(user_json(s.accounts.get(caller(context), context.param("username"))));
}

template <bool partial>
http::Response update_account(const Services& s, http::RequestContext& context,
                              const ProfileBody<partial>& body) {
    const auth::UpdateResult result = s.accounts.update(caller(context), context.param("username"),
                                                        body.changes, client_info(context));
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

http::Response change_password(const Services& s, http::RequestContext& context,
                               const PasswordChange& body) {
    if (body.remove) {
        s.accounts.remove_password(caller(context), context.param("username"), body.password,
                                   client_info(context));
        return ok(json::object{});
    }
    s.accounts.change_password(caller(context), context.param("username"),
                               {body.password.value_or(""), body.new_password, body.new_password2},
                               client_info(context));
    return ok(json::object{});
}

http::Response delete_account(const Services& s, http::RequestContext& context,
                              const OptionalPassword& body) {
    s.accounts.remove(caller(context), context.param("username"), body.password,
                      client_info(context));
    return http::no_content_response();
}

}  // namespace

void add_account_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::post, "/api/auth/", "account_create", anyone, json_body<NewAccount>,
               worker_pool, handler<create_account>(s));
    router.add(verb::get, "/api/auth/{username}", "account_get", account_owner, no_body,
               io_thread_if_local_reads, handler<get_account>(s));
    router.add(verb::put, "/api/auth/update/{username}", "account_update", account_owner,
               json_body<ProfileBody<false>>, worker_pool, handler<update_account<false>>(s));
    router.add(verb::patch, "/api/auth/update/{username}", "account_update", account_owner,
               json_body<ProfileBody<true>>, worker_pool, handler<update_account<true>>(s));
    router.add(verb::put, "/api/auth/password/{username}", "password_change", account_owner,
               json_body<PasswordChange>, worker_pool, handler<change_password>(s));
    router.add(verb::patch, "/api/auth/password/{username}", "password_change", account_owner,
               json_body<PasswordChange>, worker_pool, handler<change_password>(s));
    router.add(verb::delete_, "/api/auth/delete/{username}", "account_delete", account_owner,
               json_body<OptionalPassword>, worker_pool, handler<delete_account>(s));
}

}  // namespace authd::api
