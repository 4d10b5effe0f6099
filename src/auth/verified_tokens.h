#pragma once
// The claims of tokens whose signature and header have already been checked. Every request of a
// session carries the same access token, and a signature check (Ed25519: about 50 µs) costs more
// than the rest of an authenticated request's CPU; a token seen again costs a digest and a lookup.
//
// Keyed by a BLAKE2b-256 digest of the whole token: only tokens that passed the check are
// stored, and a token that differs by one bit has another digest. Only the signature and header
// check is skipped; the caller still checks the claims (type, times) at every use. Bounded;
// entries leave once their token has expired.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <boost/json/object.hpp>

namespace authd::auth {

class VerifiedTokenCache {
  public:
    using Digest = std::array<unsigned char, 32>;
    using Claims = std::shared_ptr<const boost::json::object>;

    // At most `capacity` tokens (0: nothing is kept).
    explicit VerifiedTokenCache(std::size_t capacity);

    static Digest digest(std::string_view token);

    // The claims stored for this digest, or null.
    Claims find(const Digest& digest) const;
    // Keeps `claims` until `keep_until` (a Unix time: the token's expiry and the leeway). When
    // the shard is full, its expired entries go first, then all of them.
    void insert(const Digest& digest, Claims claims, std::int64_t keep_until, std::int64_t now);

    std::size_t size() const;

  private:
    struct DigestHash {
        std::size_t operator()(const Digest& digest) const noexcept;
    };
    struct Entry {
        Claims claims;
        std::int64_t keep_until = 0;
    };
    // Sharded so that request threads rarely wait on one another's lookups.
    static constexpr std::size_t kShards = 16;
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<Digest, Entry, DigestHash> entries;
    };
    Shard& shard_of(const Digest& digest) const { return shards_[digest[0] % kShards]; }

    std::size_t shard_capacity_;
    mutable std::array<Shard, kShards> shards_;
};

}  // namespace authd::auth
