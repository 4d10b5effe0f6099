#pragma once
// The HTTP face of the domain: every route of API.md that this build serves. Each add_*_routes
// lists its routes one per statement: method, pattern, name, who may call it (http::Access),
// the body it reads, where it runs, and its handler.
#include <utility>

#include "api/access.h"
#include "http/json_body.h"
#include "http/router.h"

namespace authd {
class Random;
}
namespace authd::auth {
class Accounts;
class Sessions;
class ServiceAccounts;
class EmailVerification;
class PasswordReset;
class DataExport;
class LoginFlow;
class TwoFactor;
class Passkeys;
}  // namespace authd::auth
namespace authd::crypto {
class JwtCodec;
}
namespace authd::store {
class Store;
}
namespace authd::metrics {
class Registry;
}

namespace authd::api {

// What the handlers call; all owned by main().
struct Services {
    auth::Accounts& accounts;
    auth::Sessions& sessions;
    auth::ServiceAccounts& service_accounts;
    store::Store& store;
    const crypto::JwtCodec& jwt;
    auth::EmailVerification& verification;
    auth::PasswordReset& password_reset;
    auth::DataExport& data_export;
    auth::LoginFlow& login;
    auth::TwoFactor& two_factor;
    auth::Passkeys& passkeys;
    Random& random;
    bool secure_cookies;  // AUTH_PUBLIC_URL is https: cookies get `Secure`
    const metrics::Registry& metrics;
    std::string metrics_token;  // AUTH_METRICS_TOKEN: when set, GET /metrics needs it
    std::string public_url;     // AUTH_PUBLIC_URL: the server of GET /api/auth/openapi.json
};

// A handler of the route table: `function(services, context[, body])`, as Router::add calls
// it once the caller is proved and the body read.
template <auto function>
auto handler(const Services& services) {
    return [&services](http::RequestContext& context, auto&&... body) {
        return function(services, context, std::forward<decltype(body)>(body)...);
    };
}

// The words of the route tables: each add_*_routes says `using namespace route_table;`.
namespace route_table {
using enum http::Access;
using enum http::Router::Execution;
using http::json_body;
using http::json_or_form_body;
using http::no_body;
}  // namespace route_table

void add_account_routes(http::Router& router, const Services& services);
void add_token_routes(http::Router& router, const Services& services);
void add_ops_routes(http::Router& router, const Services& services);
void add_email_routes(http::Router& router, const Services& services);
void add_two_factor_routes(http::Router& router, const Services& services);
void add_passkey_routes(http::Router& router, const Services& services);
void add_openapi_routes(http::Router& router, const Services& services);

// Each route's access is proved by make_authenticator(services).
inline void add_all_routes(http::Router& router, const Services& services) {
    router.authenticate_with(make_authenticator(services));
    add_ops_routes(router, services);
    add_token_routes(router, services);
    add_email_routes(router, services);
    add_two_factor_routes(router, services);
    add_passkey_routes(router, services);
    add_account_routes(router, services);
    add_openapi_routes(router, services);
}

}  // namespace authd::api
