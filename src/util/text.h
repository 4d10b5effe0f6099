#pragma once
// The small string helpers, in one place. Protocol text (header values, media types, schemes,
// names) is compared as ASCII, never through the C locale, and non-ASCII bytes pass unchanged.
// Header-only and including nothing of authd, so that every folder may use it (i18n too, which
// sits below the rest of util/).
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace authd::text {

// HTTP's optional whitespace (RFC 9110 §5.6.3) and MIME's WSP: space and tab.
inline constexpr std::string_view kBlanks = " \t";
// C's isspace in the "C" locale: space, \t, \n, \v, \f, \r.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

// `value` without the leading and trailing characters found in `characters`.
constexpr std::string_view trim(std::string_view value,
                                std::string_view characters = kAsciiWhitespace) {
    const auto first = value.find_first_not_of(characters);
    if (first == std::string_view::npos) return {};
    return value.substr(first, value.find_last_not_of(characters) - first + 1);
}
constexpr std::string_view trim_blanks(std::string_view value) {
    return trim(value, kBlanks);
}

constexpr bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_ascii_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
constexpr bool is_ascii_alpha(char c) {
    return is_ascii_upper(c) || (c >= 'a' && c <= 'z');
}
constexpr bool is_ascii_alnum(char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c);
}

constexpr char ascii_lower(char c) {
    return is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
inline std::string ascii_lower(std::string_view value) {
    std::string lowered(value);
    for (char& c : lowered)
        c = ascii_lower(c);
    return lowered;
}
// Equal when lower-cased as ASCII.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

// The pieces of `value` between `separator`s, empty ones left out ("a,,b" gives "a" and "b").
inline std::vector<std::string_view> split(std::string_view value, char separator) {
    std::vector<std::string_view> pieces;
    while (!value.empty()) {
        const std::size_t end = std::min(value.find(separator), value.size());
        if (end > 0) pieces.push_back(value.substr(0, end));
        value.remove_prefix(std::min(end + 1, value.size()));
    }
    return pieces;
}

// `pieces` with `separator` between them ("a", "b" and "," give "a,b").
inline std::string join(const std::vector<std::string>& pieces, std::string_view separator) {
    std::string joined;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) joined += separator;
        joined += pieces[i];
    }
    return joined;
}

// Text made safe inside HTML element content and quoted attribute values.
inline std::string html_escape(std::string_view value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '&':
                escaped += "&amp;";
                break;
            case '<':
                escaped += "&lt;";
                break;
            case '>':
                escaped += "&gt;";
                break;
            case '"':
                escaped += "&quot;";
                break;
            case '\'':
                escaped += "&#39;";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

}  // namespace authd::text
