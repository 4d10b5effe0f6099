#pragma once
// The languages authd speaks, and how a request's language is chosen.
#include <array>
#include <optional>
#include <string_view>

namespace authd::i18n {

// Adding one: a value here, its code in language.cpp, its plural rule in catalog.cpp, and
// resources/i18n/<code>.json (docs/DEVELOPING.md, "Languages").
enum class Language { en, fr, es };

inline constexpr std::array all_languages = {Language::en, Language::fr, Language::es};

// "en", "fr", "es": the values of a user's `lang` and of the `lang` header.
std::string_view code(Language language);

// The language a stored or submitted code names exactly ("en", "fr", "es"), or nullopt.
std::optional<Language> from_code(std::string_view code);
// A user's stored `lang` as a language; English for anything else (e-mails, pages).
inline Language from_code_or_english(std::string_view code) {
    return from_code(code).value_or(Language::en);
}

// The language of a BCP 47 tag by its primary subtag, in any case: "fr", "FR", "fr-CA",
// "es_419" → fr, fr, fr, es; nullopt for a language authd does not speak ("de", "*", "").
std::optional<Language> from_tag(std::string_view tag);

// The preferred supported language of an Accept-Language value (RFC 9110 section 12.5.4):
// the highest q-value wins, the earlier entry on a tie; q=0 means "not this one". Entries
// that are malformed or name unsupported languages are skipped. nullopt when none is left.
std::optional<Language> from_accept_language(std::string_view header);

// The language of one request: the `lang` header (what the front end sends), else
// Accept-Language, else the authenticated user's language when known, else English.
Language choose(std::string_view lang_header, std::string_view accept_language,
                std::optional<Language> user_language);

}  // namespace authd::i18n
