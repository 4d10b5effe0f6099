#pragma once
// The HTTP face of the domain: every route of API.md that this build serves.
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
    Random& random;
    bool secure_cookies;  // AUTH_PUBLIC_URL is https: cookies get `Secure`
    const metrics::Registry& metrics;
    std::string metrics_token;  // AUTH_METRICS_TOKEN: when set, GET /metrics needs it
    std::string public_url;     // AUTH_PUBLIC_URL: the server of GET /api/auth/openapi.json
};

void add_account_routes(http::Router& router, const Services& services);
void add_token_routes(http::Router& router, const Services& services);
void add_ops_routes(http::Router& router, const Services& services);
void add_email_routes(http::Router& router, const Services& services);
void add_two_factor_routes(http::Router& router, const Services& services);
void add_openapi_routes(http::Router& router, const Services& services);

inline void add_all_routes(http::Router& router, const Services& services) {
    add_ops_routes(router, services);
    add_token_routes(router, services);
    add_email_routes(router, services);
    add_two_factor_routes(router, services);
    add_account_routes(router, services);
    add_openapi_routes(router, services);
}

}  // namespace authd::api
