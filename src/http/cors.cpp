#include "http/cors.h"

#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "http/responses.h"
#include "util/text.h"

namespace authd::http {
namespace {

// A DNS name or an IPv4 address: dot-separated non-empty labels of letters, digits and '-'.
// Percent-escapes and other characters are refused: browsers send IDNs as punycode.
bool valid_name(std::string_view host) {
    if (host.empty() || host.front() == '.' || host.back() == '.') return false;
    char previous = '.';
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok || (c == '.' && previous == '.')) return false;
        previous = c;
    }
    return true;
}

bool valid_ipv6_literal(std::string_view bracketed) {
    if (bracketed.size() < 3 || bracketed.front() != '[' || bracketed.back() != ']') return false;
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(bracketed.substr(1, bracketed.size() - 2)), ec);
    return !ec;
}

// Adds `token` to the answer's Vary list unless it is there already.
void add_vary(Response& response, std::string_view token) {
    auto it = response.find(bhttp::field::vary);
    if (it == response.end()) {
        response.set(bhttp::field::vary, token);
        return;
    }
    const std::string current = text::ascii_lower(it->value());
    const std::string wanted = text::ascii_lower(token);
    std::size_t start = 0;
    while (start <= current.size()) {
        auto end = current.find(',', start);
        if (end == std::string::npos) end = current.size();
        auto item = std::string_view(current).substr(start, end - start);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        if (item == wanted || item == "*") return;
        start = end + 1;
    }
    response.set(bhttp::field::vary, std::string(it->value()) + ", " + std::string(token));
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view text) {
    const auto separator = text.find("://");
    if (separator == std::string_view::npos) return std::nullopt;
    const std::string scheme = text::ascii_lower(text.substr(0, separator));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    std::string_view authority = text.substr(separator + 3);

    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(0, close + 1);
        auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
        if (!valid_ipv6_literal(host)) return std::nullopt;
    } else {
        const auto colon = authority.rfind(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        // Also refuses "/path", "?query", "#fragment" and "user@": none is a name character.
        if (!valid_name(host)) return std::nullopt;
    }

    std::string origin = scheme + "://" + text::ascii_lower(host);
    if (!port.empty()) {
        unsigned number = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (error != std::errc{} || end != port.data() + port.size() || number == 0 ||
            number > 65535)
            return std::nullopt;
        // Browsers leave the default port out of `Origin`.
        const bool default_port =
            (scheme == "http" && number == 80) || (scheme == "https" && number == 443);
        if (!default_port) origin += ":" + std::to_string(number);
    }
    return origin;
}

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
    for (const auto& entry : origins) {
        if (entry == "*") {
            if (origins.size() != 1)
                throw std::invalid_argument(
                    "\"*\" (any origin) must be the only entry, not mixed with origins");
            any_ = true;
            return;
        }
        auto origin = normalize_origin(entry);
        if (!origin)
            throw std::invalid_argument(
                "\"" + entry +
                "\" is not an origin: expected http(s)://host[:port] with no path, not even a "
                "trailing slash");
        if (std::find(origins_.begin(), origins_.end(), *origin) == origins_.end())
            origins_.push_back(std::move(*origin));
    }
}

std::vector<std::string> CorsPolicy::origins() const {
    if (any_) return {"*"};
    return origins_;
}

bool CorsPolicy::allows(std::string_view origin) const {
    if (origin.empty()) return false;
    if (any_) return true;
    return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::add_headers(Response& response, std::string_view origin) const {
    if (!enabled()) return;
    add_vary(response, "Origin");
    if (!allows(origin)) return;
    response.set(bhttp::field::access_control_allow_origin, any_ ? std::string_view("*") : origin);
    response.set(bhttp::field::access_control_expose_headers, cors_exposed_headers);
}

Response CorsPolicy::preflight(std::string_view origin, std::string_view methods,
                               i18n::Language language) const {
    if (!allows(origin)) {
        auto refused = error_response(
            Error(ErrorKind::forbidden, "cors_forbidden", i18n::keys::cors_forbidden), language);
        if (enabled()) add_vary(refused, "Origin");
        return refused;
    }
    Response response = no_content_response();
    response.set(bhttp::field::access_control_allow_origin, any_ ? std::string_view("*") : origin);
    response.set(bhttp::field::access_control_allow_methods, methods);
    response.set(bhttp::field::access_control_allow_headers, cors_allowed_headers);
    response.set(bhttp::field::access_control_max_age, std::to_string(cors_max_age));
    add_vary(response, "Origin");
    return response;
}

}  // namespace authd::http
