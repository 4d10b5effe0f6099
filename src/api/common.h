#pragma once
// Small helpers the route files share.
#include <boost/json.hpp>

#include "auth/sessions.h"
#include "http/types.h"
#include "store/store.h"

namespace authd::api {

// The access token of `Authorization: Bearer <token>`; 401 not_authenticated when there is
// none, 401 invalid_token when the header is malformed.
std::string_view bearer_token(const http::RequestContext& context);

// The caller's live session, from its access token.
auth::Principal authenticate_user(auth::Sessions& sessions, const http::RequestContext& context);

auth::ClientInfo client_info(const http::RequestContext& context);

// The user as read responses show it.
boost::json::object user_json(const store::User& user);

// "2026-11-24T13:00:00Z"
std::string iso8601(std::int64_t unix_seconds);

// A 200 JSON answer that carries tokens (Cache-Control: no-store, as every JSON answer).
http::Response ok(const boost::json::value& body);

}  // namespace authd::api
