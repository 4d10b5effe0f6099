#include "crypto/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/base64url.h"
#include "util/random.h"

namespace authd::crypto {
namespace {

constexpr JwtAlgorithm kAllAlgorithms[] = {JwtAlgorithm::EdDSA, JwtAlgorithm::RS256,
                                           JwtAlgorithm::RS512, JwtAlgorithm::ES256,
                                           JwtAlgorithm::HS256};

// Deterministic bytes, so keys drawn from Random are reproducible within a test.
class CountingRandom final : public Random {
  public:
    void fill(unsigned char* out, std::size_t size) override {
        for (std::size_t i = 0; i < size; ++i)
            out[i] = next_++;
    }

  private:
    unsigned char next_ = 1;
};

struct PkeyFree {
    void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

// PKCS#8 by default; traditional ("BEGIN RSA PRIVATE KEY") when asked.
std::string private_pem_of(EVP_PKEY* pkey, bool traditional = false) {
    BIO* bio = BIO_new(BIO_s_mem());
    const int ok =
        traditional
            ? PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr)
            : PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    EXPECT_EQ(ok, 1);
    std::string pem = bio_text(bio);
    BIO_free(bio);
    return pem;
}

std::string public_pem_of(std::string_view private_pem) {
    BIO* in = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
    PkeyPtr pkey(PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr));
    BIO_free(in);
    EXPECT_TRUE(pkey);
    BIO* out = BIO_new(BIO_s_mem());
    EXPECT_EQ(PEM_write_bio_PUBKEY(out, pkey.get()), 1);
    std::string pem = bio_text(out);
    BIO_free(out);
    return pem;
}

PkeyPtr rsa_keypair(std::size_t bits) {
    return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}

std::string ec_pem(const char* curve) {
    PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    EXPECT_TRUE(pkey);
    return private_pem_of(pkey.get());
}

std::string ed25519_pem(std::string_view seed) {
    PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(seed.data()),
                                              seed.size()));
    EXPECT_TRUE(pkey);
    return private_pem_of(pkey.get());
}

// Generating RSA keys is slow, so every test shares one key per algorithm.
std::shared_ptr<const SigningKey> shared_key(JwtAlgorithm algorithm) {
    static std::map<JwtAlgorithm, std::shared_ptr<const SigningKey>> keys;
    auto& key = keys[algorithm];
    if (!key) {
        SystemRandom random;
        key = generate_signing_key(algorithm, random);
    }
    return key;
}

// The PEM of a 4096-bit RSA key, generated once (it takes a while).
const std::string& rsa4096_pem(bool traditional) {
    static const PkeyPtr pkey = rsa_keypair(4096);
    static const std::string pkcs8 = private_pem_of(pkey.get());
    static const std::string legacy = private_pem_of(pkey.get(), true);
    return traditional ? legacy : pkcs8;
}

std::string b64(std::string_view text) {
    return base64url_encode(text);
}

// A token with any header and payload, signed properly by `key`.
std::string signed_token(const SigningKey& key, std::string_view header, std::string_view payload) {
    const std::string signing_input = b64(header) + "." + b64(payload);
    return signing_input + "." + b64(key.sign(signing_input));
}

std::vector<std::string> split(const std::string& token) {
    std::vector<std::string> parts;
    std::stringstream stream(token);
    std::string part;
    while (std::getline(stream, part, '.'))
        parts.push_back(part);
    return parts;
}

std::string reason_of(const JwtCodec& codec, std::string_view token) {
    try {
        codec.decode(token);
    } catch (const JwtError& e) {
        return e.what();
    }
    return "accepted";
}

const boost::json::object kClaims{{"sub", "user-42"}, {"iat", 1700000000}, {"scope", "a b"}};

// ---------------------------------------------------------------------------------------------

TEST(JwtAlgorithmNames, RoundTripExactly) {
    for (const auto algorithm : kAllAlgorithms) {
        EXPECT_EQ(parse_jwt_algorithm(to_string(algorithm)), algorithm);
    }
    EXPECT_EQ(to_string(JwtAlgorithm::EdDSA), "EdDSA");
    EXPECT_FALSE(parse_jwt_algorithm("none"));
    EXPECT_FALSE(parse_jwt_algorithm("rs256"));
    EXPECT_FALSE(parse_jwt_algorithm("ES256 "));
    EXPECT_FALSE(parse_jwt_algorithm(""));
}

// RFC 8037 Appendix A: the Ed25519 key, its thumbprint and the signature of A.4.
TEST(JwtRfcVectors, Rfc8037Ed25519) {
    const auto seed = base64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    ASSERT_TRUE(seed);
    const auto key = load_signing_key(JwtAlgorithm::EdDSA, ed25519_pem(*seed));

    EXPECT_EQ(key->kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    const auto jwk = key->public_jwk();
    ASSERT_TRUE(jwk);
    EXPECT_EQ(jwk->at("kty"), "OKP");
    EXPECT_EQ(jwk->at("crv"), "Ed25519");
    EXPECT_EQ(jwk->at("x"), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");

    const std::string signing_input =
        b64(R"({"alg":"EdDSA"})") + "." + b64("Example of Ed25519 signing");
    EXPECT_EQ(signing_input, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
    const std::string signature = key->sign(signing_input);
    EXPECT_EQ(b64(signature),
              "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_"
              "MuM0KAg");
    EXPECT_TRUE(key->verify(signing_input, signature));
    EXPECT_FALSE(key->verify(signing_input + "x", signature));

    // The RFC's JWS has no "kid" and no claims set, but a JSON payload would decode; here the
    // payload is plain text, so only the signature check is reached and passes.
    const JwtCodec codec(std::shared_ptr<const SigningKey>(
        load_signing_key(JwtAlgorithm::EdDSA, key->private_pem())));
    EXPECT_EQ(reason_of(codec, signing_input + "." + b64(signature)),
              "payload is not a JSON object");
}

// RFC 7515 Appendix A.1: HMAC SHA-256 over the RFC's exact signing input.
TEST(JwtRfcVectors, Rfc7515Hs256) {
    const std::string k =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    const std::shared_ptr<const SigningKey> key = load_signing_key(JwtAlgorithm::HS256, k);
    const std::string signing_input =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ";
    const std::string expected = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    EXPECT_EQ(b64(key->sign(signing_input)), expected);
    EXPECT_TRUE(key->verify(signing_input, *base64url_decode(expected)));

    // The whole RFC token passes the codec too: "alg" matches and it carries no "kid".
    const JwtCodec codec(key);
    const auto claims = codec.decode(signing_input + "." + expected);
    EXPECT_EQ(claims.at("iss"), "joe");
    EXPECT_EQ(claims.at("exp"), 1300819380);
    EXPECT_EQ(claims.at("http://example.com/is_root"), true);
}

// ---------------------------------------------------------------------------------------------

class JwtEveryAlgorithm : public testing::TestWithParam<JwtAlgorithm> {};

INSTANTIATE_TEST_SUITE_P(All, JwtEveryAlgorithm, testing::ValuesIn(kAllAlgorithms),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST_P(JwtEveryAlgorithm, EncodeDecodeRoundTrip) {
    const JwtCodec codec(shared_key(GetParam()));
    const std::string token = codec.encode(kClaims);
    EXPECT_EQ(codec.decode(token), kClaims);

    const auto parts = split(token);
    ASSERT_EQ(parts.size(), 3u);
    const std::string expected_header = R"({"alg":")" + std::string(to_string(GetParam())) +
                                        R"(","typ":"JWT","kid":")" + codec.key().kid() + R"("})";
    EXPECT_EQ(base64url_decode(parts[0]), expected_header);
    EXPECT_EQ(base64url_decode(parts[1]), boost::json::serialize(kClaims));
}

TEST_P(JwtEveryAlgorithm, TheHeaderTypeIsTheOneGivenAndIsReadBack) {
    const JwtCodec codec(shared_key(GetParam()));
    const std::string token = codec.encode(kClaims, "at+jwt");
    const std::string expected_header = R"({"alg":")" + std::string(to_string(GetParam())) +
                                        R"(","typ":"at+jwt","kid":")" + codec.key().kid() + R"("})";
    EXPECT_EQ(base64url_decode(split(token)[0]), expected_header);
    const VerifiedJwt verified = codec.verify(token);
    EXPECT_EQ(verified.type, "at+jwt");
    EXPECT_EQ(verified.claims, kClaims);
    EXPECT_EQ(codec.verify(codec.encode(kClaims)).type, "JWT");
}

TEST(Jwt, AHeaderTypeThatIsNotAStringIsRefused) {
    const auto key = shared_key(JwtAlgorithm::HS256);
    const JwtCodec codec(key);
    for (const char* header : {R"({"alg":"HS256","typ":7})", R"({"alg":"HS256","typ":null})",
                               R"({"alg":"HS256","typ":["at+jwt"]})"}) {
        const std::string signing_input = base64url_encode(std::string_view(header)) + "." +
                                          base64url_encode(boost::json::serialize(kClaims));
        const std::string token = signing_input + "." + base64url_encode(key->sign(signing_input));
        EXPECT_THROW(codec.verify(token), JwtError) << header;
    }
    // No "typ" at all reads as "".
    const std::string signing_input = base64url_encode(std::string_view(R"({"alg":"HS256"})")) +
                                      "." + base64url_encode(boost::json::serialize(kClaims));
    EXPECT_EQ(codec.verify(signing_input + "." + base64url_encode(key->sign(signing_input))).type,
              "");
}

TEST_P(JwtEveryAlgorithm, PrivatePemRoundTripKeepsTheKey) {
    const auto original = shared_key(GetParam());
    const std::string pem = original->private_pem();
    if (GetParam() != JwtAlgorithm::HS256) {
        EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    } else {
        EXPECT_EQ(std::count(pem.begin(), pem.end(), '\n'), 1);
    }
    const std::shared_ptr<const SigningKey> reloaded = load_signing_key(GetParam(), pem);
    EXPECT_EQ(reloaded->kid(), original->kid());
    EXPECT_EQ(reloaded->public_jwk(), original->public_jwk());

    const JwtCodec signer(original);
    const JwtCodec verifier(reloaded);
    EXPECT_EQ(verifier.decode(signer.encode(kClaims)), kClaims);
    EXPECT_EQ(signer.decode(verifier.encode(kClaims)), kClaims);
}

TEST_P(JwtEveryAlgorithm, KeysFromDifferentGenerationsDoNotVerifyEachOther) {
    SystemRandom random;
    const JwtCodec first(shared_key(GetParam()));
    const JwtCodec second(
        std::shared_ptr<const SigningKey>(generate_signing_key(GetParam(), random)));
    EXPECT_NE(first.key().kid(), second.key().kid());
    EXPECT_THROW(second.decode(first.encode(kClaims)), JwtError);
}

TEST_P(JwtEveryAlgorithm, TamperedTokensAreRejected) {
    const JwtCodec codec(shared_key(GetParam()));
    const std::string token = codec.encode(kClaims);
    const auto parts = split(token);
    ASSERT_EQ(parts.size(), 3u);

    // Other claims under the original signature.
    boost::json::object forged = kClaims;
    forged["sub"] = "admin";
    const std::string other_payload = b64(boost::json::serialize(forged));
    EXPECT_EQ(reason_of(codec, parts[0] + "." + other_payload + "." + parts[2]),
              "signature is invalid");

    // Every single bit of the signature matters.
    const std::string signature = *base64url_decode(parts[2]);
    for (std::size_t bit = 0; bit < signature.size() * 8; bit += 7) {
        std::string flipped = signature;
        flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
        EXPECT_EQ(reason_of(codec, parts[0] + "." + parts[1] + "." + b64(flipped)),
                  "signature is invalid")
            << bit;
    }
    // A changed header (here: whitespace only) breaks the signature too.
    const std::string header = *base64url_decode(parts[0]);
    EXPECT_EQ(reason_of(codec, b64(header + " ") + "." + parts[1] + "." + parts[2]),
              "signature is invalid");
    // Truncated or extended signatures.
    EXPECT_THROW(codec.decode(parts[0] + "." + parts[1] + "." + b64(signature.substr(1))),
                 JwtError);
    EXPECT_THROW(codec.decode(parts[0] + "." + parts[1] + "." + b64(signature + '\0')), JwtError);
    EXPECT_THROW(codec.decode(parts[0] + "." + parts[1] + "."), JwtError);
}

TEST_P(JwtEveryAlgorithm, UnsignedAlgorithmsAreRejected) {
    const JwtCodec codec(shared_key(GetParam()));
    const std::string real = codec.encode(kClaims);
    const std::string real_signature = split(real)[2];
    const std::string payload = b64(boost::json::serialize(kClaims));
    for (const char* alg : {"none", "None", "NONE", ""}) {
        const std::string header = b64(std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})");
        EXPECT_EQ(reason_of(codec, header + "." + payload + "."), "token has no signature");
        EXPECT_EQ(reason_of(codec, header + "." + payload + "." + real_signature),
                  "header \"alg\" is not the key's algorithm")
            << alg;
    }
    EXPECT_EQ(reason_of(codec, b64(R"({"typ":"JWT"})") + "." + payload + "." + real_signature),
              "header has no \"alg\"");
    EXPECT_EQ(reason_of(codec, b64(R"({"alg":null})") + "." + payload + "." + real_signature),
              "header \"alg\" is not the key's algorithm");
    EXPECT_EQ(reason_of(codec, b64(R"({"alg":["RS256"]})") + "." + payload + "." + real_signature),
              "header \"alg\" is not the key's algorithm");
}

TEST_P(JwtEveryAlgorithm, OtherAlgorithmNamesAreRejectedEvenWhenSignedByTheKey) {
    const auto key = shared_key(GetParam());
    const JwtCodec codec(key);
    for (const auto other : kAllAlgorithms) {
        if (other == GetParam()) continue;
        const std::string header =
            R"({"alg":")" + std::string(to_string(other)) + R"(","kid":")" + key->kid() + R"("})";
        EXPECT_EQ(reason_of(codec, signed_token(*key, header, "{}")),
                  "header \"alg\" is not the key's algorithm");
    }
    const std::string lowercase = std::string(to_string(GetParam()));
    std::string changed_case = lowercase;
    for (char& c : changed_case)
        c = static_cast<char>(std::tolower(c));
    EXPECT_THROW(codec.decode(signed_token(*key, R"({"alg":")" + changed_case + R"("})", "{}")),
                 JwtError);
}

TEST_P(JwtEveryAlgorithm, KidMustMatchWhenPresent) {
    const auto key = shared_key(GetParam());
    const JwtCodec codec(key);
    const std::string alg = R"({"alg":")" + std::string(to_string(GetParam())) + "\"";
    EXPECT_EQ(codec.decode(signed_token(*key, alg + "}", R"({"a":1})")),
              (boost::json::object{{"a", 1}}));
    EXPECT_EQ(reason_of(codec, signed_token(*key, alg + R"(,"kid":"other"})", "{}")),
              "header \"kid\" is not the key's id");
    EXPECT_EQ(reason_of(codec, signed_token(*key, alg + R"(,"kid":""})", "{}")),
              "header \"kid\" is not the key's id");
    EXPECT_EQ(reason_of(codec, signed_token(*key, alg + R"(,"kid":7})", "{}")),
              "header \"kid\" is not the key's id");
}

TEST_P(JwtEveryAlgorithm, KeyReferencingHeadersAreRejected) {
    const auto key = shared_key(GetParam());
    const JwtCodec codec(key);
    const std::string prefix =
        R"({"alg":")" + std::string(to_string(GetParam())) + R"(","kid":")" + key->kid() + R"(",)";
    for (const char* member : {R"("jku":"https://evil.example/jwks")", R"("jwk":{"kty":"oct"})",
                               R"("x5u":"https://evil.example/cert")", R"("x5c":["MIIB"])",
                               R"("crit":["exp"])", R"("jku":null)"}) {
        const std::string reason =
            reason_of(codec, signed_token(*key, prefix + member + "}", "{}"));
        EXPECT_EQ(reason.rfind("header has forbidden parameter", 0), 0u)
            << member << ": " << reason;
    }
}

TEST_P(JwtEveryAlgorithm, PayloadMustBeASmallJsonObject) {
    const auto key = shared_key(GetParam());
    const JwtCodec codec(key);
    const std::string header = R"({"alg":")" + std::string(to_string(GetParam())) + R"("})";
    for (const char* payload : {"[]", "1", "\"text\"", "null", "{", "{\"a\":1}x", "\xff{}", ""}) {
        EXPECT_EQ(reason_of(codec, signed_token(*key, header, payload)),
                  "payload is not a JSON object")
            << payload;
    }
    const std::string big = R"({"pad":")" + std::string(16 * 1024, 'x') + R"("})";
    EXPECT_EQ(reason_of(codec, signed_token(*key, header, big)), "payload is larger than 16 KiB");
    const std::string just_fits = R"({"pad":")" + std::string(16 * 1024 - 10, 'x') + R"("})";
    ASSERT_EQ(just_fits.size(), 16u * 1024);
    EXPECT_EQ(codec.decode(signed_token(*key, header, just_fits)).at("pad").as_string().size(),
              16u * 1024 - 10);
}

TEST_P(JwtEveryAlgorithm, JwksHasTheRightShape) {
    const JwtCodec codec(shared_key(GetParam()));
    const auto jwks = codec.jwks();
    ASSERT_EQ(jwks.size(), 1u);
    const auto& keys = jwks.at("keys").as_array();
    if (GetParam() == JwtAlgorithm::HS256) {
        EXPECT_TRUE(keys.empty());
        EXPECT_FALSE(codec.key().public_jwk());
        return;
    }
    ASSERT_EQ(keys.size(), 1u);
    const auto& jwk = keys[0].as_object();
    EXPECT_EQ(jwk, *codec.key().public_jwk());
    EXPECT_EQ(jwk.at("alg"), boost::json::string(to_string(GetParam())));
    EXPECT_EQ(jwk.at("use"), "sig");
    EXPECT_EQ(jwk.at("kid").as_string(), codec.key().kid());
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_FALSE(jwk.contains("p"));
    const auto decoded_size = [&](const char* member) {
        return base64url_decode(jwk.at(member).as_string())->size();
    };
    switch (GetParam()) {
        case JwtAlgorithm::EdDSA:
            EXPECT_EQ(jwk.size(), 6u);
            EXPECT_EQ(jwk.at("kty"), "OKP");
            EXPECT_EQ(jwk.at("crv"), "Ed25519");
            EXPECT_EQ(decoded_size("x"), 32u);
            break;
        case JwtAlgorithm::RS256:
        case JwtAlgorithm::RS512: {
            EXPECT_EQ(jwk.size(), 6u);
            EXPECT_EQ(jwk.at("kty"), "RSA");
            EXPECT_EQ(jwk.at("e"), "AQAB");
            const std::string n = *base64url_decode(jwk.at("n").as_string());
            EXPECT_EQ(n.size(), 384u);  // 3072 bits
            EXPECT_NE(n[0], '\0');
            break;
        }
        case JwtAlgorithm::ES256:
            EXPECT_EQ(jwk.size(), 7u);
            EXPECT_EQ(jwk.at("kty"), "EC");
            EXPECT_EQ(jwk.at("crv"), "P-256");
            EXPECT_EQ(decoded_size("x"), 32u);
            EXPECT_EQ(decoded_size("y"), 32u);
            break;
        case JwtAlgorithm::HS256:
            break;
    }
    // The kid is the RFC 7638 thumbprint of exactly the required members.
    std::string canonical;
    if (jwk.at("kty") == "RSA") {
        canonical = R"({"e":")" + std::string(jwk.at("e").as_string()) + R"(","kty":"RSA","n":")" +
                    std::string(jwk.at("n").as_string()) + R"("})";
    } else if (jwk.at("kty") == "EC") {
        canonical = R"({"crv":"P-256","kty":"EC","x":")" + std::string(jwk.at("x").as_string()) +
                    R"(","y":")" + std::string(jwk.at("y").as_string()) + R"("})";
    } else {
        canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + std::string(jwk.at("x").as_string()) +
                    R"("})";
    }
    unsigned char digest[32];
    unsigned int digest_size = 0;
    ASSERT_EQ(
        EVP_Digest(canonical.data(), canonical.size(), digest, &digest_size, EVP_sha256(), nullptr),
        1);
    EXPECT_EQ(codec.key().kid(), base64url_encode(digest, digest_size));
}

TEST_P(JwtEveryAlgorithm, GarbageNeverCrashes) {
    const JwtCodec codec(shared_key(GetParam()));
    const std::vector<std::string> garbage = {
        "",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "eyJ9.e30.AAAA",
        "e30.e30.AAAA",
        "bnVsbA.e30.AAAA",
        "W10.e30.AAAA",
        std::string(1 << 20, 'a'),
        std::string(1 << 20, '.'),
        std::string(100000, 'a') + "." + std::string(100000, 'b') + "." + "cc",
        "====.====.====",
        "\xff\xfe.\x00.x",
        b64(std::string(10000, '[')) + ".e30.AAAA",
        b64(R"({"alg":")" + std::string(to_string(GetParam())) + "\"" + std::string(5000, ' ') +
            "}") +
            ".e30.AAAA",
    };
    for (const auto& token : garbage) {
        EXPECT_THROW(codec.decode(token), JwtError) << token.substr(0, 40);
    }

    // Random mutations of a valid token either still decode to the claims or throw JwtError.
    const std::string token = codec.encode(kClaims);
    std::mt19937 generator(12345);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 2000; ++round) {
        std::string mutated = token;
        const int edits = 1 + round % 4;
        for (int edit = 0; edit < edits; ++edit) {
            std::uniform_int_distribution<std::size_t> position(0, mutated.size() - 1);
            switch (byte(generator) % 3) {
                case 0:
                    mutated[position(generator)] = static_cast<char>(byte(generator));
                    break;
                case 1:
                    mutated.erase(position(generator), 1);
                    break;
                default:
                    mutated.insert(position(generator), 1, static_cast<char>(byte(generator)));
                    break;
            }
            if (mutated.empty()) mutated = ".";
        }
        try {
            EXPECT_EQ(codec.decode(mutated), kClaims);
        } catch (const JwtError&) {
        }
    }
}

// ---------------------------------------------------------------------------------------------

TEST(JwtRsa, Rs512WithA4096BitKeyInBothPemForms) {
    const auto pkcs8 = load_signing_key(JwtAlgorithm::RS512, rsa4096_pem(false));
    const std::shared_ptr<const SigningKey> legacy =
        load_signing_key(JwtAlgorithm::RS512, rsa4096_pem(true));
    EXPECT_EQ(rsa4096_pem(true).rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
    EXPECT_EQ(pkcs8->kid(), legacy->kid());

    const JwtCodec codec(legacy);
    const std::string token = codec.encode(kClaims);
    EXPECT_EQ(base64url_decode(split(token)[2])->size(), 512u);
    EXPECT_EQ(codec.decode(token), kClaims);
    EXPECT_TRUE(
        pkcs8->verify(token.substr(0, token.rfind('.')), *base64url_decode(split(token)[2])));
    EXPECT_EQ(base64url_decode(pkcs8->public_jwk()->at("n").as_string())->size(), 512u);

    // The same key under RS256 signs differently and is not accepted by the RS512 codec.
    const std::shared_ptr<const SigningKey> rs256 =
        load_signing_key(JwtAlgorithm::RS256, rsa4096_pem(false));
    EXPECT_EQ(rs256->kid(), legacy->kid());
    EXPECT_THROW(codec.decode(JwtCodec(rs256).encode(kClaims)), JwtError);
}

TEST(JwtRsa, ShortKeysAreRejected) {
    const auto small = rsa_keypair(1024);
    ASSERT_TRUE(small);
    for (const auto algorithm : {JwtAlgorithm::RS256, JwtAlgorithm::RS512}) {
        try {
            load_signing_key(algorithm, private_pem_of(small.get()));
            ADD_FAILURE() << "1024-bit key accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("2048"), std::string::npos) << e.what();
        }
        EXPECT_THROW(load_signing_key(algorithm, private_pem_of(small.get(), true)),
                     std::invalid_argument);
    }
    const auto minimum = rsa_keypair(2048);
    EXPECT_NO_THROW(load_signing_key(JwtAlgorithm::RS256, private_pem_of(minimum.get())));
}

// An HS256 token whose secret is the RSA public key PEM must not pass an RS256 verifier.
TEST(JwtRsa, AlgorithmConfusionIsRejected) {
    const auto rsa = shared_key(JwtAlgorithm::RS256);
    const JwtCodec codec(rsa);
    const std::string public_pem = public_pem_of(rsa->private_pem());
    ASSERT_EQ(public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);

    for (const std::string& secret : {public_pem, public_pem.substr(0, public_pem.size() - 1)}) {
        const auto hmac = load_signing_key(JwtAlgorithm::HS256, secret);
        const std::string header = R"({"alg":"HS256","typ":"JWT","kid":")" + rsa->kid() + R"("})";
        EXPECT_EQ(reason_of(codec, signed_token(*hmac, header, boost::json::serialize(kClaims))),
                  "header \"alg\" is not the key's algorithm");
        // Even if "alg" claimed RS256, an HMAC is not an RSA signature.
        const std::string lying = R"({"alg":"RS256","typ":"JWT","kid":")" + rsa->kid() + R"("})";
        EXPECT_EQ(reason_of(codec, signed_token(*hmac, lying, boost::json::serialize(kClaims))),
                  "signature is invalid");
    }
    // Nor can the public key be loaded as a private one.
    EXPECT_THROW(load_signing_key(JwtAlgorithm::RS256, public_pem), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------

TEST(JwtEs256, SignaturesAreRawFixedLength) {
    const auto key = shared_key(JwtAlgorithm::ES256);
    const JwtCodec codec(key);
    const std::string token = codec.encode(kClaims);
    const std::string signing_input = token.substr(0, token.rfind('.'));
    const std::string signature = *base64url_decode(split(token)[2]);
    ASSERT_EQ(signature.size(), 64u);
    EXPECT_TRUE(key->verify(signing_input, signature));

    EXPECT_FALSE(key->verify(signing_input, signature.substr(0, 63)));
    EXPECT_FALSE(key->verify(signing_input, signature + '\0'));
    EXPECT_FALSE(key->verify(signing_input, '\0' + signature));
    EXPECT_FALSE(key->verify(signing_input, ""));
    EXPECT_FALSE(key->verify(signing_input, std::string(64, '\0')));
    EXPECT_FALSE(key->verify(signing_input, std::string(64, '\xff')));

    // The same signature in DER form (as OpenSSL would write it) is not JOSE and is refused.
    ECDSA_SIG* sig = ECDSA_SIG_new();
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_size = i2d_ECDSA_SIG(sig, &der);
    ASSERT_GT(der_size, 0);
    const std::string der_signature(reinterpret_cast<char*>(der), der_size);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EXPECT_FALSE(key->verify(signing_input, der_signature));
    EXPECT_EQ(reason_of(codec, signing_input + "." + b64(der_signature)), "signature is invalid");
    EXPECT_EQ(reason_of(codec, signing_input + "." + b64(signature.substr(0, 63))),
              "signature is invalid");
}

// ---------------------------------------------------------------------------------------------

TEST(JwtKeyLoading, WrongKeyTypesAreRejected) {
    const std::string p256 = ec_pem("P-256");
    const std::string p384 = ec_pem("P-384");
    const std::string rsa = rsa4096_pem(false);
    const std::string ed = ed25519_pem(std::string(32, '\x07'));

    const std::vector<std::pair<JwtAlgorithm, std::string>> mismatches = {
        {JwtAlgorithm::RS256, p256}, {JwtAlgorithm::RS512, ed},
        {JwtAlgorithm::ES256, rsa},  {JwtAlgorithm::ES256, ed},
        {JwtAlgorithm::ES256, p384}, {JwtAlgorithm::EdDSA, rsa},
        {JwtAlgorithm::EdDSA, p256}, {JwtAlgorithm::RS256, rsa4096_pem(true) + "garbage"},
    };
    for (std::size_t i = 0; i + 1 < mismatches.size(); ++i) {
        const auto& [algorithm, pem] = mismatches[i];
        try {
            load_signing_key(algorithm, pem);
            ADD_FAILURE() << "accepted a wrong key for " << to_string(algorithm);
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(to_string(algorithm)), std::string::npos)
                << e.what();
        }
    }
    // Trailing text after the PEM block is ignored, as PEM readers do.
    EXPECT_NO_THROW(load_signing_key(mismatches.back().first, mismatches.back().second));

    EXPECT_NO_THROW(load_signing_key(JwtAlgorithm::ES256, p256));
    EXPECT_NO_THROW(load_signing_key(JwtAlgorithm::EdDSA, ed));
}

TEST(JwtKeyLoading, NonKeysAreRejected) {
    for (const auto algorithm :
         {JwtAlgorithm::EdDSA, JwtAlgorithm::RS256, JwtAlgorithm::RS512, JwtAlgorithm::ES256}) {
        for (const std::string& text :
             {std::string(), std::string("not a key"),
              std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
              public_pem_of(ec_pem("P-256")), std::string(2 << 20, 'A')}) {
            EXPECT_THROW(load_signing_key(algorithm, text), std::invalid_argument);
        }
    }
}

TEST(JwtKeyLoading, EncryptedKeysAreRejectedWithoutPrompting) {
    PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    BIO* bio = BIO_new(BIO_s_mem());
    const std::string passphrase = "correct horse";
    ASSERT_EQ(PEM_write_bio_PrivateKey(bio, pkey.get(), EVP_aes_256_cbc(),
                                       reinterpret_cast<const unsigned char*>(passphrase.data()),
                                       static_cast<int>(passphrase.size()), nullptr, nullptr),
              1);
    const std::string encrypted = bio_text(bio);
    BIO_free(bio);
    ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
    EXPECT_THROW(load_signing_key(JwtAlgorithm::ES256, encrypted), std::invalid_argument);
}

TEST(JwtKeyLoading, Hs256Secrets) {
    const std::string raw32(32, 'k');
    const auto from_raw = load_signing_key(JwtAlgorithm::HS256, raw32);
    EXPECT_EQ(load_signing_key(JwtAlgorithm::HS256, raw32 + "\n")->kid(), from_raw->kid());
    EXPECT_EQ(load_signing_key(JwtAlgorithm::HS256, raw32 + "\r\n")->kid(), from_raw->kid());
    EXPECT_EQ(from_raw->kid().size(), 16u);
    EXPECT_THROW(load_signing_key(JwtAlgorithm::HS256, std::string(31, 'k')),
                 std::invalid_argument);
    EXPECT_THROW(load_signing_key(JwtAlgorithm::HS256, std::string(31, 'k') + "\n"),
                 std::invalid_argument);
    EXPECT_THROW(load_signing_key(JwtAlgorithm::HS256, ""), std::invalid_argument);

    // The file form is base64url of the secret; it decodes back to the same bytes.
    const std::string pem = from_raw->private_pem();
    EXPECT_EQ(pem, base64url_encode(raw32) + "\n");
    EXPECT_EQ(load_signing_key(JwtAlgorithm::HS256, pem)->kid(), from_raw->kid());

    // Binary secrets survive the round trip too.
    CountingRandom random;
    const auto generated = generate_signing_key(JwtAlgorithm::HS256, random);
    EXPECT_EQ(load_signing_key(JwtAlgorithm::HS256, generated->private_pem())->sign("x"),
              generated->sign("x"));
    EXPECT_EQ(generated->sign("x").size(), 32u);
    EXPECT_FALSE(generated->verify("x", generated->sign("y")));
    EXPECT_FALSE(generated->verify("x", generated->sign("x").substr(0, 31)));
}

TEST(JwtKeyLoading, Ed25519KeysComeFromTheInjectedRandom) {
    CountingRandom first;
    CountingRandom second;
    const auto a = generate_signing_key(JwtAlgorithm::EdDSA, first);
    const auto b = generate_signing_key(JwtAlgorithm::EdDSA, second);
    EXPECT_EQ(a->kid(), b->kid());
    EXPECT_EQ(a->private_pem(), b->private_pem());
    std::string seed(32, '\0');
    for (int i = 0; i < 32; ++i)
        seed[i] = static_cast<char>(i + 1);
    EXPECT_EQ(load_signing_key(JwtAlgorithm::EdDSA, ed25519_pem(seed))->kid(), a->kid());
}

// ---------------------------------------------------------------------------------------------

class JwtKeyFile : public testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "authd-jwt-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    static std::string read(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        return content.str();
    }

    std::filesystem::path directory_;
    SystemRandom random_;
};

TEST_F(JwtKeyFile, CreatesOnceWithMode0600AndReuses) {
    for (const auto algorithm : {JwtAlgorithm::EdDSA, JwtAlgorithm::ES256, JwtAlgorithm::HS256}) {
        const auto path =
            directory_ / "keys" / "nested" / (std::string(to_string(algorithm)) + ".pem");
        const auto created = load_or_create_signing_key(algorithm, path.string(), true, random_);
        ASSERT_TRUE(std::filesystem::exists(path));
        struct stat info {};
        ASSERT_EQ(::stat(path.c_str(), &info), 0);
        EXPECT_EQ(info.st_mode & 0777, 0600u);
        const std::string content = read(path);
        EXPECT_EQ(content, created->private_pem());

        const auto reused = load_or_create_signing_key(algorithm, path.string(), true, random_);
        EXPECT_EQ(reused->kid(), created->kid());
        EXPECT_EQ(read(path), content);
        const auto loaded = load_or_create_signing_key(algorithm, path.string(), false, random_);
        EXPECT_EQ(loaded->kid(), created->kid());
    }
    // No temporary files are left behind.
    for (const auto& entry : std::filesystem::directory_iterator(directory_ / "keys" / "nested")) {
        EXPECT_EQ(entry.path().extension(), ".pem") << entry.path();
    }
}

TEST_F(JwtKeyFile, MissingFileWithoutCreateFails) {
    const auto path = directory_ / "absent.pem";
    try {
        load_or_create_signing_key(JwtAlgorithm::EdDSA, path.string(), false, random_);
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(JwtKeyFile, UnusableFilesNameThePath) {
    const auto path = directory_ / "wrong.pem";
    std::ofstream(path) << ec_pem("P-256");
    for (const bool create : {false, true}) {
        try {
            load_or_create_signing_key(JwtAlgorithm::EdDSA, path.string(), create, random_);
            ADD_FAILURE() << "no exception";
        } catch (const std::invalid_argument& e) {
            ADD_FAILURE() << "expected runtime_error, got invalid_argument: " << e.what();
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
        }
    }
    // A directory where the file should be is an error too, not a crash.
    EXPECT_THROW(
        load_or_create_signing_key(JwtAlgorithm::EdDSA, directory_.string(), true, random_),
        std::runtime_error);
}

TEST_F(JwtKeyFile, UncreatableDirectoryFails) {
    const auto blocker = directory_ / "file";
    std::ofstream(blocker) << "not a directory";
    try {
        load_or_create_signing_key(JwtAlgorithm::HS256, (blocker / "sub" / "k.pem").string(), true,
                                   random_);
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(blocker.string()), std::string::npos) << e.what();
    }
}

TEST_F(JwtKeyFile, UnwritableDirectoryFails) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
    const auto locked = directory_ / "locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    EXPECT_THROW(
        load_or_create_signing_key(JwtAlgorithm::HS256, (locked / "k.pem").string(), true, random_),
        std::runtime_error);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace authd::crypto
