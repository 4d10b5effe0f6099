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
struct OtpBody {
    std::optional<std::string> ticket;  // the two forms with a ticket
    std::optional<std::string> send;
    std::optional<std::string> code;
    std::string username;  // the front end's form
    std::string password;
    std::string otp;

    static OtpBody read(http::BodyFields& fields) {
        OtpBody body;
        if (fields.has("ticket")) {
            body.ticket = fields.string("ticket", true);
            body.send = fields.string("send", false);
            body.code = fields.string("code", !body.send);
            if (body.send && *body.send != "email")
                fields.add_error("send", i18n::keys::otp_send_choice);
            if (body.send && body.code)
                fields.add_error("non_field_errors", i18n::keys::otp_code_or_send);
            return body;
        }
        body.username = fields.required_string("username");
        body.password = fields.required_string("password");
        body.otp = fields.required_string("otp");
        return body;
    }
};

struct Code {
    std::string code;
    static Code read(http::BodyFields& fields) { return {fields.required_string("code")}; }
};

struct Password {
    std::string password;
    static Password read(http::BodyFields& fields) { return {fields.required_string("password")}; }
};

http::Response otp(const Services& s, http::RequestContext& context, const OtpBody& body) {
    if (body.ticket) {
        if (body.send) {
            s.login.send_email_code(*body.ticket, client_info(context));
            return detail_answer(context, i18n::keys::login_code_sent);
        }
        return ok(login_json(s.login.code_step(*body.ticket, *body.code, client_info(context))));
    }
    return ok(login_json(
        s.login.both_steps(body.username, body.password, body.otp, client_info(context))));
}

http::Response begin_totp(const Services& s, http::RequestContext& context,
                          const OptionalPassword& body) {
    const auth::TotpEnrolment enrolment =
        s.two_factor.begin_totp(caller(context), body.password, client_info(context));
    return ok(json::object{{"secret", enrolment.secret},
                           {"otp_uri", enrolment.otp_uri},
                           {"qr_svg", enrolment.qr_svg}});
}

http::Response confirm_totp(const Services& s, http::RequestContext& context, const Code& body) {
    s.two_factor.confirm_totp(caller(context), body.code, client_info(context));
    return detail_answer(context, i18n::keys::authenticator_confirmed);
}

http::Response remove_totp(const Services& s, http::RequestContext& context,
                           const OptionalPassword& body) {
    s.two_factor.remove_totp(caller(context), body.password, client_info(context));
    return http::no_content_response();
}

http::Response recovery_codes(const Services& s, http::RequestContext& context,
                              const Password& body) {
    return ok(json::object{
        {"recovery_codes", string_array(s.two_factor.regenerate_recovery_codes(
                               caller(context), body.password, client_info(context)))}});
}

}  // namespace

void add_two_factor_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::post, "/api/auth/otp", "otp", anyone, json_body<OtpBody>, worker_pool,
               handler<otp>(s));
    router.add(verb::post, "/api/auth/2fa/totp", "totp_begin", user, json_body<OptionalPassword>,
               worker_pool, handler<begin_totp>(s));
    router.add(verb::delete_, "/api/auth/2fa/totp", "totp_remove", user,
               json_body<OptionalPassword>, worker_pool, handler<remove_totp>(s));
    router.add(verb::post, "/api/auth/2fa/totp/confirm", "totp_confirm", user, json_body<Code>,
               worker_pool, handler<confirm_totp>(s));
    router.add(verb::post, "/api/auth/2fa/recovery_codes", "recovery_codes", user,
               json_body<Password>, worker_pool, handler<recovery_codes>(s));
}

}  // namespace authd::api
