#pragma once
// Messages in words: the catalogues resources/i18n/<code>.json, compiled into the binary.
//
// A catalogue is one flat JSON object, key → text. A text names its arguments as {name}. A
// message that depends on a number is an object of plural forms, {"one": ..., "other": ...},
// chosen by the argument "count" with the language's rule (English and Spanish: one for 1;
// French: one for 0 and 1).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/language.h"
#include "i18n/message.h"

namespace authd::i18n {

// The message in `language`. A key missing there falls back to English, then to the key itself
// (the unit test keeps both from happening).
std::string translate(Language language, const Message& message);
inline std::string english(const Message& message) {
    return translate(Language::en, message);
}

// One entry of a catalogue: a text, or plural forms ("one", "other").
struct Entry {
    std::map<std::string, std::string> forms;  // {"": text} or {"one": ..., "other": ...}
    bool plural() const { return !forms.contains(""); }
};
using Catalogue = std::map<std::string, Entry, std::less<>>;

// The parsed catalogue of `language`. The embedded catalogues are parsed once, on first use;
// a malformed one throws std::runtime_error (main() loads them at start-up).
const Catalogue& catalogue(Language language);

// The placeholder names of a text, in order of appearance: "Hello {username}," → {"username"}.
std::vector<std::string> placeholders(std::string_view text);

// A length of time in words, in the largest whole unit: "24 hours", "1 hour", "15 minutes",
// "90 seconds" in English (the lifetime of a mailed link, in pages and e-mails).
std::string duration_text(Language language, std::int64_t seconds);

// The codes of the catalogues compiled in (one per resources/i18n/*.json).
std::vector<std::string_view> embedded_catalogue_codes();

}  // namespace authd::i18n
