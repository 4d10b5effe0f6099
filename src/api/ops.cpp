// Operations routes: liveness, readiness and the public keys.
#include "api/common.h"
#include "api/routes.h"
#include "crypto/jwt.h"
#include "http/responses.h"
#include "store/store.h"
#include "util/errors.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::verb;

http::Response jwks(const Services& s) {
    http::Response response = ok(s.jwt.jwks());
    // Public keys may be cached by the services that verify tokens.
    response.set(http::bhttp::field::cache_control, "public, max-age=300");
    return response;
}

}  // namespace

void add_ops_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(verb::get, "/healthz", "healthz", [](http::RequestContext&) {
        return ok(json::object{{"status", "ok"}});
    });
    router.add(verb::get, "/readyz", "readyz", [s](http::RequestContext&) {
        if (!s->store.ping())
            throw Error(ErrorKind::unavailable, "database_unavailable",
                        "The database is unavailable.", 5);
        return ok(json::object{{"status", "ok"}});
    });
    router.add(verb::get, "/api/auth/jwks", "jwks",
               [s](http::RequestContext&) { return jwks(*s); });
    router.add(verb::get, "/.well-known/jwks.json", "jwks",
               [s](http::RequestContext&) { return jwks(*s); });
}

}  // namespace authd::api
