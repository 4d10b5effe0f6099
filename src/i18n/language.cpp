#include "i18n/language.h"
#include "util/text.h"

#include <cstddef>

namespace authd::i18n {
namespace {

using text::ascii_lower;
using text::trim_blanks;

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths; -1 if malformed.
int parse_qvalue(std::string_view text) {
    if (text.empty() || (text[0] != '0' && text[0] != '1')) return -1;
    const int whole = text[0] - '0';
    if (text.size() == 1) return whole * 1000;
    if (text[1] != '.' || text.size() > 5) return -1;
    int thousandths = 0;
    int scale = 100;
    for (std::size_t i = 2; i < text.size(); ++i, scale /= 10) {
        if (text[i] < '0' || text[i] > '9') return -1;
        thousandths += (text[i] - '0') * scale;
    }
    if (whole == 1 && thousandths != 0) return -1;
    return whole * 1000 + thousandths;
}

// The q-value of one Accept-Language entry's parameters ("q=0.8"), 1000 when absent; -1 when
// a parameter is malformed.
int quality_of(std::string_view parameters) {
    int quality = 1000;
    while (!parameters.empty()) {
        const std::size_t semicolon = parameters.find(';');
        const std::string_view parameter = trim_blanks(parameters.substr(0, semicolon));
        parameters = semicolon == std::string_view::npos ? std::string_view{}
                                                         : parameters.substr(semicolon + 1);
        if (parameter.empty()) continue;
        const std::size_t equals = parameter.find('=');
        if (equals == std::string_view::npos) return -1;
        const std::string_view name = trim_blanks(parameter.substr(0, equals));
        if (name.size() == 1 && ascii_lower(name[0]) == 'q') {
            quality = parse_qvalue(trim_blanks(parameter.substr(equals + 1)));
            if (quality < 0) return -1;
        }
    }
    return quality;
}

}  // namespace

std::string_view code(Language language) {
    switch (language) {
        case Language::en:
            return "en";
        case Language::fr:
            return "fr";
        case Language::es:
            return "es";
    }
    return "en";
}

std::optional<Language> from_code(std::string_view text) {
    for (Language language : all_languages)
        if (code(language) == text) return language;
    return std::nullopt;
}

std::optional<Language> from_tag(std::string_view tag) {
    tag = trim_blanks(tag);
    const std::string_view primary = tag.substr(0, tag.find_first_of("-_"));
    if (primary.size() != 2) return std::nullopt;
    const char lowered[2] = {ascii_lower(primary[0]), ascii_lower(primary[1])};
    return from_code(std::string_view(lowered, 2));
}

std::optional<Language> from_accept_language(std::string_view header) {
    std::optional<Language> best;
    int best_quality = 0;  // a q=0 entry is never chosen
    while (!header.empty()) {
        const std::size_t comma = header.find(',');
        const std::string_view entry = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        const std::size_t semicolon = entry.find(';');
        const auto language = from_tag(entry.substr(0, semicolon));
        if (!language) continue;
        const int quality =
            semicolon == std::string_view::npos ? 1000 : quality_of(entry.substr(semicolon + 1));
        if (quality > best_quality) {
            best = language;
            best_quality = quality;
        }
    }
    return best;
}

Language choose(std::string_view lang_header, std::string_view accept_language,
                std::optional<Language> user_language) {
    if (auto language = from_tag(lang_header)) return *language;
    if (auto language = from_accept_language(accept_language)) return *language;
    return user_language.value_or(Language::en);
}

}  // namespace authd::i18n
