#include "i18n/catalog.h"

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <stdexcept>

#include "i18n/keys.h"

namespace authd::i18n {

namespace detail {
// Generated from resources/i18n/*.json by cmake/embed_i18n.cmake.
struct EmbeddedCatalogue {
    std::string_view code;
    std::string_view json;
};
extern const EmbeddedCatalogue kEmbeddedCatalogues[];
extern const std::size_t kEmbeddedCatalogueCount;
}  // namespace detail

namespace {

Entry parse_entry(std::string_view code, std::string_view key, const boost::json::value& value) {
    const auto fail = [&](std::string_view why) {
        throw std::runtime_error("catalogue " + std::string(code) + ", key " + std::string(key) +
                                 ": " + std::string(why));
    };
    Entry entry;
    if (value.is_string()) {
        entry.forms.emplace("", std::string(value.get_string()));
        return entry;
    }
    if (!value.is_object()) fail("a message is a string or an object of plural forms");
    for (const auto& form : value.get_object()) {
        const std::string_view name(form.key().data(), form.key().size());
        if (name != "one" && name != "other") fail("plural forms are \"one\" and \"other\"");
        if (!form.value().is_string()) fail("a plural form is a string");
        entry.forms.emplace(std::string(name), std::string(form.value().get_string()));
    }
    if (!entry.forms.contains("one") || !entry.forms.contains("other"))
        fail("plural forms need both \"one\" and \"other\"");
    return entry;
}

Catalogue parse_catalogue(std::string_view code, std::string_view json) {
    boost::json::error_code ec;
    const boost::json::value root = boost::json::parse(json, ec);
    if (ec || !root.is_object())
        throw std::runtime_error("catalogue " + std::string(code) + " is not a JSON object" +
                                 (ec ? ": " + ec.message() : std::string()));
    Catalogue catalogue;
    for (const auto& member : root.get_object()) {
        const std::string_view key(member.key().data(), member.key().size());
        catalogue.emplace(std::string(key), parse_entry(code, key, member.value()));
    }
    return catalogue;
}

using Catalogues = std::array<Catalogue, all_languages.size()>;

const Catalogues& loaded() {
    static const Catalogues catalogues = [] {
        Catalogues parsed;
        for (std::size_t i = 0; i < detail::kEmbeddedCatalogueCount; ++i) {
            const auto& embedded = detail::kEmbeddedCatalogues[i];
            if (auto language = from_code(embedded.code))
                parsed[static_cast<std::size_t>(*language)] =
                    parse_catalogue(embedded.code, embedded.json);
        }
        return parsed;
    }();
    return catalogues;
}

// CLDR's cardinal rules, reduced to the integers authd counts.
bool is_one(Language language, long long count) {
    switch (language) {
        case Language::fr:
            return count == 0 || count == 1;
        case Language::en:
        case Language::es:
            return count == 1;
    }
    return count == 1;
}

const std::string& form_of(Language language, const Entry& entry, const Message& message) {
    if (!entry.plural()) return entry.forms.at("");
    long long count = 0;
    bool counted = false;
    if (auto text = message.arg("count")) {
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), count);
        counted = ec == std::errc() && end == text->data() + text->size();
    }
    return entry.forms.at(counted && is_one(language, count) ? "one" : "other");
}

std::string fill(std::string_view text, const Message& message) {
    std::string out;
    out.reserve(text.size() + 32);
    std::size_t position = 0;
    while (position < text.size()) {
        const std::size_t open = text.find('{', position);
        const std::size_t close = open == std::string_view::npos ? open : text.find('}', open + 1);
        if (close == std::string_view::npos) break;
        out.append(text.substr(position, open - position));
        const auto value = message.arg(text.substr(open + 1, close - open - 1));
        if (value)
            out.append(*value);
        else
            out.append(text.substr(open, close - open + 1));  // left for a reader to notice
        position = close + 1;
    }
    out.append(text.substr(std::min(position, text.size())));
    return out;
}

}  // namespace

const Catalogue& catalogue(Language language) {
    return loaded()[static_cast<std::size_t>(language)];
}

std::string translate(Language language, const Message& message) {
    const std::string_view key = message.key().name();
    for (Language candidate : {language, Language::en}) {
        const Catalogue& entries = catalogue(candidate);
        if (auto it = entries.find(key); it != entries.end())
            return fill(form_of(candidate, it->second, message), message);
    }
    return std::string(key);
}

std::vector<std::string> placeholders(std::string_view text) {
    std::vector<std::string> names;
    std::size_t position = 0;
    while (true) {
        const std::size_t open = text.find('{', position);
        if (open == std::string_view::npos) break;
        const std::size_t close = text.find('}', open + 1);
        if (close == std::string_view::npos) break;
        names.emplace_back(text.substr(open + 1, close - open - 1));
        position = close + 1;
    }
    return names;
}

std::vector<std::string_view> embedded_catalogue_codes() {
    std::vector<std::string_view> codes;
    for (std::size_t i = 0; i < detail::kEmbeddedCatalogueCount; ++i)
        codes.push_back(detail::kEmbeddedCatalogues[i].code);
    return codes;
}

std::string duration_text(Language language, std::int64_t seconds) {
    const auto in = [language](Key unit, std::int64_t count) {
        return translate(language, Message(unit, {{"count", count}}));
    };
    if (seconds > 0 && seconds % 3600 == 0) return in(keys::duration_hours, seconds / 3600);
    if (seconds > 0 && seconds % 60 == 0) return in(keys::duration_minutes, seconds / 60);
    return in(keys::duration_seconds, seconds);
}

}  // namespace authd::i18n
