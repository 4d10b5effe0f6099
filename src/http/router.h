#pragma once
// Maps (method, path) to a handler. Patterns are absolute paths whose segments are literals or
// `{name}` parameters; a path matches with or without its trailing slash (no redirect). Literal
// segments win over parameters ("/api/auth/sessions" before "/api/auth/{username}").
// OPTIONS is not routed: the server answers it on every path that exists, so `allow` lists it
// and add() refuses it.
// A parameter written `{name:secret}` (the token of a mailed link) is a secret: the handler
// sees it as `{name}`, and loggable_path() never lets it reach a log line.
// Each route declares who may call it and the body it reads: its handler runs only once the
// caller is proved and the body read (in that order), and receives both.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "http/types.h"

namespace authd::http {

// Proves a route's Access from its request. http/ only declares it: the proof needs the domain
// (sessions, service accounts, the metrics token), and api/ implements it.
class Authenticator {
  public:
    virtual ~Authenticator() = default;
    // Sets context.principal (and context.user_language, for the answers that follow) when the
    // request proves `access`; otherwise throws the typed error (util/errors.h) to answer.
    virtual void authenticate(Access access, RequestContext& context) const = 0;
};

// The body of a route whose handler reads none: it is left unread, whatever it holds. Routes
// that read one name its type with http::json_body<T> (http/json_body.h).
struct NoBody {};
inline constexpr NoBody no_body{};

class Router {
  public:
    // Where a route's handler runs. Most handlers may block (password hashing, writes, waiting
    // for a database connection) and run on the worker pool. Handing a request to the pool and
    // back costs more than a small handler itself, so two kinds run on the I/O thread instead:
    enum class Execution {
        worker_pool,
        // Answers from memory alone (/healthz, the public keys).
        io_thread,
        // Reads the store and nothing else: on the I/O thread when the store's reads are
        // in-process and never wait (ServerOptions::local_store_reads: SQLite), else the pool.
        io_thread_if_local_reads,
    };

    // Routes added from now on whose access is not `anyone` have their caller proved by
    // `authenticator`; adding one before this is an error.
    void authenticate_with(std::shared_ptr<const Authenticator> authenticator);

    // `name` labels the route in logs and metrics ("login", "account_get", ...). `body` is
    // no_body, and the handler is called as handler(context); or a body type (`Body::read`
    // parses the request's body, http/json_body.h), and it is called as
    // handler(context, <the body read>).
    template <class Body, class Function>
    void add(bhttp::verb method, std::string pattern, std::string name, Access access, Body body,
             Execution execution, Function handler);

    struct Route {
        bhttp::verb method;
        std::string pattern;  // as written, less the ":secret" marks
        std::string name;
        Access access = Access::anyone;
        // Proves the access, reads the body, then calls the handler given to add().
        Handler handler;
        Execution execution = Execution::worker_pool;
        std::vector<bool> secret;  // per segment of the pattern: a secret parameter
        // Worked out once by add(), not on every request: the pattern's segments, and which
        // resource it names (routes whose patterns differ only in parameter names share one).
        std::vector<std::string> segments;
        std::size_t resource = 0;
    };

    enum class Outcome { found, not_found, method_not_allowed };
    struct Match {
        Outcome outcome = Outcome::not_found;
        const Route* route = nullptr;                             // when found
        std::vector<std::pair<std::string, std::string>> params;  // when found, percent-decoded
        // When method_not_allowed: the path's methods for `Allow`, "GET, HEAD, OPTIONS"-style.
        std::string allow;
    };

    // HEAD matches a GET route. `path` has no query string.
    Match match(bhttp::verb method, std::string_view path) const;

    const std::vector<Route>& routes() const { return routes_; }

    // `path` (a request's target, any form, already made safe for a log line) with every
    // segment that a secret parameter would take replaced by "…" (U+2026). Checked against
    // every route's pattern, whatever the method, wherever the pattern's segments stand in the
    // path (an absolute-form target, a prefix, trailing segments, empty segments), literals
    // compared percent-decoded and ignoring case: a mistyped or refused link is still a link.
    std::string loggable_path(std::string_view path) const;

  private:
    // The authenticator a route with this access needs (null for `anyone`).
    std::shared_ptr<const Authenticator> authenticator_for(Access access,
                                                           std::string_view pattern) const;
    void add_route(bhttp::verb method, std::string pattern, std::string name, Access access,
                   Execution execution, Handler handler);

    std::shared_ptr<const Authenticator> authenticator_;
    std::vector<Route> routes_;
    std::size_t resources_ = 0;  // how many distinct resources routes_ names
};

template <class Body, class Function>
void Router::add(bhttp::verb method, std::string pattern, std::string name, Access access, Body,
                 Execution execution, Function handler) {
    auto authenticator = authenticator_for(access, pattern);
    add_route(method, std::move(pattern), std::move(name), access, execution,
              [authenticator = std::move(authenticator), access,
               handler = std::move(handler)](RequestContext& context) -> Response {
                  if (authenticator) authenticator->authenticate(access, context);
                  if constexpr (std::is_same_v<Body, NoBody>)
                      return handler(context);
                  else
                      return handler(context, Body::read(context.request));
              });
}

}  // namespace authd::http
