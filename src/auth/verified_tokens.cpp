#include "auth/verified_tokens.h"

#include <sodium.h>

#include <cstring>

namespace authd::auth {

VerifiedTokenCache::VerifiedTokenCache(std::size_t capacity)
    : shard_capacity_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards) {}

VerifiedTokenCache::Digest VerifiedTokenCache::digest(std::string_view token) {
    Digest digest{};
    crypto_generichash(digest.data(), digest.size(),
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                       0);
    return digest;
}

std::size_t VerifiedTokenCache::DigestHash::operator()(const Digest& digest) const noexcept {
    // The digest is already uniformly distributed: any 8 of its bytes make a good hash.
    std::size_t hash = 0;
    std::memcpy(&hash, digest.data() + 8, sizeof hash);
    return hash;
}

VerifiedTokenCache::Claims VerifiedTokenCache::find(const Digest& digest) const {
    if (shard_capacity_ == 0) return nullptr;
    const Shard& shard = shard_of(digest);
    const std::lock_guard lock(shard.mutex);
    const auto found = shard.entries.find(digest);
    return found == shard.entries.end() ? nullptr : found->second.claims;
}

void VerifiedTokenCache::insert(const Digest& digest, Claims claims, std::int64_t keep_until,
                                std::int64_t now) {
    if (shard_capacity_ == 0 || keep_until < now) return;
    Shard& shard = shard_of(digest);
    const std::lock_guard lock(shard.mutex);
    if (shard.entries.size() >= shard_capacity_) {
        std::erase_if(shard.entries,
                      [now](const auto& item) { return item.second.keep_until < now; });
        // Still full of live tokens: start over rather than track an order of use; the next
        // request of each session checks its signature once more.
        if (shard.entries.size() >= shard_capacity_) shard.entries.clear();
    }
    shard.entries.insert_or_assign(digest, Entry{std::move(claims), keep_until});
}

std::size_t VerifiedTokenCache::size() const {
    std::size_t total = 0;
    for (const Shard& shard : shards_) {
        const std::lock_guard lock(shard.mutex);
        total += shard.entries.size();
    }
    return total;
}

}  // namespace authd::auth
