#pragma once
// Small helpers the route files share.
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "api/access.h"
#include "auth/sessions.h"
#include "auth/two_factor.h"
#include "http/json_body.h"
#include "http/types.h"
#include "i18n/message.h"
#include "store/store.h"
#include "util/time_text.h"

namespace authd::api {

// {"password"} when a route may ask for it (re-authentication), else {}.
struct OptionalPassword {
    std::optional<std::string> password;
    static OptionalPassword read(http::BodyFields& fields) {
        return {fields.string("password", false)};
    }
};

auth::ClientInfo client_info(const http::RequestContext& context);

// The user as read responses show it.
boost::json::object user_json(const store::User& user);

boost::json::object pair_json(const auth::TokenPair& pair);
// {"access", "refresh", "lang"}: what a completed login answers.
boost::json::object login_json(const auth::Sessions::LoginResult& result);

// 202 {"detail": "Two-factor authentication required.", "two_fa_required": true, "ticket",
// "methods"}, the detail in the request's language.
http::Response second_factor_required(const http::RequestContext& context,
                                      const auth::LoginChallenge& challenge);

// 200 or 202 {"detail": <message in the request's language>}.
http::Response detail_answer(const http::RequestContext& context, const i18n::Message& message,
                             http::bhttp::status status = http::bhttp::status::ok);

// A 200 JSON answer that carries tokens (Cache-Control: no-store, as every JSON answer).
http::Response ok(const boost::json::value& body);

}  // namespace authd::api
