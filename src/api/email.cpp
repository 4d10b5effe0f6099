// Routes that work through e-mail: password reset (JSON and HTML pages), e-mail verification,
// and the data export.
#include <sodium.h>

#include "api/common.h"
#include "api/routes.h"
#include "auth/email_flows.h"
#include "http/form_body.h"
#include "http/json_body.h"
#include "http/responses.h"
#include "util/errors.h"
#include "util/random.h"
#include "web/pages.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::status;
using http::bhttp::verb;

constexpr std::string_view kCsrfCookie = "authd_csrf";

http::Response page(status code, std::string html) {
    return http::html_response(code, std::move(html), web::content_security_policy());
}

// The reset form with a fresh CSRF token, also set as a cookie the form post must echo
// (double submit; SameSite=Strict keeps other sites from sending it).
http::Response reset_form(const Services& s, status code, const std::vector<std::string>& errors) {
    const std::string csrf = s.random.token(32);
    http::Response response =
        page(code, web::reset_form_page(csrf, errors, s.password_reset.min_password_length()));
    std::string cookie = std::string(kCsrfCookie) + "=" + csrf +
                         "; Path=/api/auth/reset/; HttpOnly; SameSite=Strict";
    if (s.secure_cookies) cookie += "; Secure";
    response.set(http::bhttp::field::set_cookie, cookie);
    return response;
}

bool csrf_matches(const http::RequestContext& context, const std::string& submitted) {
    const auto cookie = http::cookie_value(context.request, kCsrfCookie);
    return cookie && !submitted.empty() && cookie->size() == submitted.size() &&
           sodium_memcmp(cookie->data(), submitted.data(), submitted.size()) == 0;
}

std::vector<std::string> messages_of(const ValidationError& error) {
    std::vector<std::string> messages;
    for (const auto& field : error.errors())
        for (const auto& message : field.messages)
            messages.push_back(message);
    return messages;
}

http::Response request_reset(const Services& s, http::RequestContext& context) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto email = fields.string("email", true);
    fields.finish();
    s.password_reset.request(*email);
    return ok(json::object{{"detail", "Password reset e-mail has been sent."}});
}

http::Response show_reset_form(const Services& s, http::RequestContext& context) {
    const bool valid = s.password_reset.link_valid(context.param("uidb64"), context.param("token"));
    if (http::accepts_json(context.request)) {
        if (!valid) auth::throw_invalid_reset_link();
        return ok(json::object{{"detail", "The link is valid."}});
    }
    if (!valid)
        return page(status::bad_request, web::reset_invalid_page(s.password_reset.lifetime()));
    return reset_form(s, status::ok, {});
}

http::Response submit_reset(const Services& s, http::RequestContext& context) {
    const std::string_view uidb64 = context.param("uidb64");
    const std::string_view token = context.param("token");
    if (!http::is_form_request(context.request)) {
        // The JSON variant, for clients of the API.
        const json::object body = http::parse_json_body(context.request);
        http::BodyFields fields(body);
        auto password = fields.string("new_password", true);
        auto password2 = fields.string("new_password2", true);
        fields.finish();
        s.password_reset.complete(uidb64, token, *password, *password2);
        return ok(json::object{{"detail", "Password has been reset with the new password."}});
    }
    auto form = http::parse_form_body(context.request);
    // A dead link says so first: no form to resubmit can bring it back.
    if (!s.password_reset.link_valid(uidb64, token))
        return page(status::bad_request, web::reset_invalid_page(s.password_reset.lifetime()));
    if (!csrf_matches(context, form["csrf_token"]))
        return reset_form(s, status::forbidden,
                          {"This form has expired or was not sent from this page. Please try "
                           "again."});
    try {
        s.password_reset.complete(uidb64, token, form["new_password"], form["new_password2"]);
    } catch (const ValidationError& error) {
        return reset_form(s, status::bad_request, messages_of(error));
    } catch (const Error& error) {
        if (error.code() != "invalid_link") throw;
        return page(status::bad_request, web::reset_invalid_page(s.password_reset.lifetime()));
    }
    return http::see_other_response("/api/auth/reset/done/");
}

http::Response verify_email(const Services& s, http::RequestContext& context) {
    // HEAD (link checkers, mail scanners) looks without spending the link.
    const bool verified =
        context.request.method() == verb::head
            ? s.verification.link_valid(context.param("uidb64"), context.param("token"))
            : s.verification.verify(context.param("uidb64"), context.param("token"));
    if (http::accepts_json(context.request)) {
        if (!verified)
            throw Error(ErrorKind::bad_request, "invalid_link",
                        "The verification link is invalid or has expired.");
        return ok(json::object{{"detail", "Your e-mail address is verified."}});
    }
    return verified ? page(status::ok, web::email_verified_page())
                    : page(status::bad_request,
                           web::email_verification_invalid_page(s.verification.lifetime()));
}

http::Response resend_verification(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    s.verification.resend(caller);
    return http::json_response(status::accepted,
                               json::object{{"detail", "Verification e-mail sent."}});
}

http::Response dump_data(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    // HEAD reads; it must not queue an export nor count against the limit.
    if (context.request.method() == verb::head) return ok(json::object{});
    s.data_export.request(caller);
    return http::json_response(
        status::accepted,
        json::object{{"detail", "Your data will be sent to your e-mail address shortly."}});
}

}  // namespace

void add_email_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(verb::post, "/api/auth/password_reset", "password_reset",
               [s](http::RequestContext& c) { return request_reset(*s, c); });
    router.add(verb::get, "/api/auth/password_reset/done", "password_reset_done",
               [s](http::RequestContext&) {
                   return page(status::ok, web::reset_requested_page(s->password_reset.lifetime()));
               });
    router.add(verb::get, "/api/auth/reset/{uidb64}/{token}", "password_reset_form",
               [s](http::RequestContext& c) { return show_reset_form(*s, c); });
    router.add(verb::post, "/api/auth/reset/{uidb64}/{token}", "password_reset_confirm",
               [s](http::RequestContext& c) { return submit_reset(*s, c); });
    router.add(verb::get, "/api/auth/reset/done", "password_reset_complete",
               [](http::RequestContext&) { return page(status::ok, web::reset_done_page()); });
    router.add(verb::get, "/api/auth/verify_email/{uidb64}/{token}", "verify_email",
               [s](http::RequestContext& c) { return verify_email(*s, c); });
    router.add(verb::post, "/api/auth/verify_email", "verify_email_resend",
               [s](http::RequestContext& c) { return resend_verification(*s, c); });
    router.add(verb::get, "/api/auth/dump_data", "dump_data",
               [s](http::RequestContext& c) { return dump_data(*s, c); });
}

}  // namespace authd::api
