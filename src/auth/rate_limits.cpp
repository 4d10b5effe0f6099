#include "auth/rate_limits.h"

#include "auth/secrets.h"
#include "util/errors.h"

namespace authd::auth {

RateLimiter::RateLimiter(const Clock& clock, Audit& audit) : clock_(clock), audit_(audit) {}

std::optional<std::int64_t> RateLimiter::hit(store::Transaction& tx, const ClientInfo& client,
                                             std::string_view bucket, const Limit& limit,
                                             std::int64_t* counted_at) {
    const std::int64_t now = clock_.now();
    const std::int64_t since = now - limit.window;
    const std::string key = hash_identifier(bucket);
    tx.limits().lock_buckets({key});  // parallel hits are counted one after the other
    if (tx.limits().count(key, since) >= limit.attempts) {
        const std::int64_t oldest = tx.limits().oldest(key, since).value_or(now);
        // The kind of limit only ("password_reset"), never the address or account it counts.
        audit_.record(tx, client, event::rate_limited, nullptr, {},
                      bucket.substr(0, bucket.find(':')));
        return std::max<std::int64_t>(1, oldest + limit.window - now);
    }
    tx.limits().insert(key, now);  // old ones are cleared by Maintenance
    if (counted_at) *counted_at = now;
    return std::nullopt;
}

void RateLimiter::release(store::Transaction& tx, std::string_view bucket, std::int64_t at) {
    tx.limits().delete_one(hash_identifier(bucket), at);
}

void throw_rate_limited(std::int64_t retry_after) {
    throw Error(ErrorKind::rate_limited, "throttled",
                i18n::Message(i18n::keys::throttled, {{"count", retry_after}}),
                static_cast<int>(retry_after));
}

}  // namespace authd::auth
