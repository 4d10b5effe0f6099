#include "util/text.h"

#include <gtest/gtest.h>

namespace authd::text {
namespace {

TEST(Text, TrimRemovesOnlyTheNamedCharactersAtBothEnds) {
    EXPECT_EQ(trim(" \t\r\n\v\fa b\f\v\n\r\t "), "a b");
    EXPECT_EQ(trim_blanks(" \ta\nb\n\t "), "a\nb\n");
    EXPECT_EQ(trim("--x--", "-"), "x");
    EXPECT_EQ(trim(" \t \n"), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim_blanks("\nx"), "\nx");
}

TEST(Text, LowerCasesAsciiOnlyAndLeavesOtherBytes) {
    EXPECT_EQ(ascii_lower("Content-TYPE: Ä\xC3\x84Z"), "content-type: Ä\xC3\x84z");
    EXPECT_EQ(ascii_lower('Q'), 'q');
    EXPECT_EQ(ascii_lower('@'), '@');
    EXPECT_EQ(ascii_lower('['), '[');
}

TEST(Text, SplitsLeavingEmptyPiecesOut) {
    using Pieces = std::vector<std::string_view>;
    EXPECT_EQ(text::split("usb,nfc", ','), (Pieces{"usb", "nfc"}));
    EXPECT_EQ(text::split(",a,,b,", ','), (Pieces{"a", "b"}));
    EXPECT_EQ(text::split("", ','), Pieces{});
    EXPECT_EQ(text::split(",", ','), Pieces{});
    EXPECT_EQ(text::split("internal", ','), Pieces{"internal"});
}

TEST(Text, JoinsWithTheSeparatorBetweenPiecesOnly) {
    EXPECT_EQ(text::join({"usb", "nfc"}, ","), "usb,nfc");
    EXPECT_EQ(text::join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(text::join({"only"}, ","), "only");
    EXPECT_EQ(text::join({}, ","), "");
}

TEST(Text, ComparesIgnoringAsciiCase) {
    EXPECT_TRUE(iequals_ascii("Application/JSON", "application/json"));
    EXPECT_FALSE(iequals_ascii("json", "jsonx"));
    EXPECT_FALSE(iequals_ascii("\xC3\x84", "\xC3\xA4"));  // Ä and ä: not ASCII, not folded
}

TEST(Text, ClassifiesAsciiCharacters) {
    EXPECT_TRUE(is_ascii_alnum('z') && is_ascii_alnum('Z') && is_ascii_alnum('0'));
    EXPECT_FALSE(is_ascii_alnum('_') || is_ascii_alnum('\xC3') || is_ascii_alpha('5'));
    EXPECT_TRUE(is_ascii_digit('9') && !is_ascii_digit('a'));
}

TEST(Text, HtmlEscapeCoversTheFiveSpecialCharacters) {
    EXPECT_EQ(html_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    EXPECT_EQ(html_escape(""), "");
    EXPECT_EQ(html_escape("plain text, é"), "plain text, é");
    EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
}

}  // namespace
}  // namespace authd::text
