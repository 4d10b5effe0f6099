// libFuzzer target: the uidb64/token pair of the mailed one-time links
// (/api/auth/reset/<uidb64>/<token>/, /api/auth/verify_email/<uidb64>/<token>/), as
// auth::parse_link reads it before any database lookup, and the hash the token is looked up by.
//
// Input: the uidb64, a '/', the token (both already percent-decoded by the router).
#include <string>

#include "auth/link_format.h"
#include "auth/secrets.h"
#include "crypto/base64url.h"
#include "fuzz_support.h"

using namespace authd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    const std::string_view uidb64 = fuzz::take_until(input, '/');
    const std::string_view token = input;

    const auto user_id = auth::parse_link(uidb64, token);
    if (user_id) {
        // Only the canonical encoding of an id is accepted: one id, one link.
        FUZZ_CHECK(crypto::base64url_encode(*user_id) == uidb64);
        FUZZ_CHECK(!token.empty() && token.size() <= 64);
        const std::string hash = auth::hash_identifier(token);
        FUZZ_CHECK(hash.size() == 43 && crypto::base64url_decode(hash).has_value());
    }
    // Whatever the token, the uidb64 alone decides decoding.
    const auto decoded = crypto::base64url_decode(uidb64);
    if (decoded) FUZZ_CHECK(crypto::base64url_encode(*decoded) == uidb64);
    if (!token.empty() && token.size() <= 64)
        FUZZ_CHECK(user_id == decoded);
    else
        FUZZ_CHECK(!user_id);
    return 0;
}
