#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "i18n/catalog.h"
#include "i18n/keys.h"
#include "i18n/language.h"

namespace authd::i18n {
namespace {

std::set<std::string> code_keys() {
    std::set<std::string> names;
    for (Key key : all_keys)
        names.emplace(key.name());
    return names;
}

// Every placeholder any form of the entry uses.
std::set<std::string> placeholders_of(const Entry& entry) {
    std::set<std::string> names;
    for (const auto& [form, text] : entry.forms)
        for (std::string& name : placeholders(text))
            names.insert(std::move(name));
    return names;
}

bool is_untranslated(std::string_view key) {
    return std::any_of(untranslated_keys.begin(), untranslated_keys.end(),
                       [&](Key k) { return k.name() == key; });
}

TEST(Catalogues, EveryLanguageHasExactlyOneEmbeddedCatalogue) {
    std::vector<std::string_view> codes = embedded_catalogue_codes();
    std::vector<std::string_view> expected;
    for (Language language : all_languages)
        expected.push_back(code(language));
    std::sort(codes.begin(), codes.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(codes, expected);
}

TEST(Catalogues, KeysInTheCodeAreUnique) {
    EXPECT_EQ(code_keys().size(), all_keys.size());
}

TEST(Catalogues, EveryCatalogueHasExactlyTheKeysTheCodeUses) {
    const std::set<std::string> expected = code_keys();
    for (Language language : all_languages) {
        const Catalogue& entries = catalogue(language);
        for (const std::string& key : expected)
            EXPECT_TRUE(entries.contains(key)) << code(language) << ".json lacks " << key;
        for (const auto& [key, entry] : entries)
            EXPECT_TRUE(expected.contains(key))
                << code(language) << ".json has " << key << ", which no code uses";
    }
}

TEST(Catalogues, PlaceholdersAreTheSameInEveryLanguage) {
    const Catalogue& english_entries = catalogue(Language::en);
    for (const auto& [key, english_entry] : english_entries) {
        const std::set<std::string> expected = placeholders_of(english_entry);
        for (Language language : all_languages) {
            const Catalogue& entries = catalogue(language);
            const auto it = entries.find(key);
            if (it == entries.end()) continue;  // reported by the test above
            EXPECT_EQ(placeholders_of(it->second), expected) << code(language) << ": " << key;
        }
    }
}

TEST(Catalogues, PluralMessagesUseTheirCount) {
    for (Language language : all_languages) {
        for (const auto& [key, entry] : catalogue(language)) {
            if (entry.plural()) {
                EXPECT_TRUE(placeholders_of(entry).contains("count"))
                    << code(language) << ": " << key;
            }
        }
    }
}

TEST(Catalogues, OnlyTheSentencesClientsCompareStayInEnglish) {
    const Catalogue& english_entries = catalogue(Language::en);
    for (Language language : all_languages) {
        if (language == Language::en) continue;
        for (const auto& [key, entry] : catalogue(language)) {
            const auto english_entry = english_entries.find(key);
            ASSERT_NE(english_entry, english_entries.end()) << key;
            const bool same = entry.forms == english_entry->second.forms;
            EXPECT_EQ(same, is_untranslated(key)) << code(language) << ": " << key;
        }
    }
}

TEST(Translate, FillsNamedArguments) {
    const Message message(keys::method_not_allowed, {{"method", "PUT"}});
    EXPECT_EQ(translate(Language::en, message), "Method \"PUT\" not allowed.");
    EXPECT_EQ(translate(Language::es, message), "Método «PUT» no permitido.");
    EXPECT_EQ(english(Message(keys::mail_greeting, {{"username", "ann"}})), "Hello ann,");
    EXPECT_EQ(translate(Language::fr, Message(keys::mail_greeting, {{"username", "ann"}})),
              "Bonjour ann,");
}

TEST(Translate, ArgumentValuesAreNotReadAsPlaceholders) {
    EXPECT_EQ(english(Message(keys::mail_greeting, {{"username", "{username}"}})),
              "Hello {username},");
}

TEST(Translate, AMissingArgumentLeavesItsPlaceholder) {
    EXPECT_EQ(english(keys::method_not_allowed), "Method \"{method}\" not allowed.");
}

TEST(Translate, CountChoosesThePluralFormByTheLanguagesRule) {
    const auto throttled = [](Language language, int seconds) {
        return translate(language, Message(keys::throttled, {{"count", seconds}}));
    };
    EXPECT_EQ(throttled(Language::en, 1), "Request was throttled. Expected available in 1 second.");
    EXPECT_EQ(throttled(Language::en, 0),
              "Request was throttled. Expected available in 0 seconds.");
    EXPECT_EQ(throttled(Language::en, 2),
              "Request was throttled. Expected available in 2 seconds.");
    // French counts 0 and 1 as singular; Spanish only 1.
    EXPECT_EQ(throttled(Language::fr, 0), "Trop de requêtes. Veuillez réessayer dans 0 seconde.");
    EXPECT_EQ(throttled(Language::fr, 1), "Trop de requêtes. Veuillez réessayer dans 1 seconde.");
    EXPECT_EQ(throttled(Language::fr, 3), "Trop de requêtes. Veuillez réessayer dans 3 secondes.");
    EXPECT_EQ(throttled(Language::es, 0),
              "Demasiadas solicitudes. Vuelva a intentarlo dentro de 0 segundos.");
    EXPECT_EQ(throttled(Language::es, 1),
              "Demasiadas solicitudes. Vuelva a intentarlo dentro de 1 segundo.");
    // No count, or not a number: the general form.
    EXPECT_EQ(english(keys::duration_hours), "{count} hours");
    EXPECT_EQ(english(Message(keys::duration_hours, {{"count", "x"}})), "x hours");
}

TEST(Languages, CodesRoundTrip) {
    for (Language language : all_languages)
        EXPECT_EQ(from_code(code(language)), language);
    EXPECT_EQ(from_code("EN"), std::nullopt);  // stored codes are exact
    EXPECT_EQ(from_code("de"), std::nullopt);
    EXPECT_EQ(from_code(""), std::nullopt);
}

TEST(Languages, TagsAreReadByTheirPrimarySubtag) {
    EXPECT_EQ(from_tag("fr"), Language::fr);
    EXPECT_EQ(from_tag("FR"), Language::fr);
    EXPECT_EQ(from_tag(" fr-CA "), Language::fr);
    EXPECT_EQ(from_tag("es_419"), Language::es);
    EXPECT_EQ(from_tag("en-GB"), Language::en);
    EXPECT_EQ(from_tag("de"), std::nullopt);
    EXPECT_EQ(from_tag("fra"), std::nullopt);
    EXPECT_EQ(from_tag("f"), std::nullopt);
    EXPECT_EQ(from_tag("*"), std::nullopt);
    EXPECT_EQ(from_tag(""), std::nullopt);
}

TEST(AcceptLanguage, HighestQualityWinsAndTheFirstOnATie) {
    EXPECT_EQ(from_accept_language("fr"), Language::fr);
    EXPECT_EQ(from_accept_language("fr-CA;q=0.8, es;q=0.9"), Language::es);
    EXPECT_EQ(from_accept_language("fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7"), Language::fr);
    EXPECT_EQ(from_accept_language("es, fr"), Language::es);
    EXPECT_EQ(from_accept_language("en;q=0.5, fr;q=0.5"), Language::en);
    EXPECT_EQ(from_accept_language("fr;q=0.500,es;q=0.501"), Language::es);
    EXPECT_EQ(from_accept_language("fr;Q=1.0"), Language::fr);
    EXPECT_EQ(from_accept_language("fr ; q=0.3 , de"), Language::fr);
}

TEST(AcceptLanguage, UnsupportedRefusedAndMalformedEntriesAreSkipped) {
    EXPECT_EQ(from_accept_language("de-DE, de;q=0.9, es;q=0.1"), Language::es);
    EXPECT_EQ(from_accept_language("fr;q=0, es;q=0.2"), Language::es);
    EXPECT_EQ(from_accept_language("fr;q=0"), std::nullopt);
    EXPECT_EQ(from_accept_language("*"), std::nullopt);
    EXPECT_EQ(from_accept_language("de, *;q=0.5"), std::nullopt);
    EXPECT_EQ(from_accept_language(""), std::nullopt);
    EXPECT_EQ(from_accept_language(",,,"), std::nullopt);
    for (const char* malformed :
         {"fr;q=2", "fr;q=1.5", "fr;q=-1", "fr;q=0.1234", "fr;q=", "fr;q", "fr;q=abc"})
        EXPECT_EQ(from_accept_language(std::string(malformed) + ", es;q=0.1"), Language::es)
            << malformed;
}

TEST(ChooseLanguage, LangHeaderThenAcceptLanguageThenTheUserThenEnglish) {
    EXPECT_EQ(choose("es", "fr", Language::fr), Language::es);
    EXPECT_EQ(choose("", "fr-CA;q=0.8", Language::es), Language::fr);
    EXPECT_EQ(choose("de", "fr", Language::es), Language::fr);  // an unknown lang is no choice
    EXPECT_EQ(choose("", "de", Language::es), Language::es);
    EXPECT_EQ(choose("", "", Language::fr), Language::fr);
    EXPECT_EQ(choose("", "", std::nullopt), Language::en);
    EXPECT_EQ(choose("xx", "zz", std::nullopt), Language::en);
}

}  // namespace
}  // namespace authd::i18n
