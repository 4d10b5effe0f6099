#include "crypto/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/base64url.h"
#include "crypto/openssl.h"
#include "util/private_file.h"
#include "util/random.h"

namespace authd::crypto {

namespace {

constexpr std::size_t kMinRsaBits = 2048;
constexpr std::size_t kGeneratedRsaBits = 3072;
constexpr std::size_t kMinHmacSecretBytes = 32;
constexpr std::size_t kEs256CoordinateBytes = 32;
constexpr std::size_t kMaxPayloadBytes = 16 * 1024;
// Bounds all work done on an untrusted token before anything is decoded.
constexpr std::size_t kMaxTokenChars = 64 * 1024;
// A key file is a few kilobytes; this only guards the int casts OpenSSL's BIOs need.
constexpr std::size_t kMaxPemChars = 1024 * 1024;

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

// The oldest OpenSSL error as text, clearing the queue so it does not leak into later calls.
std::string take_openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    return buffer.data();
}

[[noreturn]] void throw_openssl(const std::string& what) {
    throw std::runtime_error(what + ": " + take_openssl_error());
}

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

std::string sha256(std::string_view data) {
    std::string digest(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()), bytes_of(data),
                       data.size());
    return digest;
}

std::string thumbprint(const std::string& canonical_jwk) {
    return base64url_encode(sha256(canonical_jwk));
}

// A big-endian unsigned integer as JWK wants it: no leading zero bytes, or a fixed width.
std::string bignum_param(const EVP_PKEY* pkey, const char* name, int fixed_width = 0) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) throw_openssl("reading key parameter");
    const BnPtr value(raw);
    const int width = fixed_width > 0 ? fixed_width : BN_num_bytes(value.get());
    std::string out(static_cast<std::size_t>(width), '\0');
    if (BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(out.data()), width) != width) {
        throw_openssl("encoding key parameter");
    }
    return base64url_encode(out);
}

// Unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), whatever form the key was read from.
std::string write_private_pem(const EVP_PKEY* pkey) {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw_openssl("writing the private key as PEM");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    std::string pem(data, static_cast<std::size_t>(size));
    OPENSSL_cleanse(data, static_cast<std::size_t>(size));  // the BIO's copy held the key too
    return pem;
}

boost::json::object jwk_base(JwtAlgorithm algorithm, const std::string& kid) {
    return {{"alg", to_string(algorithm)}, {"use", "sig"}, {"kid", kid}};
}

// ---------------------------------------------------------------------------------------------
// Ed25519 through libsodium; OpenSSL is only used to move the seed in and out of PEM.

class Ed25519Key final : public SigningKey {
  public:
    explicit Ed25519Key(const unsigned char (&seed)[crypto_sign_SEEDBYTES]) {
        ensure_sodium();
        crypto_sign_seed_keypair(public_key_.data(), secret_key_.data(), seed);
        public_x_ = base64url_encode(public_key_.data(), public_key_.size());
        kid_ = thumbprint(R"({"crv":"Ed25519","kty":"OKP","x":")" + public_x_ + R"("})");
    }
    ~Ed25519Key() override { sodium_memzero(secret_key_.data(), secret_key_.size()); }

    JwtAlgorithm algorithm() const override { return JwtAlgorithm::EdDSA; }
    const std::string& kid() const override { return kid_; }

    std::string sign(std::string_view signing_input) const override {
        std::string signature(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                             bytes_of(signing_input), signing_input.size(), secret_key_.data());
        return signature;
    }

    bool verify(std::string_view signing_input, std::string_view signature) const override {
        if (signature.size() != crypto_sign_BYTES) return false;
        return crypto_sign_verify_detached(bytes_of(signature), bytes_of(signing_input),
                                           signing_input.size(), public_key_.data()) == 0;
    }

    std::optional<boost::json::object> public_jwk() const override {
        boost::json::object jwk{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", public_x_}};
        for (auto& member : jwk_base(algorithm(), kid_))
            jwk.insert(member);
        return jwk;
    }

    std::string private_pem() const override {
        // libsodium's secret key is seed || public key; PKCS#8 holds the seed alone.
        const PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                        secret_key_.data(), crypto_sign_SEEDBYTES));
        if (!pkey) throw_openssl("wrapping the Ed25519 seed");
        return write_private_pem(pkey.get());
    }

  private:
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key_{};
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key_{};
    std::string public_x_;
    std::string kid_;
};

// ---------------------------------------------------------------------------------------------
// RSA and ECDSA through OpenSSL's EVP interface. The EVP_PKEY is only read after construction,
// which OpenSSL 3 allows from several threads at once.

class EvpKey : public SigningKey {
  public:
    EvpKey(JwtAlgorithm algorithm, PkeyPtr pkey, const char* digest)
        : algorithm_(algorithm), pkey_(std::move(pkey)), digest_(digest) {}

    JwtAlgorithm algorithm() const override { return algorithm_; }
    const std::string& kid() const override { return kid_; }
    std::string private_pem() const override { return write_private_pem(pkey_.get()); }

  protected:
    // The signature as OpenSSL produces it (PKCS#1 v1.5 block, or DER for ECDSA).
    std::string digest_sign(std::string_view signing_input) const {
        const MdCtxPtr ctx(EVP_MD_CTX_new());
        std::size_t size = 0;
        if (!ctx ||
            EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_, nullptr, nullptr, pkey_.get(),
                                  nullptr) != 1 ||
            EVP_DigestSign(ctx.get(), nullptr, &size, bytes_of(signing_input),
                           signing_input.size()) != 1) {
            throw_openssl("signing");
        }
        std::string signature(size, '\0');
        if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                           bytes_of(signing_input), signing_input.size()) != 1) {
            throw_openssl("signing");
        }
        signature.resize(size);
        return signature;
    }

    bool digest_verify(std::string_view signing_input, std::string_view signature) const {
        return verify_signature(pkey_.get(), digest_,
                                {bytes_of(signing_input), signing_input.size()},
                                {bytes_of(signature), signature.size()});
    }

    const EVP_PKEY* pkey() const { return pkey_.get(); }
    void set_kid(std::string kid) { kid_ = std::move(kid); }

  private:
    JwtAlgorithm algorithm_;
    PkeyPtr pkey_;
    const char* digest_;
    std::string kid_;
};

class RsaKey final : public EvpKey {
  public:
    RsaKey(JwtAlgorithm algorithm, PkeyPtr pkey)
        : EvpKey(algorithm, std::move(pkey),
                 algorithm == JwtAlgorithm::RS512 ? "SHA512" : "SHA256"),
          n_(bignum_param(this->pkey(), OSSL_PKEY_PARAM_RSA_N)),
          e_(bignum_param(this->pkey(), OSSL_PKEY_PARAM_RSA_E)),
          signature_size_(static_cast<std::size_t>(EVP_PKEY_get_size(this->pkey()))) {
        set_kid(thumbprint(R"({"e":")" + e_ + R"(","kty":"RSA","n":")" + n_ + R"("})"));
    }

    std::string sign(std::string_view signing_input) const override {
        return digest_sign(signing_input);
    }

    bool verify(std::string_view signing_input, std::string_view signature) const override {
        if (signature.size() != signature_size_) return false;
        return digest_verify(signing_input, signature);
    }

    std::optional<boost::json::object> public_jwk() const override {
        boost::json::object jwk{{"kty", "RSA"}, {"n", n_}, {"e", e_}};
        for (auto& member : jwk_base(algorithm(), kid()))
            jwk.insert(member);
        return jwk;
    }

  private:
    std::string n_;
    std::string e_;
    std::size_t signature_size_;
};

class Es256Key final : public EvpKey {
  public:
    explicit Es256Key(PkeyPtr pkey)
        : EvpKey(JwtAlgorithm::ES256, std::move(pkey), "SHA256"),
          x_(bignum_param(this->pkey(), OSSL_PKEY_PARAM_EC_PUB_X, kEs256CoordinateBytes)),
          y_(bignum_param(this->pkey(), OSSL_PKEY_PARAM_EC_PUB_Y, kEs256CoordinateBytes)) {
        set_kid(
            thumbprint(R"({"crv":"P-256","kty":"EC","x":")" + x_ + R"(","y":")" + y_ + R"("})"));
    }

    // JOSE wants r || s, each 32 bytes big-endian (RFC 7518 §3.4), not OpenSSL's DER.
    std::string sign(std::string_view signing_input) const override {
        const std::string der = digest_sign(signing_input);
        const unsigned char* cursor = bytes_of(der);
        const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
        if (!sig) throw_openssl("decoding the ECDSA signature");
        std::string raw(2 * kEs256CoordinateBytes, '\0');
        auto* out = reinterpret_cast<unsigned char*>(raw.data());
        if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kEs256CoordinateBytes) < 0 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kEs256CoordinateBytes,
                         kEs256CoordinateBytes) < 0) {
            throw_openssl("encoding the ECDSA signature");
        }
        return raw;
    }

    bool verify(std::string_view signing_input, std::string_view signature) const override {
        if (signature.size() != 2 * kEs256CoordinateBytes) return false;
        const auto* raw = bytes_of(signature);
        BnPtr r(BN_bin2bn(raw, kEs256CoordinateBytes, nullptr));
        BnPtr s(BN_bin2bn(raw + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr));
        EcdsaSigPtr sig(ECDSA_SIG_new());
        if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
            ERR_clear_error();
            return false;
        }
        r.release();  // now owned by sig
        s.release();
        unsigned char* der = nullptr;
        const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
        if (der_size <= 0) {
            ERR_clear_error();
            return false;
        }
        const bool valid =
            digest_verify(signing_input, std::string_view(reinterpret_cast<const char*>(der),
                                                          static_cast<std::size_t>(der_size)));
        OPENSSL_free(der);
        return valid;
    }

    std::optional<boost::json::object> public_jwk() const override {
        boost::json::object jwk{{"kty", "EC"}, {"crv", "P-256"}, {"x", x_}, {"y", y_}};
        for (auto& member : jwk_base(algorithm(), kid()))
            jwk.insert(member);
        return jwk;
    }

  private:
    std::string x_;
    std::string y_;
};

// ---------------------------------------------------------------------------------------------

class Hs256Key final : public SigningKey {
  public:
    explicit Hs256Key(std::string secret) : secret_(std::move(secret)) {
        const std::string id = base64url_encode(sha256("authd-hs256-kid:" + secret_));
        kid_ = id.substr(0, 16);
    }
    ~Hs256Key() override { sodium_memzero(secret_.data(), secret_.size()); }

    JwtAlgorithm algorithm() const override { return JwtAlgorithm::HS256; }
    const std::string& kid() const override { return kid_; }

    std::string sign(std::string_view signing_input) const override {
        std::string mac(EVP_MAX_MD_SIZE, '\0');
        unsigned int size = 0;
        if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
                 bytes_of(signing_input), signing_input.size(),
                 reinterpret_cast<unsigned char*>(mac.data()), &size) == nullptr) {
            throw_openssl("computing HMAC-SHA256");
        }
        mac.resize(size);
        return mac;
    }

    bool verify(std::string_view signing_input, std::string_view signature) const override {
        const std::string expected = sign(signing_input);
        return signature.size() == expected.size() &&
               CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
    }

    std::optional<boost::json::object> public_jwk() const override { return std::nullopt; }

    std::string private_pem() const override { return base64url_encode(secret_) + "\n"; }

  private:
    std::string secret_;
    std::string kid_;
};

// ---------------------------------------------------------------------------------------------

// Refuses to prompt on the terminal for an encrypted key: a service has nobody to ask.
int refuse_passphrase(char*, int, int, void*) {
    return -1;
}

PkeyPtr read_private_key(std::string_view pem, JwtAlgorithm algorithm) {
    if (pem.size() > kMaxPemChars) {
        throw std::invalid_argument(std::string("key text for ") +
                                    std::string(to_string(algorithm)) + " is too large");
    }
    const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw_openssl("allocating a BIO");
    PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
    if (!pkey) {
        throw std::invalid_argument(
            "key for " + std::string(to_string(algorithm)) +
            " is not an unencrypted PEM private key (PKCS#8 or traditional): " +
            take_openssl_error());
    }
    return pkey;
}

[[noreturn]] void throw_wrong_type(JwtAlgorithm algorithm, const char* expected,
                                   const EVP_PKEY* pkey) {
    const char* actual = EVP_PKEY_get0_type_name(pkey);
    throw std::invalid_argument(std::string(to_string(algorithm)) + " needs " + expected +
                                " private key, but the PEM holds " +
                                (actual != nullptr ? actual : "an unknown kind of") + " key");
}

std::unique_ptr<SigningKey> ed25519_from_pkey(const EVP_PKEY* pkey) {
    unsigned char seed[crypto_sign_SEEDBYTES];
    std::size_t size = sizeof seed;
    if (EVP_PKEY_get_raw_private_key(pkey, seed, &size) != 1 || size != sizeof seed) {
        ERR_clear_error();
        throw std::invalid_argument("the Ed25519 private key could not be read");
    }
    auto key = std::make_unique<Ed25519Key>(seed);
    sodium_memzero(seed, sizeof seed);
    return key;
}

std::unique_ptr<SigningKey> rsa_from_pkey(JwtAlgorithm algorithm, PkeyPtr pkey) {
    if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) throw_wrong_type(algorithm, "an RSA", pkey.get());
    const int bits = EVP_PKEY_get_bits(pkey.get());
    if (bits < static_cast<int>(kMinRsaBits)) {
        throw std::invalid_argument(std::string(to_string(algorithm)) +
                                    " needs an RSA key of at least " + std::to_string(kMinRsaBits) +
                                    " bits, this one has " + std::to_string(bits));
    }
    return std::make_unique<RsaKey>(algorithm, std::move(pkey));
}

std::unique_ptr<SigningKey> es256_from_pkey(PkeyPtr pkey) {
    if (EVP_PKEY_is_a(pkey.get(), "EC") != 1) {
        throw_wrong_type(JwtAlgorithm::ES256, "an EC (P-256)", pkey.get());
    }
    std::array<char, 64> group{};
    std::size_t group_length = 0;
    if (EVP_PKEY_get_group_name(pkey.get(), group.data(), group.size(), &group_length) != 1 ||
        std::string_view(group.data(), group_length) != SN_X9_62_prime256v1) {
        ERR_clear_error();
        throw std::invalid_argument("ES256 needs an EC key on curve P-256 (prime256v1), not " +
                                    std::string(group.data(), group_length));
    }
    return std::make_unique<Es256Key>(std::move(pkey));
}

std::string trim_trailing_newlines(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    return std::string(text);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("signing key file '" + path +
                                 "' could not be opened: " + std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw std::runtime_error("signing key file '" + path + "' could not be read");
    return content.str();
}

}  // namespace

// -------------------------------------------------------------------------------------------------

std::optional<JwtAlgorithm> parse_jwt_algorithm(std::string_view name) {
    for (const auto algorithm : {JwtAlgorithm::EdDSA, JwtAlgorithm::RS256, JwtAlgorithm::RS512,
                                 JwtAlgorithm::ES256, JwtAlgorithm::HS256}) {
        if (to_string(algorithm) == name) return algorithm;
    }
    return std::nullopt;
}

std::string_view to_string(JwtAlgorithm algorithm) {
    switch (algorithm) {
        case JwtAlgorithm::EdDSA:
            return "EdDSA";
        case JwtAlgorithm::RS256:
            return "RS256";
        case JwtAlgorithm::RS512:
            return "RS512";
        case JwtAlgorithm::ES256:
            return "ES256";
        case JwtAlgorithm::HS256:
            return "HS256";
    }
    return "unknown";
}

std::unique_ptr<SigningKey> load_signing_key(JwtAlgorithm algorithm, std::string_view pem) {
    if (algorithm == JwtAlgorithm::HS256) {
        std::string text = trim_trailing_newlines(pem);
        // What private_pem() writes is base64url; anything else is taken as the raw secret.
        if (auto decoded = base64url_decode(text);
            decoded && decoded->size() >= kMinHmacSecretBytes) {
            sodium_memzero(text.data(), text.size());
            return std::make_unique<Hs256Key>(std::move(*decoded));
        }
        if (text.size() < kMinHmacSecretBytes) {
            throw std::invalid_argument("HS256 needs a secret of at least " +
                                        std::to_string(kMinHmacSecretBytes) + " bytes");
        }
        return std::make_unique<Hs256Key>(std::move(text));
    }

    PkeyPtr pkey = read_private_key(pem, algorithm);
    switch (algorithm) {
        case JwtAlgorithm::EdDSA:
            if (EVP_PKEY_is_a(pkey.get(), "ED25519") != 1) {
                throw_wrong_type(algorithm, "an Ed25519", pkey.get());
            }
            return ed25519_from_pkey(pkey.get());
        case JwtAlgorithm::RS256:
        case JwtAlgorithm::RS512:
            return rsa_from_pkey(algorithm, std::move(pkey));
        case JwtAlgorithm::ES256:
            return es256_from_pkey(std::move(pkey));
        case JwtAlgorithm::HS256:
            break;
    }
    throw std::invalid_argument("unsupported JWT algorithm");
}

std::unique_ptr<SigningKey> generate_signing_key(JwtAlgorithm algorithm, Random& random) {
    switch (algorithm) {
        case JwtAlgorithm::EdDSA: {
            unsigned char seed[crypto_sign_SEEDBYTES];
            random.fill(seed, sizeof seed);
            auto key = std::make_unique<Ed25519Key>(seed);
            sodium_memzero(seed, sizeof seed);
            return key;
        }
        case JwtAlgorithm::RS256:
        case JwtAlgorithm::RS512: {
            PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", kGeneratedRsaBits));
            if (!pkey) throw_openssl("generating an RSA key");
            return std::make_unique<RsaKey>(algorithm, std::move(pkey));
        }
        case JwtAlgorithm::ES256: {
            PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
            if (!pkey) throw_openssl("generating a P-256 key");
            return std::make_unique<Es256Key>(std::move(pkey));
        }
        case JwtAlgorithm::HS256: {
            std::string secret(kMinHmacSecretBytes, '\0');
            random.fill(reinterpret_cast<unsigned char*>(secret.data()), secret.size());
            return std::make_unique<Hs256Key>(std::move(secret));
        }
    }
    throw std::invalid_argument("unsupported JWT algorithm");
}

std::unique_ptr<SigningKey> load_or_create_signing_key(JwtAlgorithm algorithm,
                                                       const std::string& path, bool create,
                                                       Random& random) {
    const auto load_existing = [&] {
        const std::string text = read_file(path);
        try {
            return load_signing_key(algorithm, text);
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error("signing key file '" + path + "' is not usable: " + e.what());
        }
    };

    std::error_code error;
    const bool exists = std::filesystem::exists(path, error);
    if (error) {
        throw std::runtime_error("cannot inspect signing key file '" + path +
                                 "': " + error.message());
    }
    if (exists) return load_existing();
    if (!create) {
        throw std::runtime_error("signing key file '" + path +
                                 "' does not exist (and creating it was not asked for)");
    }

    auto key = generate_signing_key(algorithm, random);
    std::string pem = key->private_pem();
    const bool published = publish_private_file(path, pem, random, "signing key file");
    sodium_memzero(pem.data(), pem.size());
    if (!published) return load_existing();  // another process won the race
    return key;
}

// -------------------------------------------------------------------------------------------------

JwtCodec::JwtCodec(std::shared_ptr<const SigningKey> key) : key_(std::move(key)) {
    if (!key_) throw std::invalid_argument("JwtCodec needs a signing key");
}

std::string JwtCodec::encode(const boost::json::object& claims, std::string_view type) const {
    const boost::json::object header{
        {"alg", to_string(key_->algorithm())}, {"typ", type}, {"kid", key_->kid()}};
    std::string signing_input = base64url_encode(boost::json::serialize(header));
    signing_input += '.';
    signing_input += base64url_encode(boost::json::serialize(claims));
    const std::string signature = key_->sign(signing_input);
    return signing_input + '.' + base64url_encode(signature);
}

namespace {

// Parses without exceptions (boost::json reports through error_code); nullopt unless an object.
std::optional<boost::json::object> parse_object(std::string_view text) {
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

}  // namespace

boost::json::object JwtCodec::decode(std::string_view token) const {
    return verify(token).claims;
}

VerifiedJwt JwtCodec::verify(std::string_view token) const {
    if (token.size() > kMaxTokenChars) throw JwtError("token is too long");

    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        throw JwtError("token does not have exactly three parts");
    }
    const std::string_view header_part = token.substr(0, first_dot);
    const std::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
    const std::string_view signature_part = token.substr(second_dot + 1);
    const std::string_view signing_input = token.substr(0, second_dot);

    if (signature_part.empty()) throw JwtError("token has no signature");
    // Checked on the encoded size so an oversized payload is never even decoded.
    if (payload_part.size() > (kMaxPayloadBytes * 4 + 2) / 3) {
        throw JwtError("payload is larger than 16 KiB");
    }

    const auto header_json = base64url_decode(header_part);
    if (!header_json) throw JwtError("header is not base64url");
    const auto payload_json = base64url_decode(payload_part);
    if (!payload_json) throw JwtError("payload is not base64url");
    const auto signature = base64url_decode(signature_part);
    if (!signature) throw JwtError("signature is not base64url");
    if (payload_json->size() > kMaxPayloadBytes) throw JwtError("payload is larger than 16 KiB");

    const auto header = parse_object(*header_json);
    if (!header) throw JwtError("header is not a JSON object");

    const boost::json::value* alg = header->if_contains("alg");
    if (alg == nullptr) throw JwtError("header has no \"alg\"");
    if (!alg->is_string() || alg->get_string() != to_string(key_->algorithm())) {
        throw JwtError("header \"alg\" is not the key's algorithm");
    }
    if (const boost::json::value* kid = header->if_contains("kid")) {
        if (!kid->is_string() || kid->get_string() != key_->kid()) {
            throw JwtError("header \"kid\" is not the key's id");
        }
    }
    std::string type;
    if (const boost::json::value* typ = header->if_contains("typ")) {
        if (!typ->is_string()) throw JwtError("header \"typ\" is not a string");
        type = typ->get_string();
    }
    // Keys or extensions named by the token itself are never trusted.
    for (const char* forbidden : {"jku", "jwk", "x5u", "x5c", "crit"}) {
        if (header->contains(forbidden)) {
            throw JwtError(std::string("header has forbidden parameter \"") + forbidden + "\"");
        }
    }

    if (!key_->verify(signing_input, *signature)) throw JwtError("signature is invalid");

    // Parsed only once authenticated, which keeps the JSON parser away from forged input.
    auto claims = parse_object(*payload_json);
    if (!claims) throw JwtError("payload is not a JSON object");
    return {std::move(type), std::move(*claims)};
}

boost::json::object JwtCodec::jwks() const {
    boost::json::array keys;
    if (auto jwk = key_->public_jwk()) keys.emplace_back(std::move(*jwk));
    return {{"keys", std::move(keys)}};
}

}  // namespace authd::crypto
