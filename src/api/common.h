#pragma once
// Small helpers the route files share.
#include <boost/json.hpp>

#include "auth/sessions.h"
#include "auth/two_factor.h"
#include "http/types.h"
#include "i18n/message.h"
#include "store/store.h"
#include "util/time_text.h"

namespace authd::api {

// The access token of `Authorization: Bearer <token>`; 401 not_authenticated when there is
// none, 401 invalid_token when the header is malformed.
std::string_view bearer_token(const http::RequestContext& context);

// The caller's live session, from its access token. Answers use the user's language from
// then on, unless the request names one (context.user_language).
auth::Principal authenticate_user(auth::Sessions& sessions, http::RequestContext& context);

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
