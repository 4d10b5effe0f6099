#pragma once
// The HTTP face of the domain: every route of API.md that this build serves.
#include "http/router.h"

namespace authd::auth {
class Accounts;
class Sessions;
class ServiceAccounts;
}  // namespace authd::auth
namespace authd::crypto {
class JwtCodec;
}
namespace authd::store {
class Store;
}

namespace authd::api {

// What the handlers call; all owned by main().
struct Services {
    auth::Accounts& accounts;
    auth::Sessions& sessions;
    auth::ServiceAccounts& service_accounts;
    store::Store& store;
    const crypto::JwtCodec& jwt;
};

void add_account_routes(http::Router& router, const Services& services);
void add_token_routes(http::Router& router, const Services& services);
void add_ops_routes(http::Router& router, const Services& services);

inline void add_all_routes(http::Router& router, const Services& services) {
    add_ops_routes(router, services);
    add_token_routes(router, services);
    add_account_routes(router, services);
}

}  // namespace authd::api
