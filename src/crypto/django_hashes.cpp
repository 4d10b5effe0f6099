#include "crypto/django_hashes.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "crypto/base64url.h"
#include "crypto/constant_time.h"

namespace authd::crypto::django {
namespace {

constexpr auto npos = std::string_view::npos;

// ---------------------------------------------------------------------------------------------
// The formats, parsed

struct Pbkdf2 {
    const EVP_MD* digest;
    int iterations;
    std::string_view salt;        // used as its UTF-8 bytes, as Django does
    std::string_view digest_b64;  // standard base64 with padding
};

struct Argon2 {
    argon2_type type;
    std::uint32_t version;
    std::uint32_t memory_kib;
    std::uint32_t passes;
    std::uint32_t lanes;
    std::string salt;  // decoded
    std::string hash;  // decoded
};

struct Bcrypt {
    bool sha256_first;      // bcrypt_sha256: bcrypt of the hex SHA-256 of the password
    std::string_view hash;  // "$2b$12$" + 22 characters of salt + 31 of hash
};

struct Scrypt {
    std::uint64_t n;
    std::uint32_t r;
    std::uint32_t p;
    std::uint64_t memory_bytes;  // as OpenSSL counts it
    std::string_view salt;
    std::string_view digest_b64;
};

using Parsed = std::variant<Pbkdf2, Argon2, Bcrypt, Scrypt>;

// The text before the next '$', which `rest` then skips.
std::optional<std::string_view> take_field(std::string_view& rest) {
    const std::size_t end = rest.find('$');
    if (end == npos) return std::nullopt;
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    return field;
}

bool consume(std::string_view& rest, std::string_view prefix) {
    if (!rest.starts_with(prefix)) return false;
    rest.remove_prefix(prefix.size());
    return true;
}

// A positive number written exactly as Python's "%d" writes it (no sign, space or leading
// zero): Django re-encodes the numbers it parsed and compares whole strings, so any other
// spelling never matches.
std::optional<std::uint64_t> canonical_number(std::string_view text, std::uint64_t max) {
    if (text.empty() || text.front() == '0') return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (digit > max || value > (max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

// A decimal as libargon2 reads it: digits without a leading zero, at most 2^32 - 1.
std::optional<std::uint32_t> argon2_number(std::string_view& rest) {
    std::uint64_t value = 0;
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
        value = value * 10 + static_cast<std::uint64_t>(rest[digits] - '0');
        if (value > UINT32_MAX) return std::nullopt;
        ++digits;
    }
    if (digits == 0 || (digits > 1 && rest.front() == '0')) return std::nullopt;
    rest.remove_prefix(digits);
    return static_cast<std::uint32_t>(value);
}

constexpr std::size_t base64_length(std::size_t bytes) {
    return 4 * ((bytes + 2) / 3);
}

// An empty string_view may hold a null pointer; the libraries get a real (empty) buffer.
const char* bytes_of(std::string_view text) {
    static const char kEmpty[1] = {0};
    return text.empty() ? kEmpty : text.data();
}

// pbkdf2_sha256$<iterations>$<salt>$<digest>
std::optional<Parsed> parse_pbkdf2(std::string_view rest, const EVP_MD* digest) {
    const auto iterations_text = take_field(rest);
    const auto salt = take_field(rest);
    if (!iterations_text || !salt || salt->empty()) return std::nullopt;
    const auto iterations = canonical_number(*iterations_text, kMaxPbkdf2Iterations);
    if (!iterations) return std::nullopt;
    const auto digest_size = static_cast<std::size_t>(EVP_MD_get_size(digest));
    if (rest.size() != base64_length(digest_size) || rest.find('$') != npos) return std::nullopt;
    return Pbkdf2{digest, static_cast<int>(*iterations), *salt, rest};
}

// argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, read as libargon2 reads
// the part after "argon2" (argon2-cffi hands it that part); the version may be left out (1.0).
std::optional<Parsed> parse_argon2(std::string_view rest) {
    Argon2 parsed{};
    if (consume(rest, "argon2id$"))
        parsed.type = Argon2_id;
    else if (consume(rest, "argon2i$"))
        parsed.type = Argon2_i;
    else if (consume(rest, "argon2d$"))
        parsed.type = Argon2_d;
    else
        return std::nullopt;
    parsed.version = ARGON2_VERSION_10;
    if (consume(rest, "v=")) {
        const auto version = argon2_number(rest);
        if (!version || !consume(rest, "$")) return std::nullopt;
        parsed.version = *version;
    }
    std::optional<std::uint32_t> memory, passes, lanes;
    if (!consume(rest, "m=") || !(memory = argon2_number(rest)) || !consume(rest, ",t=") ||
        !(passes = argon2_number(rest)) || !consume(rest, ",p=") ||
        !(lanes = argon2_number(rest)) || !consume(rest, "$")) {
        return std::nullopt;
    }
    const auto salt_b64 = take_field(rest);
    if (!salt_b64) return std::nullopt;
    auto salt = base64_decode_unpadded(*salt_b64);
    auto hash = base64_decode_unpadded(rest);
    if (!salt || !hash) return std::nullopt;

    // What libargon2 itself refuses, then the bounds.
    if (parsed.version != ARGON2_VERSION_10 && parsed.version != ARGON2_VERSION_13)
        return std::nullopt;
    if (*lanes < ARGON2_MIN_LANES || *lanes > ARGON2_MAX_LANES || *passes < ARGON2_MIN_TIME ||
        std::uint64_t{*memory} < 8 * std::uint64_t{*lanes} ||
        salt->size() < ARGON2_MIN_SALT_LENGTH || hash->size() < ARGON2_MIN_OUTLEN) {
        return std::nullopt;
    }
    if (*memory > kMaxArgon2MemoryKib ||
        std::uint64_t{*memory} * *passes > kMaxArgon2MemoryTimesPassesKib) {
        return std::nullopt;
    }
    parsed.memory_kib = *memory;
    parsed.passes = *passes;
    parsed.lanes = *lanes;
    parsed.salt = std::move(*salt);
    parsed.hash = std::move(*hash);
    return parsed;
}

bool is_bcrypt_character(char c) {
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

// $2b$<two-digit cost>$<53 characters>: the variants pyca/bcrypt (Django's library) reads.
std::optional<Parsed> parse_bcrypt(std::string_view hash, bool sha256_first) {
    constexpr std::size_t kLength = 60;  // "$2b$12$", then 22 characters of salt and 31 of hash
    if (hash.size() != kLength || !hash.starts_with("$2") || hash[3] != '$' || hash[6] != '$')
        return std::nullopt;
    if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return std::nullopt;
    if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return std::nullopt;
    const unsigned cost = static_cast<unsigned>(hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < 4 || cost > kMaxBcryptCost) return std::nullopt;
    for (const char c : hash.substr(7))
        if (!is_bcrypt_character(c)) return std::nullopt;
    return Bcrypt{sha256_first, hash};
}

// scrypt$<N>$<salt>$<r>$<p>$<digest>
std::optional<Parsed> parse_scrypt(std::string_view rest) {
    const auto n_text = take_field(rest);
    const auto salt = take_field(rest);
    const auto r_text = take_field(rest);
    const auto p_text = take_field(rest);
    if (!n_text || !salt || !r_text || !p_text || salt->empty()) return std::nullopt;
    const auto n = canonical_number(*n_text, kMaxScryptWork);
    const auto r = canonical_number(*r_text, kMaxScryptWork);
    const auto p = canonical_number(*p_text, kMaxScryptWork);
    if (!n || !r || !p || *n < 2 || (*n & (*n - 1)) != 0) return std::nullopt;  // N: 2^k, k ≥ 1
    if (*n * *r > kMaxScryptWork || *n * *r * *p > kMaxScryptWork) return std::nullopt;
    // OpenSSL's count: 128·r·(N + 2) for V, 128·r·p for B.
    const std::uint64_t memory = 128 * *r * (*n + 2 + *p);
    if (memory > kMaxScryptMemoryBytes) return std::nullopt;
    constexpr std::size_t kDigestBytes = 64;
    if (rest.size() != base64_length(kDigestBytes) || rest.find('$') != npos) return std::nullopt;
    return Scrypt{
        *n, static_cast<std::uint32_t>(*r), static_cast<std::uint32_t>(*p), memory, *salt, rest};
}

std::optional<Parsed> parse(std::string_view encoded) {
    // Django's unusable passwords start with "!"; a NUL would cut the C strings libxcrypt reads.
    if (encoded.size() > kMaxEncodedLength || encoded.starts_with('!') ||
        encoded.find('\0') != npos) {
        return std::nullopt;
    }
    std::string_view rest = encoded;
    const auto algorithm = take_field(rest);
    if (!algorithm) return std::nullopt;
    if (*algorithm == "pbkdf2_sha256") return parse_pbkdf2(rest, EVP_sha256());
    if (*algorithm == "pbkdf2_sha1") return parse_pbkdf2(rest, EVP_sha1());
    if (*algorithm == "argon2") return parse_argon2(rest);
    if (*algorithm == "bcrypt_sha256") return parse_bcrypt(rest, true);
    if (*algorithm == "bcrypt") return parse_bcrypt(rest, false);
    if (*algorithm == "scrypt") return parse_scrypt(rest);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The checks

bool matches(const Pbkdf2& hash, std::string_view password) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    const int size = EVP_MD_get_size(hash.digest);
    if (PKCS5_PBKDF2_HMAC(bytes_of(password), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(hash.salt.data()),
                          static_cast<int>(hash.salt.size()), hash.iterations, hash.digest, size,
                          digest.data()) != 1) {
        return false;
    }
    return equal_in_constant_time(base64_encode(digest.data(), static_cast<std::size_t>(size)),
                                  hash.digest_b64);
}

bool matches(const Argon2& hash, std::string_view password) {
    std::string computed(hash.hash.size(), '\0');
    std::string password_copy(password);  // argon2_context wants a mutable buffer
    std::string salt = hash.salt;
    argon2_context context{};
    context.out = reinterpret_cast<std::uint8_t*>(computed.data());
    context.outlen = static_cast<std::uint32_t>(computed.size());
    context.pwd = reinterpret_cast<std::uint8_t*>(password_copy.data());
    context.pwdlen = static_cast<std::uint32_t>(password_copy.size());
    context.salt = reinterpret_cast<std::uint8_t*>(salt.data());
    context.saltlen = static_cast<std::uint32_t>(salt.size());
    context.t_cost = hash.passes;
    context.m_cost = hash.memory_kib;
    context.lanes = hash.lanes;
    // One thread whatever the lanes: the lanes change the result, not the threads, and the
    // hash pool's size is the bound on the threads hashing at once.
    context.threads = 1;
    context.version = hash.version;
    context.flags = ARGON2_DEFAULT_FLAGS;
    const bool computed_ok = argon2_ctx(&context, hash.type) == ARGON2_OK;
    const bool match = computed_ok && equal_in_constant_time(computed, hash.hash);
    OPENSSL_cleanse(password_copy.data(), password_copy.size());
    return match;
}

bool matches(const Bcrypt& hash, std::string_view password) {
    std::string phrase;
    bool refused = false;
    if (hash.sha256_first) {
        // Django hashes first so that bcrypt's 72-byte limit does not cut long passwords: the
        // lowercase hex of the SHA-256 digest is what bcrypt sees.
        std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
        SHA256(reinterpret_cast<const unsigned char*>(bytes_of(password)), password.size(),
               digest.data());
        static constexpr char kHex[] = "0123456789abcdef";
        for (const unsigned char byte : digest) {
            phrase.push_back(kHex[byte >> 4]);
            phrase.push_back(kHex[byte & 0x0F]);
        }
        OPENSSL_cleanse(digest.data(), digest.size());
    } else {
        // bcrypt uses the first 72 bytes; pyca/bcrypt cuts there itself and refuses a password
        // with a NUL byte (which a C string would cut short): such a password never matches,
        // after the same work.
        refused = password.find('\0') != npos;
        phrase.assign(password.substr(0, 72));
    }
    const std::string setting(hash.hash);
    auto data = std::make_unique<crypt_data>();  // zeroed, as crypt_rn asks of a first use
    const char* computed =
        crypt_rn(phrase.c_str(), setting.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
    const bool match =
        !refused && computed != nullptr && equal_in_constant_time(computed, hash.hash);
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    OPENSSL_cleanse(phrase.data(), phrase.size());
    return match;
}

bool matches(const Scrypt& hash, std::string_view password) {
    std::array<unsigned char, 64> digest{};
    if (EVP_PBE_scrypt(bytes_of(password), password.size(),
                       reinterpret_cast<const unsigned char*>(hash.salt.data()), hash.salt.size(),
                       hash.n, hash.r, hash.p, hash.memory_bytes, digest.data(),
                       digest.size()) != 1) {
        return false;
    }
    return equal_in_constant_time(base64_encode(digest.data(), digest.size()), hash.digest_b64);
}

}  // namespace

bool is_checkable(std::string_view encoded) {
    return parse(encoded).has_value();
}

Outcome check(std::string_view encoded, std::string_view password) {
    // The libraries take int and 32-bit lengths; no request body comes near.
    if (password.size() > INT_MAX) return Outcome::not_checked;
    const std::optional<Parsed> parsed = parse(encoded);
    if (!parsed) return Outcome::not_checked;
    const bool match =
        std::visit([&](const auto& hash) { return matches(hash, password); }, *parsed);
    return match ? Outcome::match : Outcome::mismatch;
}

}  // namespace authd::crypto::django
