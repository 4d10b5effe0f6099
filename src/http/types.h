#pragma once
#include <boost/beast/http.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "i18n/language.h"
#include "util/utf8.h"

namespace authd::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// A request's User-Agent as authd keeps it (sessions, tickets, the audit log): valid UTF-8,
// ill-formed bytes replaced by U+FFFD, at most this many bytes, cut between characters.
inline constexpr std::size_t kMaxUserAgentBytes = 256;
inline std::string clean_user_agent(std::string_view header) {
    return utf8::cleaned(header, kMaxUserAgentBytes);
}

// What a route requires of its caller (Router::add). The router has it proved before the
// handler runs; http/ only names the kinds, the Authenticator (http/router.h) that api/ installs
// knows what proves each.
enum class Access {
    anyone,
    user,           // a live session's access token (`Authorization: Bearer`)
    account_owner,  // a user's access token, the user being the path's {username}
    service,        // a service token
    metrics_token,  // AUTH_METRICS_TOKEN, when one is configured
};

// Who is asking, as the route's access check proved it: empty on routes open to anyone.
struct Principal {
    Access access = Access::anyone;
    std::string_view user_id;  // a user's token: the user and the session
    std::string_view username;
    std::string_view session_id;
    std::string_view service_name;  // a service's token
    // The Authenticator's own record of the caller (for a user, the domain's user and session,
    // which handlers hand back to the domain); the views above point into it.
    std::shared_ptr<const void> record;
};

// What a handler sees of one request.
struct RequestContext {
    const Request& request;
    std::string_view path;                                    // the target without its query string
    std::vector<std::pair<std::string, std::string>> params;  // path parameters, decoded
    std::string client_ip;  // the peer, or the forwarded client when the peer is trusted
    std::string request_id;
    // The authenticated user's language, once the access check knows who is asking: answers
    // use it when the request names no language (http/language.h).
    std::optional<i18n::Language> user_language;
    Principal principal;  // set before the handler runs (Router::add)

    // The path parameter `name` ("" when absent).
    std::string_view param(std::string_view name) const {
        for (const auto& [key, value] : params)
            if (key == name) return value;
        return {};
    }
    // A request header ("" when absent).
    std::string_view header(std::string_view name) const {
        auto it = request.find(name);
        return it == request.end() ? std::string_view{} : std::string_view(it->value());
    }
    // The User-Agent as authd may keep and show it: valid UTF-8, cut between characters.
    std::string user_agent() const { return clean_user_agent(header("User-Agent")); }
};

// Handlers run on the worker pool, may block (database, password pool) and throw the typed
// errors of util/errors.h; the server turns those into answers.
using Handler = std::function<Response(RequestContext&)>;

}  // namespace authd::http
