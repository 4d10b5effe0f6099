// libFuzzer target: the router (http/router.h) with the real route table (the patterns of
// src/api/*.cpp, extracted at build time by routes.cmake) and handlers that are never called.
//
// Input: the method on the first line (any token: unknown methods are routed too), then the
// request target; like the server, the path ends at the first '?' or '#'.
#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "http/router.h"

using namespace authd;
using http::bhttp::verb;

namespace {

struct RouteSpec {
    verb method;
    const char* pattern;
    const char* name;
};

namespace bhttp = http::bhttp;
const RouteSpec kRoutes[] = {
#include "fuzz_routes.inc"
};

// The names of the pattern's `{name}` segments, in order.
std::vector<std::string_view> parameter_names(std::string_view pattern) {
    std::vector<std::string_view> names;
    for (std::size_t open = pattern.find('{'); open != std::string_view::npos;
         open = pattern.find('{', open + 1)) {
        const std::size_t close = pattern.find('}', open);
        names.push_back(pattern.substr(open + 1, close - open - 1));
    }
    return names;
}

// The pattern as the router keeps it: a secret parameter's ":secret" mark (kept out of logs) is
// not part of it.
std::string without_secret_marks(std::string_view pattern) {
    std::string plain(pattern);
    for (std::size_t at = plain.find(":secret}"); at != std::string::npos;
         at = plain.find(":secret}", at))
        plain.erase(at, std::string_view(":secret").size());
    return plain;
}

const http::Router& router() {
    static const http::Router instance = [] {
        http::Router r;
        for (const RouteSpec& spec : kRoutes)
            // Access and bodies are the handlers' wrapping, not the matching under test.
            r.add(spec.method, spec.pattern, spec.name, http::Access::anyone, http::no_body,
                  http::Router::Execution::worker_pool,
                  [](http::RequestContext&) -> http::Response { std::abort(); });
        // Every pattern, its parameters filled in, reaches its own route.
        for (const RouteSpec& spec : kRoutes) {
            std::string path;
            std::string_view pattern = spec.pattern;
            while (!pattern.empty()) {
                const std::size_t open = pattern.find('{');
                path += pattern.substr(0, open);
                if (open == std::string_view::npos) break;
                path += "x";
                pattern.remove_prefix(pattern.find('}', open) + 1);
            }
            const auto match = r.match(spec.method, path);
            FUZZ_CHECK(match.outcome == http::Router::Outcome::found);
            FUZZ_CHECK(match.route->name == spec.name &&
                       match.route->pattern == without_secret_marks(spec.pattern));
        }
        return r;
    }();
    return instance;
}

void check_match(const http::Router::Match& match, verb method) {
    using Outcome = http::Router::Outcome;
    switch (match.outcome) {
        case Outcome::found: {
            FUZZ_CHECK(match.route != nullptr);
            FUZZ_CHECK(match.route->method == method ||
                       (method == verb::head && match.route->method == verb::get));
            const auto names = parameter_names(match.route->pattern);
            FUZZ_CHECK(match.params.size() == names.size());
            for (std::size_t i = 0; i < names.size(); ++i)
                FUZZ_CHECK(match.params[i].first == names[i]);
            FUZZ_CHECK(match.allow.empty());
            break;
        }
        case Outcome::method_not_allowed:
            FUZZ_CHECK(match.route == nullptr && match.params.empty());
            FUZZ_CHECK(match.allow.find("OPTIONS") != std::string::npos);
            break;
        case Outcome::not_found:
            FUZZ_CHECK(match.route == nullptr && match.params.empty() && match.allow.empty());
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)router();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    const std::string_view method_text = fuzz::take_until(input, '\n');
    const std::string_view path = input.substr(0, input.find_first_of("?#"));
    const verb method = bhttp::string_to_verb(method_text);
    const http::Router& r = router();

    const auto match = r.match(method, path);
    check_match(match, method);

    // The server answers OPTIONS on every path that a route answers.
    const auto options = r.match(verb::options, path);
    FUZZ_CHECK(options.outcome != http::Router::Outcome::found);
    if (match.outcome != http::Router::Outcome::not_found)
        FUZZ_CHECK(options.outcome == http::Router::Outcome::method_not_allowed);

    // A path matches with or without its trailing slash.
    if (!path.empty() && path.back() != '/') {
        const auto slashed = r.match(method, std::string(path) + "/");
        FUZZ_CHECK(slashed.outcome == match.outcome && slashed.route == match.route &&
                   slashed.params == match.params && slashed.allow == match.allow);
    }
    return 0;
}
