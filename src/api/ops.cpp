// Operations routes: liveness, readiness, metrics and the public keys.
#include "api/common.h"
#include "api/routes.h"
#include "crypto/jwt.h"
#include "http/responses.h"
#include "store/store.h"
#include "util/errors.h"
#include "util/metrics.h"

namespace authd::api {
namespace {

namespace json = boost::json;
using http::bhttp::verb;

http::Response healthz(const Services&, http::RequestContext&) {
    return ok(json::object{{"status", "ok"}});
}

http::Response readyz(const Services& s, http::RequestContext&) {
    if (!s.store.ping())
        throw Error(ErrorKind::unavailable, "database_unavailable",
                    i18n::keys::database_unavailable, 5);
    return ok(json::object{{"status", "ok"}});
}

http::Response jwks(const Services& s, http::RequestContext&) {
    http::Response response = ok(s.jwt.jwks());
    // Public keys may be cached by the services that verify tokens.
    response.set(http::bhttp::field::cache_control, "public, max-age=300");
    return response;
}

// The Prometheus text format.
http::Response scrape(const Services& s, http::RequestContext&) {
    http::Response response{http::bhttp::status::ok, 11};
    response.set(http::bhttp::field::content_type, metrics::content_type);
    response.set(http::bhttp::field::cache_control, "no-store");
    response.body() = s.metrics.render();
    return response;
}

}  // namespace

void add_ops_routes(http::Router& router, const Services& s) {
    using namespace route_table;
    router.add(verb::get, "/healthz", "healthz", anyone, no_body, io_thread, handler<healthz>(s));
    router.add(verb::get, "/readyz", "readyz", anyone, no_body, worker_pool, handler<readyz>(s));
    router.add(verb::get, "/metrics", "metrics", metrics_token, no_body, worker_pool,
               handler<scrape>(s));
    router.add(verb::get, "/api/auth/jwks", "jwks", anyone, no_body, io_thread, handler<jwks>(s));
    router.add(verb::get, "/.well-known/jwks.json", "jwks", anyone, no_body, io_thread,
               handler<jwks>(s));
}

}  // namespace authd::api
