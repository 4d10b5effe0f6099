// Passkey routes: registering and managing them, logging in with one, and one as the second
// factor of a login ticket. Options answer {"publicKey": {...}} in WebAuthn's JSON forms.
#include "auth/passkeys.h"
#include "api/common.h"
#include "api/routes.h"
#include "auth/login.h"
#include "http/json_body.h"
#include "http/responses.h"
#include "util/text.h"
#include "web/pages.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::verb;

json::object wrapped(json::object options) {
    return json::object{{"publicKey", std::move(options)}};
}

// A passkey as the list shows it: never its key.
json::object passkey_json(const store::Passkey& passkey) {
    json::array transports;
    for (const std::string_view transport : text::split(passkey.transports, ','))
        transports.emplace_back(transport);
    return json::object{
        {"id", passkey.id},
        {"name", passkey.name},
        {"created", util::iso8601(passkey.created_at)},
        {"last_used", passkey.last_used_at ? json::value(util::iso8601(*passkey.last_used_at))
                                           : json::value(nullptr)},
        {"transports", std::move(transports)},
        {"backup_eligible", passkey.backup_eligible},
        {"backed_up", passkey.backed_up},
        {"aaguid", passkey.aaguid},
    };
}

// POST passkeys/: {"credential": <toJSON() of the new credential>, "name"?}.
struct NewPasskey {
    json::object credential;
    std::optional<std::string> name;
    static NewPasskey read(http::BodyFields& fields) {
        NewPasskey body;
        body.credential = fields.object("credential", true).value_or(json::object{});
        body.name = fields.string("name", false);
        return body;
    }
};

struct PasskeyName {
    std::string name;
    static PasskeyName read(http::BodyFields& fields) { return {fields.required_string("name")}; }
};

// POST login/passkey: {"credential": <toJSON() of the assertion>}.
struct Assertion {
    json::object credential;
    static Assertion read(http::BodyFields& fields) {
        return {fields.object("credential", true).value_or(json::object{})};
    }
};

struct Ticket {
    std::string ticket;
    static Ticket read(http::BodyFields& fields) { return {fields.required_string("ticket")}; }
};

// POST otp/passkey: {"ticket", "credential"}.
struct TicketAssertion {
    std::string ticket;
    json::object credential;
    static TicketAssertion read(http::BodyFields& fields) {
        TicketAssertion body;
        body.ticket = fields.required_string("ticket");
        body.credential = fields.object("credential", true).value_or(json::object{});
        return body;
    }
};

http::Response registration_options(const Services& s, http::RequestContext& context,
                                    const OptionalPassword& body) {
    return ok(wrapped(webauthn::to_json(
        s.passkeys.registration_options(caller(context), body.password, client_info(context)))));
}

http::Response add_passkey(const Services& s, http::RequestContext& context,
                           const NewPasskey& body) {
    const store::Passkey passkey =
        s.passkeys.add(caller(context), body.credential, body.name, client_info(context));
    return http::json_response(http::bhttp::status::created, passkey_json(passkey));
}

http::Response list_passkeys(const Services& s, http::RequestContext& context) {
    json::array passkeys;
    for (const store::Passkey& passkey : s.passkeys.list(caller(context)))
        passkeys.push_back(passkey_json(passkey));
    return ok(json::object{{"passkeys", std::move(passkeys)}});
}

http::Response rename_passkey(const Services& s, http::RequestContext& context,
                              const PasskeyName& body) {
    return ok(passkey_json(s.passkeys.rename(caller(context), std::string(context.param("id")),
                                             body.name, client_info(context))));
}

http::Response remove_passkey(const Services& s, http::RequestContext& context,
                              const OptionalPassword& body) {
    s.passkeys.remove(caller(context), std::string(context.param("id")), body.password,
                      client_info(context));
    return http::no_content_response();
}

http::Response login_options(const Services& s, http::RequestContext& context) {
    return ok(wrapped(webauthn::to_json(s.passkeys.login_options(client_info(context)))));
}

http::Response passkey_login(const Services& s, http::RequestContext& context,
                             const Assertion& body) {
    const auth::LoginOutcome outcome = s.login.passkey_step(body.credential, client_info(context));
    if (outcome.challenge) return second_factor_required(context, *outcome.challenge);
    return ok(login_json(*outcome.session));
}

http::Response second_factor_options(const Services& s, http::RequestContext& context,
                                     const Ticket& body) {
    return ok(
        wrapped(webauthn::to_json(s.login.passkey_options(body.ticket, client_info(context)))));
}

http::Response second_factor(const Services& s, http::RequestContext& context,
                             const TicketAssertion& body) {
    return ok(login_json(
        s.login.passkey_second_step(body.ticket, body.credential, client_info(context))));
}

http::Response client_script(const Services&, http::RequestContext&) {
    return http::script_response(web::webauthn_client());
}

http::Response demo_page(const Services&, http::RequestContext&) {
    return http::html_response(http::bhttp::status::ok, web::passkeys_demo_page(),
                               web::passkeys_demo_policy());
}

}  // namespace

void add_passkey_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::get, "/api/auth/webauthn.js", "webauthn_client", anyone, no_body, io_thread,
               handler<client_script>(s));
    router.add(verb::get, "/api/auth/passkeys/demo", "passkeys_demo", anyone, no_body, io_thread,
               handler<demo_page>(s));
    router.add(verb::post, "/api/auth/passkeys/options", "passkey_options", user,
               json_body<OptionalPassword>, worker_pool, handler<registration_options>(s));
    router.add(verb::post, "/api/auth/passkeys", "passkey_add", user, json_body<NewPasskey>,
               worker_pool, handler<add_passkey>(s));
    router.add(verb::get, "/api/auth/passkeys", "passkey_list", user, no_body, worker_pool,
               handler<list_passkeys>(s));
    router.add(verb::patch, "/api/auth/passkeys/{id}", "passkey_rename", user,
               json_body<PasskeyName>, worker_pool, handler<rename_passkey>(s));
    router.add(verb::delete_, "/api/auth/passkeys/{id}", "passkey_remove", user,
               json_body<OptionalPassword>, worker_pool, handler<remove_passkey>(s));
    router.add(verb::post, "/api/auth/login/passkey/options", "passkey_login_options", anyone,
               no_body, worker_pool, handler<login_options>(s));
    router.add(verb::post, "/api/auth/login/passkey", "passkey_login", anyone, json_body<Assertion>,
               worker_pool, handler<passkey_login>(s));
    router.add(verb::post, "/api/auth/otp/passkey/options", "otp_passkey_options", anyone,
               json_body<Ticket>, worker_pool, handler<second_factor_options>(s));
    router.add(verb::post, "/api/auth/otp/passkey", "otp_passkey", anyone,
               json_body<TicketAssertion>, worker_pool, handler<second_factor>(s));
}

}  // namespace authd::api
