#pragma once
// What proves each http::Access that a route declares: the domain's sessions and service
// accounts, and the metrics token.
#include <memory>

#include "auth/sessions.h"
#include "http/router.h"

namespace authd::api {

struct Services;

// The Authenticator of every route (installed by add_all_routes). A missing or malformed
// `Authorization: Bearer` answers 401 not_authenticated (WWW-Authenticate: Bearer) or 401
// invalid_token, a token that does not prove the access 401 token_not_valid, another user's
// {username} 403 permission_denied (in the caller's language).
std::shared_ptr<const http::Authenticator> make_authenticator(const Services& services);

// The caller of a route whose access is `user` or `account_owner`: its user and live session.
const auth::Principal& caller(const http::RequestContext& context);

}  // namespace authd::api
