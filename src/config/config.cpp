#include "config/config.h"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include "util/text.h"

namespace authd::config {

void fail(std::string_view variable, const std::string& reason) {
    throw ConfigError(std::string(variable) + ": " + reason);
}

Getenv process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    };
}

std::optional<std::string> Environment::value(const std::string& variable) const {
    auto value = getenv_(variable);
    if (value && value->empty()) return std::nullopt;  // empty means "default"
    return value;
}

std::int64_t parse_seconds(const std::string& text, std::int64_t min) {
    const auto seconds = parse_duration(text);
    if (!seconds)
        throw std::invalid_argument(
            "expected a duration such as 900, 900s, 15m, 12h or 1d, got \"" + text + "\"");
    if (*seconds < min)
        throw std::invalid_argument("must be at least " + std::to_string(min) + " seconds");
    return *seconds;
}

std::vector<std::string> parse_list(const std::string& text) {
    std::vector<std::string> entries;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        std::string entry(text::trim_blanks(std::string_view(text).substr(start, comma - start)));
        if (!entry.empty()) entries.push_back(std::move(entry));
        if (comma == std::string::npos) return entries;
        start = comma + 1;
    }
}

void check_url(const std::string& url, std::initializer_list<std::string_view> schemes) {
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (parsed && std::find(schemes.begin(), schemes.end(), parsed->scheme()) != schemes.end())
        return;
    std::string list;
    for (auto scheme : schemes)
        list += (list.empty() ? "" : ", ") + std::string(scheme);
    throw std::invalid_argument("expected a URL with scheme " + list + ", got \"" +
                                mask_url_password(url) + "\"");
}

unsigned cores() {
    return std::max(1u, std::thread::hardware_concurrency());
}

std::string markdown_heading(std::string_view title) {
    return "### " + std::string(title) + "\n\n| variable | default | meaning |\n|---|---|---|\n";
}

std::string markdown_row(std::string_view name, const Default& default_value,
                         std::string_view meaning) {
    const std::string shown = default_value.literal ? "`" + std::string(default_value.text) + "`"
                                                    : std::string(default_value.text);
    return "| `" + std::string(name) + "` | " + shown + " | " + std::string(meaning) + " |\n";
}

std::optional<std::int64_t> parse_duration(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::int64_t multiplier = 1;
    std::string digits = text;
    switch (text.back()) {
        case 's':
            multiplier = 1;
            digits.pop_back();
            break;
        case 'm':
            multiplier = 60;
            digits.pop_back();
            break;
        case 'h':
            multiplier = 3600;
            digits.pop_back();
            break;
        case 'd':
            multiplier = 86400;
            digits.pop_back();
            break;
        default:
            break;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
        value < 0 || value > 100LL * 365 * 86400 / multiplier)
        return std::nullopt;
    return value * multiplier;
}

namespace {

using Range = std::pair<std::size_t, std::size_t>;  // [begin, end) of text to hide

// The password of `scheme://user:password@host`. The last '@' of the whole text ends it: a
// password typed without percent-encoding may hold '/', '?', '#' or '@'.
std::optional<Range> userinfo_password(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const auto authority_start = scheme_end + 3;
    const auto at = url.rfind('@');
    if (at == std::string_view::npos || at < authority_start) return std::nullopt;
    const auto colon = url.find(':', authority_start);
    if (colon == std::string_view::npos || colon > at) return std::nullopt;
    return Range{colon + 1, at};
}

// libpq percent-decodes parameter names too: "p%61ssword" is "password".
bool is_credential_parameter(std::string_view encoded_name) {
    const auto decoded = boost::urls::make_pct_string_view(encoded_name);
    const std::string name =
        text::ascii_lower(decoded ? decoded->decode() : std::string(encoded_name));
    return name == "password" || name == "sslpassword" || name == "passfile";
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The values of credential parameters: `?name=value` and `&name=value` in a query, and the
// `name=value` (or `name = 'quoted value'`) words of a libpq key=value string.
std::vector<Range> credential_parameters(std::string_view text) {
    std::vector<Range> ranges;
    for (std::size_t start = 0; start < text.size(); ++start) {
        const bool parameter_start = start == 0 || text[start - 1] == '?' ||
                                     text[start - 1] == '&' || text[start - 1] == ';' ||
                                     is_space(text[start - 1]);
        if (!parameter_start) continue;
        const std::size_t equals = text.find('=', start);
        if (equals == std::string_view::npos) break;
        std::size_t name_end = equals;
        while (name_end > start && is_space(text[name_end - 1]))
            --name_end;
        const std::string_view name = text.substr(start, name_end - start);
        if (name.empty() || name.find_first_of("?&;/ \t") != std::string_view::npos ||
            !is_credential_parameter(name))
            continue;
        std::size_t begin = equals + 1;
        while (begin < text.size() && is_space(text[begin]))
            ++begin;
        std::size_t end = begin;
        if (begin < text.size() && text[begin] == '\'') {
            // A quoted value ends at its closing quote (\' escapes one).
            for (end = begin + 1; end < text.size() && text[end] != '\''; ++end)
                if (text[end] == '\\') ++end;
            end = std::min(end + 1, text.size());
        } else {
            while (end < text.size() && text[end] != '&' && text[end] != '#' &&
                   !is_space(text[end]))
                ++end;
        }
        ranges.emplace_back(begin, end);
    }
    return ranges;
}

}  // namespace

std::string mask_url_password(const std::string& url) {
    std::vector<Range> ranges = credential_parameters(url);
    if (const auto password = userinfo_password(url)) ranges.push_back(*password);
    std::sort(ranges.begin(), ranges.end());
    std::vector<Range> hidden;  // the same, overlaps merged
    for (const Range& range : ranges) {
        if (!hidden.empty() && range.first <= hidden.back().second)
            hidden.back().second = std::max(hidden.back().second, range.second);
        else
            hidden.push_back(range);
    }
    std::string out;
    std::size_t copied = 0;
    for (const auto& [begin, end] : hidden) {
        out.append(url, copied, begin - copied);
        out += "***";
        copied = end;
    }
    out.append(url, copied);
    return out;
}

}  // namespace authd::config
