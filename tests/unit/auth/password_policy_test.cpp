#include "auth/password_policy.h"

#include <gtest/gtest.h>

#include "i18n/catalog.h"

#include <cstdint>
#include <string>
#include <vector>

namespace authd::auth {
namespace {

using namespace std::string_literals;
using Messages = std::vector<std::string>;

// The policy's messages in English.
Messages english(const std::vector<i18n::Message>& messages) {
    Messages texts;
    for (const auto& message : messages)
        texts.push_back(i18n::english(message));
    return texts;
}

const std::string kTooShort = "This password is too short. It must contain at least 12 characters.";
const std::string kTooLong = "This password is too long. It must contain at most 128 characters.";
const std::string kTooCommon = "This password is too common.";
const std::string kLikeUsername = "The password is too similar to the username.";
const std::string kLikeEmail = "The password is too similar to the email address.";
const std::string kNumeric = "This password is entirely numeric.";
const std::string kInvalidUtf8 = "The password is not valid UTF-8.";

std::string repeat(const std::string& text, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i)
        out += text;
    return out;
}

TEST(Utf8Length, CountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("a\0b"s), 3u);
    EXPECT_EQ(utf8_length("\xC3\xA9"), 1u);          // é
    EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);      // €
    EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);  // 😀
    EXPECT_EQ(utf8_length("\xED\x9F\xBF"), 1u);      // U+D7FF, just below the surrogates
    EXPECT_EQ(utf8_length("\xEE\x80\x80"), 1u);      // U+E000, just above them
    EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF"), 1u);  // U+10FFFF
    EXPECT_EQ(utf8_length("x\xC3\xA9y\xF0\x9F\x98\x80z"), 5u);
}

TEST(Utf8Length, InvalidSequencesGiveSizeMax) {
    for (const std::string& text : {
             "\x80"s,              // stray continuation byte
             "\xC0\x80"s,          // overlong NUL
             "\xC1\xBF"s,          // overlong
             "\xE0\x80\xAF"s,      // overlong '/'
             "\xF0\x8F\xBF\xBF"s,  // overlong U+FFFF
             "\xED\xA0\x80"s,      // surrogate U+D800
             "\xED\xBF\xBF"s,      // surrogate U+DFFF
             "\xF4\x90\x80\x80"s,  // U+110000
             "\xF5\x80\x80\x80"s,  // lead byte past U+10FFFF
             "\xFF"s,              //
             "\xC3"s,              // truncated
             "abc\xE2\x82"s,       // truncated at the end
             "\xF0\x9F\x98"s,      // truncated
             "\xC3\x28"s,          // continuation byte missing
             "\xE2\x28\xA1"s,      //
         }) {
        EXPECT_EQ(utf8_length(text), SIZE_MAX) << testing::PrintToString(text);
    }
}

// Expected values come from Python: difflib.SequenceMatcher(None, a, b).ratio().
TEST(SimilarityRatio, MatchesDifflib) {
    struct Case {
        const char* a;
        const char* b;
        double ratio;
    };
    for (const Case& c : std::vector<Case>{
             {"abcd", "bcde", 0.75},
             {"aaaaab", "abbbbb", 0.3333333333333333},
             {"alexander123", "alexander", 0.8571428571428571},
             {"password", "passw0rd", 0.875},
             {"abcabcabc", "cbacbacba", 0.4444444444444444},
             {"kitten", "sitting", 0.6153846153846154},
             {"", "abc", 0.0},
             {"", "", 1.0},
             {"abxcd", "abcd", 0.8888888888888888},
             {"tomato", "potato", 0.6666666666666666},
             {"aab", "abaab", 0.75},
             {"qwertyuiop", "poiuytrewq", 0.1},
             {"\xC3\xA9\xC3\xA9"
              "a",
              "\xC3\xA9"
              "a",
              0.8},  // "ééa" / "éa": compared as code points, like Python str
         }) {
        EXPECT_DOUBLE_EQ(similarity_ratio(c.a, c.b), c.ratio) << c.a << " / " << c.b;
    }
}

TEST(SimilarityRatio, IdenticalAndDisjoint) {
    EXPECT_DOUBLE_EQ(similarity_ratio("same", "same"), 1.0);
    EXPECT_DOUBLE_EQ(similarity_ratio("abc", "xyz"), 0.0);
    // Invalid UTF-8 falls back to bytes instead of failing.
    EXPECT_DOUBLE_EQ(similarity_ratio("\xFF\xFE", "\xFF\xFE"), 1.0);
}

class PasswordPolicyTest : public testing::Test {
  protected:
    PasswordPolicy policy;
};

TEST_F(PasswordPolicyTest, AcceptsAGoodPassword) {
    EXPECT_EQ(english(policy.check("correct horse battery staple", "alice", "alice@example.com")),
              Messages{});
    EXPECT_EQ(english(policy.check("xk4!mq9#vz2p", "john", "john.smith@example.com")), Messages{});
}

TEST_F(PasswordPolicyTest, TooShortCountsCodePointsNotBytes) {
    const std::string eleven = repeat("\xC3\xA9", 11);  // 22 bytes
    const std::string twelve = repeat("\xC3\xA9", 12);
    EXPECT_EQ(english(policy.check(eleven, "alice", "")), Messages{kTooShort});
    EXPECT_EQ(english(policy.check(twelve, "alice", "")), Messages{});
    EXPECT_EQ(english(policy.check("abcdefghijk", "", "")), Messages{kTooShort});
    EXPECT_EQ(english(policy.check("abcdefghijkl", "", "")), Messages{});
}

TEST_F(PasswordPolicyTest, EmptyPasswordIsTooShort) {
    EXPECT_EQ(english(policy.check("", "", "")), Messages{kTooShort});
}

TEST_F(PasswordPolicyTest, TooLongCountsCodePoints) {
    const std::string limit = repeat("\xE2\x82\xAC", 128);  // 384 bytes
    EXPECT_EQ(english(policy.check(limit, "alice", "")), Messages{});
    EXPECT_EQ(english(policy.check(limit + "\xE2\x82\xAC", "alice", "")), Messages{kTooLong});
    EXPECT_EQ(english(policy.check(repeat("\xF0\x9F\x98\x80", 128), "alice", "")),
              Messages{});  // 512 B
    EXPECT_EQ(english(policy.check(repeat("a", 129), "alice", "")), Messages{kTooLong});
}

TEST_F(PasswordPolicyTest, SingularCharacterForALimitOfOne) {
    PasswordPolicy tiny({.min_length = 1, .max_length = 1});
    EXPECT_EQ(english(tiny.check("", "", "")),
              Messages{"This password is too short. It must contain at least 1 character."});
    EXPECT_EQ(english(tiny.check("xy", "", "")),
              Messages{"This password is too long. It must contain at most 1 character."});
    PasswordPolicy custom({.min_length = 14, .max_length = 20});
    EXPECT_EQ(english(custom.check("abcdefghijklm", "", "")),
              Messages{"This password is too short. It must contain at least 14 characters."});
    EXPECT_EQ(english(custom.check(repeat("z", 21), "", "")),
              Messages{"This password is too long. It must contain at most 20 characters."});
}

TEST_F(PasswordPolicyTest, CommonPasswordsAreRejectedWhateverTheirCase) {
    // "password1234" and "supernatural" are lines of resources/common-passwords.txt.
    EXPECT_EQ(english(policy.check("password1234", "alice", "")), Messages{kTooCommon});
    EXPECT_EQ(english(policy.check("PassWord1234", "alice", "")), Messages{kTooCommon});
    EXPECT_EQ(english(policy.check("SUPERNATURAL", "alice", "")), Messages{kTooCommon});
    // Like Django: the password is stripped of surrounding whitespace before the lookup.
    EXPECT_EQ(english(policy.check("  supernatural\t", "alice", "")), Messages{kTooCommon});
    EXPECT_EQ(english(policy.check("supernatural!", "alice", "")), Messages{});
}

TEST_F(PasswordPolicyTest, TheListIsSharedBetweenPolicies) {
    PasswordPolicy other({.min_length = 1});
    EXPECT_EQ(english(other.check("123456", "", "")), (Messages{kTooCommon, kNumeric}));
}

TEST_F(PasswordPolicyTest, TooSimilarToTheUsername) {
    EXPECT_EQ(english(policy.check("alexander123", "alexander", "")), Messages{kLikeUsername});
    EXPECT_EQ(english(policy.check("ALEXANDER123", "Alexander", "")), Messages{kLikeUsername});
    // Parts of the username count as well as the whole.
    EXPECT_EQ(english(policy.check("alexander123", "alexander_the.great", "")),
              Messages{kLikeUsername});
    EXPECT_EQ(english(policy.check("alexander123", "bob", "")), Messages{});
}

TEST_F(PasswordPolicyTest, TooSimilarToAPartOfTheEmailAddress) {
    // "alexander" against "alexanderpetrov1": 2 * 9 / 25 = 0.72.
    EXPECT_EQ(english(policy.check("alexanderpetrov1", "bob", "alexander.petrov@example.com")),
              Messages{kLikeEmail});
    EXPECT_EQ(english(policy.check("smithjohn2024x", "bob", "john.smith@example.com")), Messages{});
}

TEST_F(PasswordPolicyTest, SimilarityFollowsDjangoExactly) {
    // Django's validator accepts this pair: the best ratio is "smith" with 2 * 5 / 18 = 0.56.
    EXPECT_EQ(english(policy.check("johnsmith1234", "bob", "john.smith@example.com")), Messages{});
    // A stricter threshold catches it.
    PasswordPolicy strict({.max_similarity = 0.5});
    EXPECT_EQ(english(strict.check("johnsmith1234", "bob", "john.smith@example.com")),
              Messages{kLikeEmail});
}

TEST_F(PasswordPolicyTest, EmptyAttributesAreSkipped) {
    EXPECT_EQ(english(policy.check("alexander123", "", "")), Messages{});
}

TEST_F(PasswordPolicyTest, EntirelyNumeric) {
    EXPECT_EQ(english(policy.check("123456789012345", "alice", "")), Messages{kNumeric});
    EXPECT_EQ(english(policy.check("12345678901234a", "alice", "")), Messages{});
    // Not ASCII digits: Arabic-Indic digits are left alone.
    EXPECT_EQ(english(policy.check(repeat("\xD9\xA3", 12), "alice", "")), Messages{});
}

TEST_F(PasswordPolicyTest, InvalidUtf8IsTheOnlyMessage) {
    EXPECT_EQ(english(policy.check("\xFF", "", "")), Messages{kInvalidUtf8});
    EXPECT_EQ(english(policy.check("123456\xC0\x80", "123456", "123456@example.com")),
              Messages{kInvalidUtf8});
    EXPECT_EQ(english(policy.check("valid so far \xED\xA0\x80", "alice", "")),
              Messages{kInvalidUtf8});
}

TEST_F(PasswordPolicyTest, SeveralMessagesComeInAFixedOrder) {
    EXPECT_EQ(english(policy.check("123456", "123456", "123456@example.com")),
              (Messages{kTooShort, kTooCommon, kLikeUsername, kLikeEmail, kNumeric}));
    // An impossible configuration, to see "too short" and "too long" together.
    PasswordPolicy contradictory({.min_length = 20, .max_length = 4});
    EXPECT_EQ(english(contradictory.check("123456", "123456", "123456@example.com")),
              (Messages{"This password is too short. It must contain at least 20 characters.",
                        "This password is too long. It must contain at most 4 characters.",
                        kTooCommon, kLikeUsername, kLikeEmail, kNumeric}));
}

TEST_F(PasswordPolicyTest, ConfigIsKept) {
    PasswordPolicy custom({.min_length = 10, .max_length = 64, .max_similarity = 0.5});
    EXPECT_EQ(custom.config().min_length, 10u);
    EXPECT_EQ(custom.config().max_length, 64u);
    EXPECT_DOUBLE_EQ(custom.config().max_similarity, 0.5);
}

}  // namespace
}  // namespace authd::auth
