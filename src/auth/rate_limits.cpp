#include "auth/rate_limits.h"

#include "auth/secrets.h"
#include "util/errors.h"

namespace authd::auth {

RateLimiter::RateLimiter(const Clock& clock) : clock_(clock) {}

std::optional<std::int64_t> RateLimiter::hit(store::Transaction& tx, std::string_view bucket,
                                             const Limit& limit) {
    const std::int64_t now = clock_.now();
    const std::int64_t since = now - limit.window;
    const std::string key = hash_identifier(bucket);
    if (tx.count_rate_events(key, since) >= limit.attempts) {
        const std::int64_t oldest = tx.oldest_rate_event(key, since).value_or(now);
        return std::max<std::int64_t>(1, oldest + limit.window - now);
    }
    tx.insert_rate_event(key, now);
    // Old attempts count for nothing: now and then, clear them out.
    if (now % 64 == 0) tx.prune_rate_events(now - 7 * 86400);
    return std::nullopt;
}

void throw_rate_limited(std::int64_t retry_after) {
    throw Error(
        ErrorKind::rate_limited, "throttled",
        "Request was throttled. Expected available in " + std::to_string(retry_after) + " seconds.",
        static_cast<int>(retry_after));
}

}  // namespace authd::auth
