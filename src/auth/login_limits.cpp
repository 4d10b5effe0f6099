#include "auth/login_limits.h"

#include <algorithm>
#include <array>

#include "auth/secrets.h"
#include "util/text.h"

namespace authd::auth {
namespace {

// Buckets are stored hashed: the table holds no names or addresses.
std::string pair_bucket(const std::string& identifier, std::string_view address) {
    return hash_identifier("login_failure:pair:" + identifier + "|" + address_scope(address));
}
std::string address_bucket(std::string_view address) {
    return hash_identifier("login_failure:address:" + address_scope(address));
}
std::string account_bucket(const std::string& account) {
    return hash_identifier("login_failure:account:" + account);
}

// Seconds until a window limit lets one more attempt in, or 0.
std::int64_t window_wait(store::Transaction& tx, const std::string& bucket, const Limit& limit,
                         std::int64_t now) {
    const std::int64_t since = now - limit.window;
    if (tx.limits().count(bucket, since) < limit.attempts) return 0;
    const std::int64_t oldest = tx.limits().oldest(bucket, since).value_or(now);
    return std::max<std::int64_t>(1, oldest + limit.window - now);
}

}  // namespace

LoginLimits::LoginLimits(store::Store& store, const Clock& clock, LoginLimitSettings settings)
    : store_(store), clock_(clock), settings_(settings) {}

std::string LoginLimits::account_key(const std::optional<store::User>& user,
                                     std::string_view login) {
    return user ? "user:" + user->id : "name:" + text::ascii_lower(login);
}

std::string LoginLimits::identifier_key(std::string_view login) {
    return "typed:" + text::ascii_lower(login);
}

LoginLimits::Attempt LoginLimits::admit(const std::string& account, std::string_view address,
                                        const std::string& identifier) {
    Attempt attempt{account, identifier.empty() ? account : identifier, std::string(address),
                    clock_.now()};
    const std::string pair = pair_bucket(attempt.identifier, address);
    const std::string by_address = address_bucket(address);
    const std::string by_account = account_bucket(account);
    std::int64_t wait = 0;
    store_.write([&](store::Transaction& tx) {
        tx.limits().lock_buckets({pair, by_address, by_account});
        const std::int64_t now = attempt.at;
        wait = std::max(window_wait(tx, by_address, settings_.per_address, now),
                        window_wait(tx, by_account, settings_.per_account, now));
        const std::int64_t since = now - settings_.failure_memory;
        const std::int64_t failures = tx.limits().count(pair, since);
        if (failures >= settings_.backoff_after) {
            // 1 s after the 5th failure, 2 s after the 6th, ... at most backoff_max.
            const std::int64_t doublings =
                std::min<std::int64_t>(failures - settings_.backoff_after, 40);
            const std::int64_t delay =
                std::min(settings_.backoff_max,
                         settings_.backoff_base << std::min<std::int64_t>(doublings, 30));
            const std::int64_t until = tx.limits().newest(pair, since).value_or(now) + delay;
            wait = std::max(wait, until - now);
        }
        if (wait > 0) return;  // nothing written: the transaction commits empty
        tx.limits().insert(pair, now);
        tx.limits().insert(by_address, now);
        tx.limits().insert(by_account, now);
    });
    if (wait > 0) throw_rate_limited(wait);
    return attempt;
}

void LoginLimits::release(store::Transaction& tx, const Attempt& attempt) {
    tx.limits().delete_one(pair_bucket(attempt.identifier, attempt.address), attempt.at);
    tx.limits().delete_one(address_bucket(attempt.address), attempt.at);
    tx.limits().delete_one(account_bucket(attempt.account), attempt.at);
}

void LoginLimits::release(const Attempt& attempt) noexcept {
    try {
        store_.write([&](store::Transaction& tx) { release(tx, attempt); });
    } catch (...) {
        // The database is failing: the attempt stays counted, which errs on the safe side.
    }
}

void LoginLimits::record_failure(store::Transaction& tx, const std::string& account,
                                 std::string_view address) {
    const std::int64_t now = clock_.now();
    tx.limits().insert(pair_bucket(account, address), now);
    tx.limits().insert(address_bucket(address), now);
    tx.limits().insert(account_bucket(account), now);
}

void LoginLimits::record_success(store::Transaction& tx, const std::string& pair,
                                 std::string_view address) {
    tx.limits().delete_all(pair_bucket(pair, address));
}

}  // namespace authd::auth
