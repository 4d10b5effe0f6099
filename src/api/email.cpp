// Routes that work through e-mail: password reset (JSON and HTML pages), e-mail verification,
// and the data export.
#include "api/common.h"
#include "api/routes.h"
#include "auth/email_flows.h"
#include "crypto/constant_time.h"
#include "http/form_body.h"
#include "http/json_body.h"
#include "http/language.h"
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

// A page is in the request's language, else in that of the user its link is for.
i18n::Language page_language(const http::RequestContext& context,
                             const std::optional<store::User>& link_user) {
    return http::request_language(context.request,
                                  link_user ? i18n::from_code(link_user->lang) : std::nullopt);
}

// The reset form with a fresh CSRF token, also set as a cookie the form post must echo
// (double submit; SameSite=Strict keeps other sites from sending it).
http::Response reset_form(const Services& s, i18n::Language language, status code,
                          const std::vector<std::string>& errors) {
    const std::string csrf = s.random.token(32);
    http::Response response = page(
        code, web::reset_form_page(language, csrf, errors, s.password_reset.min_password_length()));
    std::string cookie = std::string(kCsrfCookie) + "=" + csrf +
                         "; Path=/api/auth/reset/; HttpOnly; SameSite=Strict";
    if (s.secure_cookies) cookie += "; Secure";
    response.set(http::bhttp::field::set_cookie, cookie);
    return response;
}

bool csrf_matches(const http::RequestContext& context, const std::string& submitted) {
    const auto cookie = http::cookie_value(context.request, kCsrfCookie);
    return cookie && !submitted.empty() && crypto::equal_in_constant_time(*cookie, submitted);
}

std::vector<std::string> messages_of(const ValidationError& error, i18n::Language language) {
    std::vector<std::string> messages;
    for (const auto& field : error.errors())
        for (const auto& message : field.messages)
            messages.push_back(i18n::translate(language, message));
    return messages;
}

struct Email {
    std::string email;
    static Email read(http::BodyFields& fields) { return {fields.required_string("email")}; }
};

struct NewPasswords {
    std::string new_password;
    std::string new_password2;
    static NewPasswords read(http::BodyFields& fields) {
        return {fields.required_string("new_password"), fields.required_string("new_password2")};
    }
};

http::Response request_reset(const Services& s, http::RequestContext& context, const Email& body) {
    s.password_reset.request(body.email, client_info(context));
    return detail_answer(context, i18n::keys::password_reset_sent);
}

http::Response show_reset_requested(const Services& s, http::RequestContext& context) {
    return page(status::ok, web::reset_requested_page(http::request_language(context),
                                                      s.password_reset.lifetime()));
}

http::Response show_reset_done(const Services&, http::RequestContext& context) {
    return page(status::ok, web::reset_done_page(http::request_language(context)));
}

http::Response show_reset_form(const Services& s, http::RequestContext& context) {
    const auto user = s.password_reset.link_user(context.param("uidb64"), context.param("token"));
    if (http::accepts_json(context.request)) {
        if (!user) auth::throw_invalid_reset_link();
        return detail_answer(context, i18n::keys::reset_link_valid);
    }
    const i18n::Language language = page_language(context, user);
    if (!user)
        return page(status::bad_request,
                    web::reset_invalid_page(language, s.password_reset.lifetime()));
    return reset_form(s, language, status::ok, {});
}

// A form post from the reset page, or the JSON variant for clients of the API.
http::Response submit_reset(const Services& s, http::RequestContext& context,
                            std::variant<NewPasswords, http::Form> body) {
    const std::string_view uidb64 = context.param("uidb64");
    const std::string_view token = context.param("token");
    if (const auto* passwords = std::get_if<NewPasswords>(&body)) {
        s.password_reset.complete(uidb64, token, passwords->new_password, passwords->new_password2,
                                  client_info(context));
        return detail_answer(context, i18n::keys::password_reset_complete);
    }
    http::Form& form = std::get<http::Form>(body);
    const auto user = s.password_reset.link_user(uidb64, token);
    const i18n::Language language = page_language(context, user);
    // A dead link says so first: no form to resubmit can bring it back.
    if (!user)
        return page(status::bad_request,
                    web::reset_invalid_page(language, s.password_reset.lifetime()));
    if (!csrf_matches(context, form["csrf_token"]))
        return reset_form(s, language, status::forbidden,
                          {i18n::translate(language, i18n::keys::csrf_failed)});
    try {
        s.password_reset.complete(uidb64, token, form["new_password"], form["new_password2"],
                                  client_info(context));
    } catch (const ValidationError& error) {
        return reset_form(s, language, status::bad_request, messages_of(error, language));
    } catch (const Error& error) {
        if (error.code() != "invalid_link") throw;
        return page(status::bad_request,
                    web::reset_invalid_page(language, s.password_reset.lifetime()));
    }
    return http::see_other_response("/api/auth/reset/done/");
}

http::Response verify_email(const Services& s, http::RequestContext& context) {
    // HEAD (link checkers, mail scanners) looks without spending the link.
    const auto user =
        context.request.method() == verb::head
            ? s.verification.link_user(context.param("uidb64"), context.param("token"))
            : s.verification.verify(context.param("uidb64"), context.param("token"),
                                    client_info(context));
    if (http::accepts_json(context.request)) {
        if (!user)
            throw Error(ErrorKind::bad_request, "invalid_link",
                        i18n::keys::verification_link_invalid);
        return detail_answer(context, i18n::keys::email_verified);
    }
    const i18n::Language language = page_language(context, user);
    return user ? page(status::ok, web::email_verified_page(language))
                : page(status::bad_request,
                       web::email_verification_invalid_page(language, s.verification.lifetime()));
}

http::Response resend_verification(const Services& s, http::RequestContext& context) {
    s.verification.resend(caller(context), client_info(context));
    return detail_answer(context, i18n::keys::verification_sent, status::accepted);
}

http::Response dump_data(const Services& s, http::RequestContext& context) {
    // HEAD reads; it must not queue an export nor count against the limit.
    if (context.request.method() == verb::head) return ok(json::object{});
    s.data_export.request(caller(context), client_info(context));
    return detail_answer(context, i18n::keys::data_export_queued, status::accepted);
}

}  // namespace

void add_email_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::post, "/api/auth/password_reset", "password_reset", anyone, json_body<Email>,
               worker_pool, handler<request_reset>(s));
    router.add(verb::get, "/api/auth/password_reset/done", "password_reset_done", anyone, no_body,
               worker_pool, handler<show_reset_requested>(s));
    router.add(verb::get, "/api/auth/reset/{uidb64}/{token:secret}", "password_reset_form", anyone,
               no_body, worker_pool, handler<show_reset_form>(s));
    router.add(verb::post, "/api/auth/reset/{uidb64}/{token:secret}", "password_reset_confirm",
               anyone, json_or_form_body<NewPasswords>, worker_pool, handler<submit_reset>(s));
    router.add(verb::get, "/api/auth/reset/done", "password_reset_complete", anyone, no_body,
               worker_pool, handler<show_reset_done>(s));
    router.add(verb::get, "/api/auth/verify_email/{uidb64}/{token:secret}", "verify_email", anyone,
               no_body, worker_pool, handler<verify_email>(s));
    router.add(verb::post, "/api/auth/verify_email", "verify_email_resend", user, no_body,
               worker_pool, handler<resend_verification>(s));
    router.add(verb::get, "/api/auth/dump_data", "dump_data", user, no_body, worker_pool,
               handler<dump_data>(s));
}

}  // namespace authd::api
