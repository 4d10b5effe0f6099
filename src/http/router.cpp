#include "http/router.h"

#include <boost/beast/core/string.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "util/text.h"

namespace authd::http {
namespace {

bool is_parameter(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

constexpr std::string_view kSecretMark = ":secret}";
constexpr std::string_view kRedacted = "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS

bool is_secret_parameter(std::string_view segment) {
    return is_parameter(segment) && segment.ends_with(kSecretMark);
}

// Splits an absolute path into its segments, accepting one optional trailing slash. Returns
// false for anything else that is not a clean path ("//", "/a//b", a relative path).
bool split_path(std::string_view path, std::vector<std::string_view>& segments) {
    segments.clear();
    if (path.empty() || path.front() != '/') return false;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.empty()) return true;  // the root
    while (true) {
        const auto slash = path.find('/');
        const auto segment = path.substr(0, slash);
        if (segment.empty()) return false;
        segments.push_back(segment);
        if (slash == std::string_view::npos) return true;
        path.remove_prefix(slash + 1);
    }
}

bool percent_decode(std::string_view encoded, std::string& out) {
    auto checked = boost::urls::make_pct_string_view(encoded);
    if (!checked) return false;
    out = checked->decode();
    return true;
}

// Whether a path segment, percent-decoded, is `literal` ignoring case.
bool loosely_equal(std::string_view segment, std::string_view literal) {
    std::string decoded;
    if (!percent_decode(segment, decoded)) decoded = segment;
    return boost::beast::iequals(decoded, literal);
}

// Whether two patterns name the same resource: parameter names do not make them different
// ("/users/{id}" and "/users/{name}" are one).
bool same_resource(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const std::string& x, const std::string& y) {
                          return is_parameter(x) ? is_parameter(y) : x == y;
                      });
}

// A pattern has at most this many segments, so that which of them are literals fits in one
// number (a path with more matches no route).
constexpr std::size_t kMaxSegments = 64;

// Whether `pattern` matches `path`; on success `literals` has a bit for each literal segment,
// the first segment's the highest, so that the most specific pattern (literal segments
// winning from left to right) has the largest number.
bool pattern_matches(const std::vector<std::string>& pattern,
                     const std::vector<std::string_view>& path, std::uint64_t& literals) {
    if (pattern.size() != path.size()) return false;
    literals = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        literals <<= 1;
        if (is_parameter(pattern[i])) continue;
        if (pattern[i] != path[i]) return false;
        literals |= 1;
    }
    return true;
}

std::string_view method_name(bhttp::verb method) {
    return bhttp::to_string(method);
}

}  // namespace

void Router::authenticate_with(std::shared_ptr<const Authenticator> authenticator) {
    authenticator_ = std::move(authenticator);
}

std::shared_ptr<const Authenticator> Router::authenticator_for(Access access,
                                                               std::string_view pattern) const {
    if (access == Access::anyone) return nullptr;
    if (!authenticator_)
        throw std::invalid_argument("route \"" + std::string(pattern) +
                                    "\" needs a caller but the router has no authenticator");
    return authenticator_;
}

void Router::add_route(bhttp::verb method, std::string pattern, std::string name, Access access,
                       Execution execution, Handler handler) {
    std::vector<std::string_view> segments;
    if (!split_path(pattern, segments) || segments.size() > kMaxSegments)
        throw std::invalid_argument("invalid route pattern \"" + pattern + "\"");
    if (method == bhttp::verb::options)
        throw std::invalid_argument("OPTIONS is answered by the server, not by a route (\"" +
                                    pattern + "\")");
    // "{token:secret}" is "{token}" to everything but the log.
    std::vector<bool> secret;
    std::vector<std::string> plain_segments;
    std::string plain;
    for (const std::string_view segment : segments) {
        secret.push_back(is_secret_parameter(segment));
        plain_segments.push_back(secret.back()
                                     ? std::string(segment.substr(0, segment.find(':'))) + "}"
                                     : std::string(segment));
        plain += '/' + plain_segments.back();
    }
    if (pattern.back() == '/') plain += '/';
    Route route{method,    std::move(plain),  std::move(name),          access, std::move(handler),
                execution, std::move(secret), std::move(plain_segments)};
    const auto same = std::find_if(routes_.begin(), routes_.end(), [&route](const Route& other) {
        return same_resource(other.segments, route.segments);
    });
    route.resource = same != routes_.end() ? same->resource : resources_++;
    routes_.push_back(std::move(route));
}

std::string Router::loggable_path(std::string_view path) const {
    // The non-empty segments of the path, and where each one starts.
    std::vector<std::string_view> segments;
    for (std::size_t start = 0; start <= path.size();) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        if (slash > start) segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    std::vector<bool> hidden(segments.size(), false);
    for (const Route& route : routes_) {
        const auto last_secret = std::find(route.secret.rbegin(), route.secret.rend(), true);
        if (last_secret == route.secret.rend()) continue;
        // Only the pattern's segments up to its last secret need to be there.
        const std::size_t needed = static_cast<std::size_t>(route.secret.rend() - last_secret);
        const std::vector<std::string>& pattern = route.segments;
        for (std::size_t offset = 0; offset + needed <= segments.size(); ++offset) {
            bool matches = true;
            for (std::size_t i = 0; i < needed && matches; ++i)
                matches =
                    is_parameter(pattern[i]) || loosely_equal(segments[offset + i], pattern[i]);
            if (!matches) continue;
            for (std::size_t i = 0; i < needed; ++i)
                if (route.secret[i]) hidden[offset + i] = true;
        }
    }
    if (std::find(hidden.begin(), hidden.end(), true) == hidden.end()) return std::string(path);
    std::string out;
    out.reserve(path.size());
    std::size_t copied = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!hidden[i]) continue;
        const auto begin = static_cast<std::size_t>(segments[i].data() - path.data());
        out.append(path.substr(copied, begin - copied));
        out.append(kRedacted);
        copied = begin + segments[i].size();
    }
    out.append(path.substr(copied));
    return out;
}

Router::Match Router::match(bhttp::verb method, std::string_view path) const {
    Match result;
    std::vector<std::string_view> path_segments;
    path_segments.reserve(8);
    if (!split_path(path, path_segments)) return result;

    // Like Django's URL resolver, the path picks the resource first (the most specific
    // pattern, literal segments winning from left to right) and the method is checked second:
    // DELETE on "/sessions" is a 405, not a call of the "/{username}" route.
    const Route* best = nullptr;
    std::uint64_t best_literals = 0;
    for (const auto& route : routes_) {
        std::uint64_t literals = 0;
        if (!pattern_matches(route.segments, path_segments, literals)) continue;
        if (!best || literals > best_literals) {
            best = &route;
            best_literals = literals;
        }
    }
    if (!best) return result;

    const Route* exact = nullptr;
    const Route* get_for_head = nullptr;
    for (const auto& route : routes_) {
        if (route.resource != best->resource) continue;
        if (route.method == method && !exact) exact = &route;
        if (route.method == bhttp::verb::get && !get_for_head) get_for_head = &route;
    }
    const Route* chosen = exact;
    if (!chosen && method == bhttp::verb::head) chosen = get_for_head;
    if (!chosen) {
        result.outcome = Outcome::method_not_allowed;
        std::vector<std::string> allowed;
        auto allow_method = [&allowed](std::string_view name) {
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                allowed.emplace_back(name);
        };
        for (const auto& route : routes_) {
            if (route.resource != best->resource) continue;
            allow_method(method_name(route.method));
            if (route.method == bhttp::verb::get) allow_method(method_name(bhttp::verb::head));
        }
        // The server answers OPTIONS (plain or CORS preflight) on every path that exists.
        allow_method(method_name(bhttp::verb::options));
        result.allow = text::join(allowed, ", ");
        return result;
    }

    const std::vector<std::string>& pattern = chosen->segments;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (!is_parameter(pattern[i])) continue;
        std::string decoded;
        // A malformed escape cannot name any resource.
        if (!percent_decode(path_segments[i], decoded)) return Match{};
        result.params.emplace_back(pattern[i].substr(1, pattern[i].size() - 2), std::move(decoded));
    }
    result.outcome = Outcome::found;
    result.route = chosen;
    return result;
}

}  // namespace authd::http
