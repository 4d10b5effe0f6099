#pragma once
// Password hashes as Django stores them in auth_user.password, which `authd import-django`
// copies verbatim: checked at login exactly as Django checks them, so that imported accounts keep
// their passwords, then replaced by authd's own Argon2id (crypto/password_hasher.h).
//
//   pbkdf2_sha256$<iterations>$<salt>$<base64 digest>     (also pbkdf2_sha1)
//   argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>   (also argon2i, argon2d;
//       v=16 or no v= for Argon2 1.0, as old Django wrote; any number of lanes)
//   bcrypt_sha256$$2b$<cost>$<salt+hash>   (bcrypt of the hex SHA-256 of the password)
//   bcrypt$$2b$<cost>$<salt+hash>          (bcrypt of the password's first 72 bytes)
//   scrypt$<N>$<salt>$<r>$<p>$<base64 digest>
//
// Django's unusable passwords ("!" and 40 random characters), its older formats (md5, sha1,
// crypt, unsalted) and anything else never match.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace authd::crypto::django {

// Bounds on the work one check may cost, so that a hash planted in the database cannot stall
// the hash pool: a hash beyond one is never checked and never matches. Each allows a few seconds
// of one thread at most, far above what Django has ever produced (its defaults: PBKDF2 1,000,000
// iterations in Django 5.2, Argon2 102,400 KiB × 2 passes, bcrypt cost 12, scrypt N·r·p = 2^17).
inline constexpr std::uint64_t kMaxPbkdf2Iterations = 10'000'000;
inline constexpr std::uint64_t kMaxArgon2MemoryKib = 1024 * 1024;                 // 1 GiB
inline constexpr std::uint64_t kMaxArgon2MemoryTimesPassesKib = 4 * 1024 * 1024;  // 4 GiB
inline constexpr unsigned kMaxBcryptCost = 16;
inline constexpr std::uint64_t kMaxScryptMemoryBytes = std::uint64_t{1} << 30;  // 1 GiB
inline constexpr std::uint64_t kMaxScryptWork = std::uint64_t{1} << 23;         // N × r × p
// Django's column holds 128 characters; anything much longer is not one of its hashes.
inline constexpr std::size_t kMaxEncodedLength = 1024;

enum class Outcome {
    match,
    mismatch,
    not_checked,  // not a format listed above, malformed, or beyond a bound: nothing computed
};

// Whether `encoded` is one of the formats above, well formed and within the bounds, so that
// check() computes. Cheap: parsing only.
bool is_checkable(std::string_view encoded);

// Checks `password` (UTF-8, as Django encodes it) against `encoded`. Digests are compared in
// constant time. Runs on the calling thread: call it through the hash pool.
Outcome check(std::string_view encoded, std::string_view password);

}  // namespace authd::crypto::django
