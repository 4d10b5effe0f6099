// Two-factor routes: the login's second step, and enrolment of apps and recovery codes.
#include "auth/two_factor.h"
#include "api/common.h"
#include "api/routes.h"
#include "auth/login.h"
#include "http/json_body.h"
#include "http/responses.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::verb;

json::array string_array(const std::vector<std::string>& values) {
    json::array array;
    for (const std::string& value : values)
        array.emplace_back(value);
    return array;
}

// POST otp: {"ticket", "code"}, {"ticket", "send": "email"}, or the existing front end's
// {"username", "password", "otp"}.
http::Response otp(const Services& s, http::RequestContext& context) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    if (fields.has("ticket")) {
        auto ticket = fields.string("ticket", true);
        auto send = fields.string("send", false);
        auto code = fields.string("code", !send);
        if (send && *send != "email") fields.add_error("send", i18n::keys::otp_send_choice);
        if (send && code) fields.add_error("non_field_errors", i18n::keys::otp_code_or_send);
        fields.finish();
        if (send) {
            s.login.send_email_code(*ticket, client_info(context));
            return detail_answer(context, i18n::keys::login_code_sent);
        }
        return ok(login_json(s.login.code_step(*ticket, *code, client_info(context))));
    }
    auto username = fields.string("username", true);
    auto password = fields.string("password", true);
    auto code = fields.string("otp", true);
    fields.finish();
    return ok(login_json(s.login.both_steps(*username, *password, *code, client_info(context))));
}

http::Response begin_totp(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto password = fields.string("password", false);
    fields.finish();
    const auth::TotpEnrolment enrolment =
        s.two_factor.begin_totp(caller, password, client_info(context));
    return ok(json::object{{"secret", enrolment.secret},
                           {"otp_uri", enrolment.otp_uri},
                           {"qr_svg", enrolment.qr_svg}});
}

http::Response confirm_totp(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto code = fields.string("code", true);
    fields.finish();
    s.two_factor.confirm_totp(caller, *code, client_info(context));
    return detail_answer(context, i18n::keys::authenticator_confirmed);
}

http::Response remove_totp(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto password = fields.string("password", false);
    fields.finish();
    s.two_factor.remove_totp(caller, password, client_info(context));
    return http::no_content_response();
}

http::Response recovery_codes(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto password = fields.string("password", true);
    fields.finish();
    return ok(json::object{{"recovery_codes", string_array(s.two_factor.regenerate_recovery_codes(
                                                  caller, *password, client_info(context)))}});
}

}  // namespace

void add_two_factor_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(verb::post, "/api/auth/otp", "otp",
               [s](http::RequestContext& c) { return otp(*s, c); });
    router.add(verb::post, "/api/auth/2fa/totp", "totp_begin",
               [s](http::RequestContext& c) { return begin_totp(*s, c); });
    router.add(verb::delete_, "/api/auth/2fa/totp", "totp_remove",
               [s](http::RequestContext& c) { return remove_totp(*s, c); });
    router.add(verb::post, "/api/auth/2fa/totp/confirm", "totp_confirm",
               [s](http::RequestContext& c) { return confirm_totp(*s, c); });
    router.add(verb::post, "/api/auth/2fa/recovery_codes", "recovery_codes",
               [s](http::RequestContext& c) { return recovery_codes(*s, c); });
}

}  // namespace authd::api
