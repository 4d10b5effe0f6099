#pragma once
// Per-window limits on attempts, counted in the database so that several authd instances on
// one PostgreSQL count together.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/audit.h"
#include "store/store.h"
#include "util/clock.h"

namespace authd::auth {

struct Limit {
    int attempts = 3;
    std::int64_t window = 3600;  // seconds
};

class RateLimiter {
  public:
    RateLimiter(const Clock& clock, Audit& audit);

    // Counts one attempt in `bucket` (what is limited, e.g. "password_reset:" + address; stored
    // only hashed). When `limit.attempts` attempts already fall inside the window, nothing is
    // counted, the refusal is recorded in the audit log as `client`'s, and the seconds until one
    // leaves the window are returned.
    // `counted_at`, when given, receives the time the attempt was counted at (for release()).
    std::optional<std::int64_t> hit(store::Transaction& tx, const ClientInfo& client,
                                    std::string_view bucket, const Limit& limit,
                                    std::int64_t* counted_at = nullptr);
    // Forgets the attempt that hit() counted at `at` (an attempt counted ahead as a failure
    // that turned out not to be one).
    void release(store::Transaction& tx, std::string_view bucket, std::int64_t at);

  private:
    const Clock& clock_;
    Audit& audit_;
};

// 429 with Retry-After.
[[noreturn]] void throw_rate_limited(std::int64_t retry_after);

}  // namespace authd::auth
