// libFuzzer target: JWT decoding and verification (crypto/jwt.h) and the claim checks of
// authd's tokens (auth/tokens.h), with fixed EdDSA, HS256 and ES256 keys; the opaque refresh
// tokens too (a fixed refresh key).
//
// Input: one flag byte, then
//   mode 0 (flags & 1 == 0): a token as a client would send it;
//   mode 1 (flags & 1 == 1): a header JSON text, a newline, a payload JSON text. The target
//     signs them with the key itself, so the header checks, the payload parser and the claim
//     checks are reached with a valid signature.
// ((flags >> 1) & 3) % 3 picks the key, flags & 8 adds an audience to the settings.
// Only JwtError (codec) and InvalidToken (issuer) may escape; anything else would be a 500.
#include <memory>
#include <string>

#include "auth/tokens.h"
#include "crypto/base64url.h"
#include "crypto/jwt.h"
#include "fuzz_support.h"

using namespace authd;

namespace {

// Keys made for this fuzzer only; they sign nothing anywhere else.
constexpr std::string_view kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEILy63Cji0dzTGEvN4brDCPQxgrZmfIfruZA9Tc8pLAz6\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kHs256Secret = "fuzz-only-hs256-secret-0123456789abcdef";
constexpr std::string_view kEs256Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDdvY+3WBtSGZwnPf\n"
    "MwhcYHaKIG3SOzHntpkli24nJPqhRANCAAQtwMymOHzsHC/S/UTWKvZDQWAUTNjC\n"
    "KoETwVX/noFZbs91pc5FE1iWssNGHa43uVRjSr3SH4J9QGE24jGb7leg\n"
    "-----END PRIVATE KEY-----\n";

constexpr std::string_view kRefreshKey = "fuzz-only-refresh-token-key-0123456789";

constexpr std::int64_t kNow = 1'700'000'000;  // the seeds' tokens are issued around then

struct Fixture {
    ManualClock clock{kNow};
    std::shared_ptr<const crypto::JwtCodec> codecs[3];
    std::unique_ptr<auth::TokenIssuer> issuers[3][2];  // [key][without, with an audience]

    Fixture() {
        codecs[0] = std::make_shared<crypto::JwtCodec>(
            crypto::load_signing_key(crypto::JwtAlgorithm::EdDSA, kEd25519Pem));
        codecs[1] = std::make_shared<crypto::JwtCodec>(
            crypto::load_signing_key(crypto::JwtAlgorithm::HS256, kHs256Secret));
        codecs[2] = std::make_shared<crypto::JwtCodec>(
            crypto::load_signing_key(crypto::JwtAlgorithm::ES256, kEs256Pem));
        for (int k = 0; k < 3; ++k) {
            auth::TokenSettings settings;
            issuers[k][0] = std::make_unique<auth::TokenIssuer>(codecs[k], std::string(kRefreshKey),
                                                                settings, clock);
            settings.audience = "game";
            issuers[k][1] = std::make_unique<auth::TokenIssuer>(codecs[k], std::string(kRefreshKey),
                                                                settings, clock);
        }
    }
};

Fixture& fixture() {
    static Fixture instance;
    return instance;
}

// Runs `action`; true when it returned, false when it threw one of the expected errors.
template <typename Action>
bool accepted(Action action) {
    try {
        action();
        return true;
    } catch (const crypto::JwtError&) {
    } catch (const auth::InvalidToken&) {
    }
    return false;
}

void check_user_claims(const auth::UserClaims& claims, const auth::TokenSettings& settings,
                       bool expiry_checked) {
    FUZZ_CHECK(!claims.jti.empty() && !claims.username.empty() && !claims.subject.empty() &&
               !claims.session_id.empty());
    if (expiry_checked) FUZZ_CHECK(kNow <= claims.expires_at + settings.leeway);
    FUZZ_CHECK(claims.issued_at <= kNow + settings.leeway);
}

void decode_everywhere(const crypto::JwtCodec& codec, const auth::TokenIssuer& issuer,
                       std::string_view token) {
    const bool decoded = accepted([&] { (void)codec.decode(token); });
    bool any_accepted = false;
    any_accepted |=
        accepted([&] { check_user_claims(issuer.decode_access(token), issuer.settings(), true); });
    // The opaque refresh form is accepted only with its tag, and then it is exactly what the
    // issuer writes for its claims (one spelling); the earlier form is a JWT.
    bool opaque = false;
    any_accepted |= accepted([&] {
        const auth::RefreshClaims claims = issuer.decode_refresh(token, false);
        FUZZ_CHECK(!claims.jti.empty() && !claims.session_id.empty());
        opaque = claims.subject.empty();
        if (opaque) FUZZ_CHECK(issuer.encode(claims) == token);
    });
    any_accepted |= accepted([&] {
        const auth::ServiceClaims claims = issuer.decode_service(token);
        FUZZ_CHECK(!claims.service_name.empty() && !claims.jti.empty());
    });
    // The issuer never accepts a JWT the codec refuses.
    if (any_accepted && !opaque) FUZZ_CHECK(decoded);
    accepted([&] { FUZZ_CHECK(!issuer.token_type_of(token).empty()); });
}

std::string sign_parts(const crypto::SigningKey& key, std::string_view header,
                       std::string_view payload) {
    const std::string signing_input =
        crypto::base64url_encode(header) + "." + crypto::base64url_encode(payload);
    const std::string signature = key.sign(signing_input);
    // A signature changed in one bit never verifies.
    std::string tampered = signature;
    tampered[tampered.size() / 2] ^= 0x01;
    FUZZ_CHECK(key.verify(signing_input, signature));
    FUZZ_CHECK(!key.verify(signing_input, tampered));
    return signing_input + "." + crypto::base64url_encode(signature);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t flags = data[0];
    std::string_view input = fuzz::as_text(data + 1, size - 1);
    Fixture& f = fixture();
    const int key = ((flags >> 1) & 3) % 3;
    const crypto::JwtCodec& codec = *f.codecs[key];
    const auth::TokenIssuer& issuer = *f.issuers[key][(flags & 8) ? 1 : 0];

    if ((flags & 1) == 0) {
        decode_everywhere(codec, issuer, input);
        // The same text against the next key too (the corpus holds tokens of every key).
        decode_everywhere(*f.codecs[(key + 1) % 3], *f.issuers[(key + 1) % 3][0], input);
        return 0;
    }
    const std::string_view header = fuzz::take_until(input, '\n');
    const std::string token = sign_parts(codec.key(), header, input);
    decode_everywhere(codec, issuer, token);
    // One token, one spelling: another byte in place of a '_' of the signature is refused.
    if (accepted([&] { (void)codec.decode(token); })) {
        const std::size_t underscore = token.find('_', token.rfind('.'));
        if (underscore != std::string::npos) {
            std::string respelt = token;
            respelt[underscore] = static_cast<char>(0x80 | (flags & 0x7f));
            FUZZ_CHECK(!accepted([&] { (void)codec.decode(respelt); }));
        }
    }
    // Signed by one key, refused by the others whatever the header says.
    for (int other = 0; other < 3; ++other) {
        if (other == key) continue;
        FUZZ_CHECK(!accepted([&] { (void)f.codecs[other]->decode(token); }));
    }
    return 0;
}
