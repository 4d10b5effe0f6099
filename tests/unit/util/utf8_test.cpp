#include "util/utf8.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "util/json_text.h"

namespace authd {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsRecognised) {
    for (const char* text : {"", "plain", "j\xC3\xB6rg", "\xE2\x82\xAC", "\xF0\x9F\x94\x91",
                             "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF"})
        EXPECT_TRUE(utf8::is_valid(text)) << text;
    // Overlongs, surrogates, past U+10FFFF, stray and truncated sequences, F5..FF.
    for (const char* text : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80",
                             "a\xC3", "\xE2\x82", "\xFF", "\xF8\x88\x80\x80\x80"})
        EXPECT_FALSE(utf8::is_valid(text)) << text;
}

TEST(Utf8, NextCodePointDecodesAndStopsOnIllFormedBytes) {
    std::size_t pos = 0;
    const std::string text = "a\xC3\xA9\xF0\x9F\x94\x91\xFF";
    EXPECT_EQ(utf8::next_code_point(text, pos), U'a');
    EXPECT_EQ(utf8::next_code_point(text, pos), U'\u00E9');
    EXPECT_EQ(utf8::next_code_point(text, pos), U'\U0001F511');
    EXPECT_EQ(pos, 7u);
    EXPECT_EQ(utf8::next_code_point(text, pos), std::nullopt);
    EXPECT_EQ(pos, 7u);
}

TEST(Utf8, RepairReplacesEachMaximalIllFormedSubpart) {
    EXPECT_EQ(utf8::repaired("ok \xC3\xA9"), "ok \xC3\xA9");
    // As Python's bytes.decode("utf-8", "replace") does.
    EXPECT_EQ(utf8::repaired("a\xFF\xFE"
                             "b"),
              "a" + kReplacement + kReplacement + "b");
    EXPECT_EQ(utf8::repaired("\xE2\x82x"), kReplacement + "x");  // truncated: one
    EXPECT_EQ(utf8::repaired("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
    EXPECT_EQ(utf8::repaired("\xF0\x9F\x94"), kReplacement);  // cut at the end
    EXPECT_EQ(utf8::repaired("\xC3(\xC3\xA9"), kReplacement + "(\xC3\xA9");
    EXPECT_TRUE(utf8::is_valid(utf8::repaired(std::string("\x00\x80\xC0\xF5", 4))));
}

TEST(Utf8, PrefixCutsOnlyBetweenCharacters) {
    const std::string text = "ab\xC3\xA9\xF0\x9F\x94\x91";  // a b é 🔑: 2 + 2 + 4 bytes
    EXPECT_EQ(utf8::prefix(text, 100), text);
    EXPECT_EQ(utf8::prefix(text, 8), text);
    for (std::size_t cut : {4u, 5u, 6u, 7u})
        EXPECT_EQ(utf8::prefix(text, cut), "ab\xC3\xA9") << cut;
    EXPECT_EQ(utf8::prefix(text, 3), "ab");
    EXPECT_EQ(utf8::prefix(text, 0), "");
}

TEST(JsonText, InvalidBytesInStringsComeOutAsReplacementCharacters) {
    const boost::json::object value{{"agent",
                                     "old\xFF"
                                     "agent"},
                                    {"ok", "\xC3\xA9"}};
    const std::string text = json_text(value);
    EXPECT_TRUE(utf8::is_valid(text));
    EXPECT_EQ(boost::json::parse(text).at("agent").as_string(), "old" + kReplacement + "agent");
    EXPECT_EQ(json_text(boost::json::object{{"a", 1}}), "{\"a\":1}");
}

}  // namespace
}  // namespace authd
