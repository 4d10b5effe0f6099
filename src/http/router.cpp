#include "http/router.h"

#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <stdexcept>

namespace authd::http {
namespace {

bool is_parameter(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
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

// The pattern's segments reduced to their shape: parameter names do not make two patterns
// different ("/users/{id}" and "/users/{name}" are the same resource).
std::vector<std::string_view> pattern_shape(const std::vector<std::string_view>& segments) {
    std::vector<std::string_view> shape;
    shape.reserve(segments.size());
    for (auto segment : segments)
        shape.push_back(is_parameter(segment) ? "{}" : segment);
    return shape;
}

// Whether `pattern` matches `path`; on success `literal_mask` tells which segments were
// literals, so the most specific pattern can win.
bool pattern_matches(const std::vector<std::string_view>& pattern,
                     const std::vector<std::string_view>& path, std::vector<bool>& literal_mask) {
    if (pattern.size() != path.size()) return false;
    literal_mask.assign(pattern.size(), false);
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (is_parameter(pattern[i])) continue;
        if (pattern[i] != path[i]) return false;
        literal_mask[i] = true;
    }
    return true;
}

std::string_view method_name(bhttp::verb method) {
    return bhttp::to_string(method);
}

}  // namespace

void Router::add(bhttp::verb method, std::string pattern, std::string name, Handler handler,
                 Execution execution) {
    std::vector<std::string_view> segments;
    if (!split_path(pattern, segments))
        throw std::invalid_argument("invalid route pattern \"" + pattern + "\"");
    if (method == bhttp::verb::options)
        throw std::invalid_argument("OPTIONS is answered by the server, not by a route (\"" +
                                    pattern + "\")");
    routes_.push_back({method, std::move(pattern), std::move(name), std::move(handler), execution});
}

Router::Match Router::match(bhttp::verb method, std::string_view path) const {
    Match result;
    std::vector<std::string_view> path_segments;
    if (!split_path(path, path_segments)) return result;

    // Like Django's URL resolver, the path picks the resource first (the most specific
    // pattern, literal segments winning from left to right) and the method is checked second:
    // DELETE on "/sessions" is a 405, not a call of the "/{username}" route.
    std::vector<bool> best_mask;
    std::vector<std::string_view> best_shape;
    bool any_match = false;
    std::vector<std::string_view> pattern_segments;
    std::vector<bool> mask;
    for (const auto& route : routes_) {
        split_path(route.pattern, pattern_segments);
        if (!pattern_matches(pattern_segments, path_segments, mask)) continue;
        if (!any_match || mask > best_mask) {
            best_mask = mask;
            best_shape = pattern_shape(pattern_segments);
            any_match = true;
        }
    }
    if (!any_match) return result;

    const Route* exact = nullptr;
    const Route* get_for_head = nullptr;
    std::vector<std::string_view> allowed;
    auto allow_method = [&allowed](std::string_view name) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            allowed.push_back(name);
    };
    for (const auto& route : routes_) {
        split_path(route.pattern, pattern_segments);
        if (pattern_shape(pattern_segments) != best_shape) continue;
        allow_method(method_name(route.method));
        if (route.method == bhttp::verb::get) allow_method(method_name(bhttp::verb::head));
        if (route.method == method && !exact) exact = &route;
        if (route.method == bhttp::verb::get && !get_for_head) get_for_head = &route;
    }

    // The server answers OPTIONS (plain or CORS preflight) on every path that exists.
    allow_method(method_name(bhttp::verb::options));

    const Route* chosen = exact;
    if (!chosen && method == bhttp::verb::head) chosen = get_for_head;
    if (!chosen) {
        result.outcome = Outcome::method_not_allowed;
        for (std::size_t i = 0; i < allowed.size(); ++i) {
            if (i > 0) result.allow += ", ";
            result.allow += allowed[i];
        }
        return result;
    }

    split_path(chosen->pattern, pattern_segments);
    for (std::size_t i = 0; i < pattern_segments.size(); ++i) {
        if (!is_parameter(pattern_segments[i])) continue;
        std::string decoded;
        // A malformed escape cannot name any resource.
        if (!percent_decode(path_segments[i], decoded)) return Match{};
        auto name = pattern_segments[i].substr(1, pattern_segments[i].size() - 2);
        result.params.emplace_back(std::string(name), std::move(decoded));
    }
    result.outcome = Outcome::found;
    result.route = chosen;
    return result;
}

}  // namespace authd::http
