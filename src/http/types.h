#pragma once
#include <boost/beast/http.hpp>

#include <functional>
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

// What a handler sees of one request.
struct RequestContext {
    const Request& request;
    std::string_view path;                                    // the target without its query string
    std::vector<std::pair<std::string, std::string>> params;  // path parameters, decoded
    std::string client_ip;  // the peer, or the forwarded client when the peer is trusted
    std::string request_id;
    // The authenticated user's language, once a handler knows who is asking: answers use it
    // when the request names no language (http/language.h).
    std::optional<i18n::Language> user_language;

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
