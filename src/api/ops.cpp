// Operations routes: liveness, readiness, metrics and the public keys.
#include <sodium.h>

#include "api/common.h"
#include "api/routes.h"
#include "auth/sessions.h"
#include "crypto/jwt.h"
#include "http/responses.h"
#include "store/store.h"
#include "util/errors.h"
#include "util/metrics.h"

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

// Compares digests, so the time taken reveals neither the token nor its length.
bool same_token(std::string_view given, std::string_view expected) {
    unsigned char a[crypto_generichash_BYTES];
    unsigned char b[crypto_generichash_BYTES];
    crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(given.data()),
                       given.size(), nullptr, 0);
    crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(expected.data()),
                       expected.size(), nullptr, 0);
    return sodium_memcmp(a, b, sizeof a) == 0;
}

// The Prometheus text format; with AUTH_METRICS_TOKEN, only for `Authorization: Bearer` it.
http::Response scrape(const Services& s, const http::RequestContext& context) {
    if (!s.metrics_token.empty() && !same_token(bearer_token(context), s.metrics_token))
        auth::throw_invalid_bearer();
    http::Response response{http::bhttp::status::ok, 11};
    response.set(http::bhttp::field::content_type, metrics::content_type);
    response.set(http::bhttp::field::cache_control, "no-store");
    response.body() = s.metrics.render();
    return response;
}

}  // namespace

void add_ops_routes(http::Router& router, const Services& services) {
    const Services* s = &services;
    router.add(
        verb::get, "/healthz", "healthz",
        [](http::RequestContext&) {
            return ok(json::object{{"status", "ok"}});
        },
        http::Router::Execution::io_thread);
    router.add(verb::get, "/readyz", "readyz", [s](http::RequestContext&) {
        if (!s->store.ping())
            throw Error(ErrorKind::unavailable, "database_unavailable",
                        i18n::keys::database_unavailable, 5);
        return ok(json::object{{"status", "ok"}});
    });
    router.add(verb::get, "/metrics", "metrics",
               [s](http::RequestContext& context) { return scrape(*s, context); });
    router.add(
        verb::get, "/api/auth/jwks", "jwks", [s](http::RequestContext&) { return jwks(*s); },
        http::Router::Execution::io_thread);
    router.add(
        verb::get, "/.well-known/jwks.json", "jwks",
        [s](http::RequestContext&) { return jwks(*s); }, http::Router::Execution::io_thread);
}

}  // namespace authd::api
