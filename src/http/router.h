#pragma once
// Maps (method, path) to a handler. Patterns are absolute paths whose segments are literals or
// `{name}` parameters; a path matches with or without its trailing slash (no redirect). Literal
// segments win over parameters ("/api/auth/sessions" before "/api/auth/{username}").
// OPTIONS is not routed: the server answers it on every path that exists, so `allow` lists it
// and add() refuses it.
// A parameter written `{name:secret}` (the token of a mailed link) is a secret: the handler
// sees it as `{name}`, and loggable_path() never lets it reach a log line.
#include <string>
#include <vector>

#include "http/types.h"

namespace authd::http {

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

    // `name` labels the route in logs and metrics ("login", "account_get", ...).
    void add(bhttp::verb method, std::string pattern, std::string name, Handler handler,
             Execution execution = Execution::worker_pool);

    struct Route {
        bhttp::verb method;
        std::string pattern;  // as written, less the ":secret" marks
        std::string name;
        Handler handler;
        Execution execution = Execution::worker_pool;
        std::vector<bool> secret;  // per segment of the pattern: a secret parameter
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
    std::vector<Route> routes_;
};

}  // namespace authd::http
