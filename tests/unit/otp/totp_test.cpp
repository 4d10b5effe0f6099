#include "otp/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace authd::otp {
namespace {

const std::string rfc_secret = "12345678901234567890";  // RFC 6238 Appendix B, SHA-1

struct Vector {
    std::int64_t time;
    std::string code;
};

const std::vector<Vector>& rfc6238_vectors() {
    static const std::vector<Vector> vectors = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    return vectors;
}

TEST(Totp, Rfc6238EightDigitVectors) {
    const TotpParameters parameters{.digits = 8};
    for (const auto& [time, code] : rfc6238_vectors()) {
        EXPECT_EQ(totp_code(rfc_secret, time_step(time, parameters), parameters), code) << time;
    }
}

TEST(Totp, Rfc6238SixDigitVectors) {
    const TotpParameters parameters;  // 6 digits, 30 s, t0 = 0
    for (const auto& [time, code] : rfc6238_vectors()) {
        EXPECT_EQ(totp_code(rfc_secret, time_step(time, parameters), parameters), code.substr(2))
            << time;
    }
}

TEST(Totp, TimeStepIsTheFloorOfElapsedOverStep) {
    const TotpParameters parameters;
    EXPECT_EQ(time_step(0, parameters), 0);
    EXPECT_EQ(time_step(29, parameters), 0);
    EXPECT_EQ(time_step(30, parameters), 1);
    EXPECT_EQ(time_step(59, parameters), 1);
    EXPECT_EQ(time_step(1111111109, parameters), 37037036);
    EXPECT_EQ(time_step(20000000000, parameters), 666666666);

    const TotpParameters shifted{.step = 60, .t0 = 1000};
    EXPECT_EQ(time_step(1000, shifted), 0);
    EXPECT_EQ(time_step(1059, shifted), 0);
    EXPECT_EQ(time_step(1060, shifted), 1);
    EXPECT_EQ(time_step(999, shifted), -1);  // floor, not truncation toward zero
    EXPECT_EQ(time_step(940, shifted), -1);
    EXPECT_EQ(time_step(939, shifted), -2);
}

TEST(Totp, CodesAreZeroPadded) {
    // 1111111109 gives 07081804: the leading zero must survive.
    const TotpParameters parameters{.digits = 8};
    EXPECT_EQ(totp_code(rfc_secret, time_step(1111111109, parameters), parameters), "07081804");
}

TEST(Totp, SevenDigitsAreTheLastSevenOfEight) {
    const TotpParameters eight{.digits = 8};
    const TotpParameters seven{.digits = 7};
    for (const auto& [time, code] : rfc6238_vectors()) {
        EXPECT_EQ(totp_code(rfc_secret, time_step(time, seven), seven), code.substr(1)) << time;
        EXPECT_EQ(time_step(time, seven), time_step(time, eight));
    }
}

TEST(Totp, RejectsUnsupportedParameters) {
    EXPECT_THROW(totp_code(rfc_secret, 1, TotpParameters{.digits = 5}), std::invalid_argument);
    EXPECT_THROW(totp_code(rfc_secret, 1, TotpParameters{.digits = 9}), std::invalid_argument);
    EXPECT_THROW(totp_code(rfc_secret, 1, TotpParameters{.step = 0}), std::invalid_argument);
    EXPECT_THROW(totp_code(rfc_secret, -1, TotpParameters{}), std::invalid_argument);
    EXPECT_THROW(time_step(100, TotpParameters{.step = 0}), std::invalid_argument);
}

// The clock is injected: `expected_step` stands for "now", so no test sleeps.
TEST(MatchTotp, AcceptsTheNeighbouringStepsOnly) {
    const TotpParameters parameters;
    const std::int64_t s = time_step(1234567890, parameters);
    const std::string code = totp_code(rfc_secret, s, parameters);
    ASSERT_EQ(code, "005924");

    EXPECT_EQ(match_totp(rfc_secret, code, s, 1, parameters), s);
    EXPECT_EQ(match_totp(rfc_secret, code, s - 1, 1, parameters), s);  // the code is early
    EXPECT_EQ(match_totp(rfc_secret, code, s + 1, 1, parameters), s);  // the code is late
    EXPECT_EQ(match_totp(rfc_secret, code, s - 2, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, code, s + 2, 1, parameters), std::nullopt);
    // A window of 0 accepts only the expected step; a wider one reaches further.
    EXPECT_EQ(match_totp(rfc_secret, code, s + 1, 0, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, code, s + 2, 2, parameters), s);
}

TEST(MatchTotp, ReturnsTheMatchedStep) {
    const TotpParameters parameters;
    const std::int64_t now = time_step(2000000000, parameters);
    for (std::int64_t step = now - 1; step <= now + 1; ++step) {
        const std::string code = totp_code(rfc_secret, step, parameters);
        EXPECT_EQ(match_totp(rfc_secret, code, now, 1, parameters), step) << step;
    }
}

TEST(MatchTotp, PrefersTheClosestStep) {
    // Find a code that two steps of the window share, and check that the closer one wins.
    const TotpParameters parameters;
    for (std::int64_t s = 1; s < 200000; ++s) {
        const std::string a = totp_code(rfc_secret, s, parameters);
        const std::string b = totp_code(rfc_secret, s + 2, parameters);
        if (a != b) continue;
        // Expected s + 1: s and s + 2 are both at distance 1; s (the -1 side) is checked first.
        EXPECT_EQ(match_totp(rfc_secret, a, s + 1, 1, parameters), s);
        EXPECT_EQ(match_totp(rfc_secret, a, s + 2, 2, parameters), s + 2);
        EXPECT_EQ(match_totp(rfc_secret, a, s, 2, parameters), s);
        return;
    }
    GTEST_SKIP() << "no collision in the searched range";
}

TEST(MatchTotp, RejectsMalformedCodes) {
    const TotpParameters parameters;
    const std::int64_t s = time_step(1234567890, parameters);
    EXPECT_EQ(match_totp(rfc_secret, "", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, "05924", s, 1, parameters), std::nullopt);     // too short
    EXPECT_EQ(match_totp(rfc_secret, "0005924", s, 1, parameters), std::nullopt);   // too long
    EXPECT_EQ(match_totp(rfc_secret, "89005924", s, 1, parameters), std::nullopt);  // 8 for 6
    EXPECT_EQ(match_totp(rfc_secret, "00592a", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, " 05924", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, "+05924", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, "00592\xd9", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, std::string("00592\0", 6), s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp(rfc_secret, "005924", s, 1, parameters), s);  // the control
}

TEST(MatchTotp, WrongCodeOrSecretDoesNotMatch) {
    const TotpParameters parameters;
    const std::int64_t s = time_step(1234567890, parameters);
    EXPECT_EQ(match_totp(rfc_secret, "005925", s, 1, parameters), std::nullopt);
    EXPECT_EQ(match_totp("another secret", "005924", s, 1, parameters), std::nullopt);
}

TEST(MatchTotp, HonoursT0AndStep) {
    const TotpParameters parameters{.digits = 8, .step = 60, .t0 = 1000};
    const std::int64_t now = 1000 + 60 * 12345 + 17;
    const std::int64_t s = time_step(now, parameters);
    ASSERT_EQ(s, 12345);
    // The code of a step depends only on the step counter: t0 and the step length only change
    // which step "now" falls in.
    const std::string code = totp_code(rfc_secret, s, parameters);
    EXPECT_EQ(code, totp_code(rfc_secret, s, TotpParameters{.digits = 8}));
    EXPECT_EQ(match_totp(rfc_secret, code, time_step(now, parameters), 1, parameters), s);
    EXPECT_EQ(match_totp(rfc_secret, code, time_step(now + 60, parameters), 1, parameters), s);
    EXPECT_EQ(match_totp(rfc_secret, code, time_step(now + 120, parameters), 1, parameters),
              std::nullopt);
    // With the default parameters the same moment is a different step altogether.
    EXPECT_EQ(match_totp(rfc_secret, code, time_step(now, TotpParameters{.digits = 8}), 1,
                         TotpParameters{.digits = 8}),
              std::nullopt);
}

TEST(MatchTotp, NeverMatchesStepsBeforeT0) {
    const TotpParameters parameters;
    const std::string code = totp_code(rfc_secret, 0, parameters);
    EXPECT_EQ(match_totp(rfc_secret, code, 0, 1, parameters), 0);
    EXPECT_EQ(match_totp(rfc_secret, code, -1, 1, parameters), 0);
    EXPECT_EQ(match_totp(rfc_secret, code, -5, 1, parameters), std::nullopt);
}

TEST(Base32, Rfc4648VectorsWithoutPadding) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "MY"},
        {"fo", "MZXQ"},
        {"foo", "MZXW6"},
        {"foob", "MZXW6YQ"},
        {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base32_encode(plain), encoded) << plain;
    }
    EXPECT_EQ(base32_encode(rfc_secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    EXPECT_EQ(base32_encode(std::string("\0\xff", 2)), "AD7Q");
}

TEST(OtpauthUri, EscapesTheLabelAndTheIssuer) {
    EXPECT_EQ(otpauth_uri("ACME Co", "alice:smith@example.com", rfc_secret, TotpParameters{}),
              "otpauth://totp/ACME%20Co:alice%3Asmith%40example.com"
              "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co"
              "&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpauthUri, KeepsUnreservedCharactersAndEncodesTheRest) {
    EXPECT_EQ(
        otpauth_uri("a:b/c?d&e", "x-y.z_~1+2=3", "f", TotpParameters{.digits = 8, .step = 60}),
        "otpauth://totp/a%3Ab%2Fc%3Fd%26e:x-y.z_~1%2B2%3D3"
        "?secret=MY&issuer=a%3Ab%2Fc%3Fd%26e&algorithm=SHA1&digits=8&period=60");
    // UTF-8 is encoded byte by byte, upper-case hex.
    EXPECT_EQ(otpauth_uri("Caf\xc3\xa9", "b", "f", TotpParameters{}),
              "otpauth://totp/Caf%C3%A9:b?secret=MY&issuer=Caf%C3%A9"
              "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace authd::otp

TEST(Base32Decode, InvertsEncodingWithOrWithoutPadding) {
    EXPECT_EQ(authd::otp::base32_decode("MZXW6YTBOI"), "foobar");
    EXPECT_EQ(authd::otp::base32_decode("mzxw6ytboi======"), "foobar");
    EXPECT_EQ(authd::otp::base32_decode("MY"), "f");
    EXPECT_EQ(authd::otp::base32_decode(""), "");
    EXPECT_FALSE(authd::otp::base32_decode("M1!"));
}
