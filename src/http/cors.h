#pragma once
// Cross-origin resource sharing: which browser origins (AUTH_CORS_ORIGINS) may read the answers,
// and the headers that tell the browser so. Bearer tokens travel in `Authorization`, never in
// cookies, so credentials are never allowed (`Access-Control-Allow-Credentials` is never sent).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/types.h"

namespace authd::http {

// The headers a page may send (API.md: the front end sends `lang` on every request; a page may
// send its own X-Request-Id, which the answer carries back) and read.
inline constexpr std::string_view cors_allowed_headers =
    "Authorization, Content-Type, lang, X-Request-Id";
inline constexpr std::string_view cors_exposed_headers =
    "Retry-After, X-Request-Id, WWW-Authenticate";
// Seconds a browser may reuse a preflight answer.
inline constexpr int cors_max_age = 600;

// "scheme://host[:port]" in the form browsers send in `Origin`: scheme and host lower-cased,
// the scheme's default port left out. nullopt unless the scheme is http or https and there is
// a host and nothing else (no user, no path, not even "/", no query, no fragment).
std::optional<std::string> normalize_origin(std::string_view text);

class CorsPolicy {
  public:
    // CORS off: no CORS header on any answer.
    CorsPolicy() = default;
    // Each entry an origin as normalize_origin() takes it, or the single entry "*" (any
    // origin). Empty list: off. Throws std::invalid_argument naming the first bad entry.
    explicit CorsPolicy(const std::vector<std::string>& origins);

    bool enabled() const { return any_ || !origins_.empty(); }
    bool any_origin() const { return any_; }
    // The configured origins, normalized ({"*"} for any).
    std::vector<std::string> origins() const;

    // Whether a page of `origin` (the `Origin` header, "" when absent) may read the answers.
    // Compared exactly: browsers send the normalized form.
    bool allows(std::string_view origin) const;

    // For an answer to a request that is not a preflight: `Vary: Origin` whenever CORS is on
    // (the answer depends on it, and shared caches must know), and for an allowed origin
    // `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers`.
    void add_headers(Response& response, std::string_view origin) const;

    // The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method) on a
    // path whose methods are `methods` ("POST, OPTIONS"): 204 with the Access-Control-Allow-*
    // headers for an allowed origin, else 403 {"code": "cors_forbidden"} without them.
    // A refusal's detail is in `language`.
    Response preflight(std::string_view origin, std::string_view methods,
                       i18n::Language language = i18n::Language::en) const;

  private:
    bool any_ = false;
    std::vector<std::string> origins_;
};

}  // namespace authd::http
