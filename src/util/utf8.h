#pragma once
// UTF-8 as it is checked, repaired and cut everywhere: text that came from a request (a header,
// a stored user agent) leaves authd (JSON, e-mails, pages) as valid UTF-8, cut only between
// characters.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace authd::utf8 {

// Decodes the code point that starts at `pos` and advances `pos` past it; nullopt (and `pos`
// unchanged) for anything that is not well-formed UTF-8 (Unicode Table 3-7: no overlongs,
// surrogates or values past U+10FFFF, no truncated sequence).
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

bool is_valid(std::string_view text);

// `text` with each ill-formed sequence replaced by U+FFFD, one per maximal ill-formed subpart
// (as Unicode recommends, and as Python's errors="replace" and browsers do).
std::string repaired(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a
// character: cut there, valid UTF-8 stays valid.
std::string_view prefix(std::string_view text, std::size_t max_bytes);

// `text` repaired, then cut at a character boundary to at most `max_bytes` bytes: for a
// request's text (a user agent) kept or shown by authd.
std::string cleaned(std::string_view text, std::size_t max_bytes);

}  // namespace authd::utf8
