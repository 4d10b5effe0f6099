#include "api/common.h"

#include "auth/accounts.h"
#include "auth/user_rules.h"
#include "http/language.h"
#include "http/responses.h"
#include "util/errors.h"

namespace authd::api {

namespace json = boost::json;

auth::ClientInfo client_info(const http::RequestContext& context) {
    return {context.client_ip, context.user_agent()};
}

json::object user_json(const store::User& user) {
    json::array methods;
    for (const std::string& factor : auth::ready_second_factors(user))
        methods.emplace_back(factor);
    json::object body;
    body["username"] = user.username;
    body["email"] = user.email;
    body["two_fa_enable"] = user.two_fa_enable;
    body["two_fa_enabled"] = user.two_fa_enable;
    body["email_verified"] = user.email_verified;
    body["two_fa_methods"] = std::move(methods);
    body["lang"] = user.lang;
    body["date_joined"] = util::iso8601(user.date_joined);
    if (user.last_login)
        body["last_login"] = util::iso8601(*user.last_login);
    else
        body["last_login"] = nullptr;
    return body;
}

json::object pair_json(const auth::TokenPair& pair) {
    return json::object{{"access", pair.access}, {"refresh", pair.refresh}};
}

json::object login_json(const auth::Sessions::LoginResult& result) {
    json::object answer = pair_json(result.tokens);
    answer["lang"] = result.lang;
    return answer;
}

http::Response second_factor_required(const http::RequestContext& context,
                                      const auth::LoginChallenge& challenge) {
    json::array methods;
    for (const std::string& method : challenge.methods)
        methods.emplace_back(method);
    return http::json_response(
        http::bhttp::status::accepted,
        json::object{{"detail", http::translate(context, i18n::keys::two_fa_required)},
                     {"two_fa_required", true},
                     {"ticket", challenge.ticket},
                     {"methods", std::move(methods)}});
}

http::Response detail_answer(const http::RequestContext& context, const i18n::Message& message,
                             http::bhttp::status status) {
    return http::json_response(status, json::object{{"detail", http::translate(context, message)}});
}

http::Response ok(const json::value& body) {
    return http::json_response(http::bhttp::status::ok, body);
}

}  // namespace authd::api
