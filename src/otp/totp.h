#pragma once
// RFC 6238 time-based one-time passwords, computed by liboath (never by hand). Only what authd
// needs: HMAC-SHA-1 codes of 6 to 8 digits over a time step, matched within a window of steps.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authd::otp {

struct TotpParameters {
    int digits = 6;
    std::int64_t step = 30;  // seconds
    std::int64_t t0 = 0;     // Unix time of step 0
};

// The step that Unix time `now` falls in.
std::int64_t time_step(std::int64_t now, const TotpParameters& parameters);

// The code of one step, zero-padded to `digits`.
std::string totp_code(std::string_view secret, std::int64_t step, const TotpParameters& parameters);

// The step whose code equals `code`, searched from `expected_step - window` to
// `expected_step + window` (closest first); nullopt when none matches or `code` is not
// `digits` decimal digits. The comparison does not stop at the first differing digit.
std::optional<std::int64_t> match_totp(std::string_view secret, std::string_view code,
                                       std::int64_t expected_step, int window,
                                       const TotpParameters& parameters);

// RFC 4648 base32 without padding (what authenticator apps read in `secret=`).
std::string base32_encode(std::string_view bytes);

// The bytes of base32 text (upper or lower case, padding optional); nullopt when malformed.
std::optional<std::string> base32_decode(std::string_view text);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=..&period=..
// with the label and the parameters percent-encoded.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret,
                        const TotpParameters& parameters);

}  // namespace authd::otp
