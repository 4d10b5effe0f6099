// Token routes: login, refresh, logout, sessions, service tokens and introspection.
#include "api/common.h"
#include "api/routes.h"
#include "auth/login.h"
#include "auth/service_accounts.h"
#include "auth/sessions.h"
#include "http/json_body.h"
#include "http/responses.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::verb;

// The one required string field of a small body ({"refresh"}, {"token"}).
std::string single_field(http::RequestContext& context, std::string_view name) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto value = fields.string(name, true);
    fields.finish();
    return *value;
}

http::Response login(const Services& s, http::RequestContext& context) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto username = fields.string("username", true);
    auto password = fields.string("password", true);
    fields.finish();
    const auth::LoginOutcome outcome =
        s.login.password_step(*username, *password, client_info(context));
    if (outcome.challenge) return second_factor_required(context, *outcome.challenge);
    return ok(login_json(*outcome.session));
}

http::Response refresh(const Services& s, http::RequestContext& context) {
    return ok(
        pair_json(s.sessions.refresh(single_field(context, "refresh"), client_info(context))));
}

http::Response logout(const Services& s, http::RequestContext& context) {
    s.sessions.logout(single_field(context, "refresh"), client_info(context));
    return ok(json::object{});
}

http::Response logout_all(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    s.sessions.logout_all(caller, client_info(context));
    return ok(json::object{});
}

http::Response list_sessions(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    json::array sessions;
    for (const auto& [session, events] : s.sessions.list(caller)) {
        json::array history;
        for (const store::SecurityEvent& event : events)
            history.push_back(json::object{{"event", event.kind},
                                           {"at", util::iso8601(event.at)},
                                           {"ip", event.ip},
                                           {"user_agent", event.user_agent}});
        sessions.push_back(json::object{
            {"id", session.id},
            {"created", util::iso8601(session.created_at)},
            {"last_used", util::iso8601(session.last_used_at)},
            {"user_agent", session.user_agent},
            {"ip", session.ip},
            {"current", session.id == caller.session.id},
            {"events", std::move(history)},
        });
    }
    return ok(json::object{{"sessions", std::move(sessions)}});
}

http::Response end_session(const Services& s, http::RequestContext& context) {
    const auth::Principal caller = authenticate_user(s.sessions, context);
    s.sessions.end(caller, std::string(context.param("id")), client_info(context));
    return http::no_content_response();
}

http::Response service_token(const Services& s, http::RequestContext& context) {
    const json::object body = http::parse_json_body(context.request);
    http::BodyFields fields(body);
    auto name = fields.string("serviceName", true);
    auto password = fields.string("password", true);
    fields.finish();
    return ok(json::object{
        {"token", s.service_accounts.issue_token(*name, *password, client_info(context))}});
}

http::Response introspect(const Services& s, http::RequestContext& context) {
    s.service_accounts.authenticate(bearer_token(context));
    const auth::IntrospectionResult result = s.sessions.introspect(single_field(context, "token"));
    const bool service_removed =
        result.token_type == "service" && !s.service_accounts.is_configured(result.service_name);
    if (!result.active || service_removed) return ok(json::object{{"active", false}});
    json::object answer{{"active", true}, {"token_type", result.token_type}};
    if (result.token_type == "service") {
        answer["service_name"] = result.service_name;
    } else {
        answer["username"] = result.username;
        answer["sid"] = result.session_id;
    }
    answer["exp"] = result.expires_at;
    return ok(answer);
}

}  // namespace

void add_token_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(verb::post, "/api/auth/login", "login",
               [s](http::RequestContext& c) { return login(*s, c); });
    router.add(verb::post, "/api/auth/refresh", "refresh",
               [s](http::RequestContext& c) { return refresh(*s, c); });
    router.add(verb::post, "/api/auth/logout", "logout",
               [s](http::RequestContext& c) { return logout(*s, c); });
    router.add(verb::post, "/api/auth/logout_all", "logout_all",
               [s](http::RequestContext& c) { return logout_all(*s, c); });
    router.add(verb::get, "/api/auth/sessions", "sessions_list",
               [s](http::RequestContext& c) { return list_sessions(*s, c); });
    router.add(verb::delete_, "/api/auth/sessions/{id}", "session_end",
               [s](http::RequestContext& c) { return end_session(*s, c); });
    router.add(verb::post, "/api/auth/internal/auth", "service_token",
               [s](http::RequestContext& c) { return service_token(*s, c); });
    router.add(verb::post, "/api/auth/introspect", "introspect",
               [s](http::RequestContext& c) { return introspect(*s, c); });
}

}  // namespace authd::api
