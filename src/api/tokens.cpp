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

struct Credentials {
    std::string username;
    std::string password;
    static Credentials read(http::BodyFields& fields) {
        return {fields.required_string("username"), fields.required_string("password")};
    }
};

struct RefreshToken {
    std::string refresh;
    static RefreshToken read(http::BodyFields& fields) {
        return {fields.required_string("refresh")};
    }
};

struct ServiceCredentials {
    std::string name;
    std::string password;
    static ServiceCredentials read(http::BodyFields& fields) {
        return {fields.required_string("serviceName"), fields.required_string("password")};
    }
};

struct TokenToInspect {
    std::string token;
    static TokenToInspect read(http::BodyFields& fields) {
        return {fields.required_string("token")};
    }
};

http::Response login(const Services& s, http::RequestContext& context, const Credentials& body) {
    const auth::LoginOutcome outcome =
        s.login.password_step(body.username, body.password, client_info(context));
    if (outcome.challenge) return second_factor_required(context, *outcome.challenge);
    return ok(login_json(*outcome.session));
}

http::Response refresh(const Services& s, http::RequestContext& context, const RefreshToken& body) {
    return ok(pair_json(s.sessions.refresh(body.refresh, client_info(context))));
}

http::Response logout(const Services& s, http::RequestContext& context, const RefreshToken& body) {
    s.sessions.logout(body.refresh, client_info(context));
    return ok(json::object{});
}

http::Response logout_all(const Services& s, http::RequestContext& context) {
    s.sessions.logout_all(caller(context), client_info(context));
    return ok(json::object{});
}

http::Response list_sessions(const Services& s, http::RequestContext& context) {
    json::array sessions;
    for (const auto& [session, events] : s.sessions.list(caller(context))) {
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
            {"current", session.id == context.principal.session_id},
            {"events", std::move(history)},
        });
    }
    return ok(json::object{{"sessions", std::move(sessions)}});
}

http::Response end_session(const Services& s, http::RequestContext& context) {
    s.sessions.end(caller(context), std::string(context.param("id")), client_info(context));
    return http::no_content_response();
}

http::Response service_token(const Services& s, http::RequestContext& context,
                             const ServiceCredentials& body) {
    return ok(json::object{
        {"token", s.service_accounts.issue_token(body.name, body.password, client_info(context))}});
}

http::Response introspect(const Services& s, http::RequestContext&, const TokenToInspect& body) {
    const auth::IntrospectionResult result = s.sessions.introspect(body.token);
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

void add_token_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::post, "/api/auth/login", "login", anyone, json_body<Credentials>, worker_pool,
               handler<login>(s));
    router.add(verb::post, "/api/auth/refresh", "refresh", anyone, json_body<RefreshToken>,
               worker_pool, handler<refresh>(s));
    router.add(verb::post, "/api/auth/logout", "logout", anyone, json_body<RefreshToken>,
               worker_pool, handler<logout>(s));
    router.add(verb::post, "/api/auth/logout_all", "logout_all", user, no_body, worker_pool,
               handler<logout_all>(s));
    router.add(verb::get, "/api/auth/sessions", "sessions_list", user, no_body, worker_pool,
               handler<list_sessions>(s));
    router.add(verb::delete_, "/api/auth/sessions/{id}", "session_end", user, no_body, worker_pool,
               handler<end_session>(s));
    router.add(verb::post, "/api/auth/internal/auth", "service_token", anyone,
               json_body<ServiceCredentials>, worker_pool, handler<service_token>(s));
    router.add(verb::post, "/api/auth/introspect", "introspect", service, json_body<TokenToInspect>,
               worker_pool, handler<introspect>(s));
}

}  // namespace authd::api
