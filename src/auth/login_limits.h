#pragma once
// The abuse limits of logins (API.md "Abuse limits"): an account and address pair that keeps
// failing waits longer and longer; an address may fail only so often a minute, an account only
// so often an hour. Checked before any password is, counted in the database so that several
// instances count together.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/rate_limits.h"
#include "store/store.h"
#include "util/address_scope.h"
#include "util/clock.h"

namespace authd::auth {

struct LoginLimitSettings {
    int backoff_after = 5;               // failures of one account from one address before waits
    std::int64_t backoff_base = 1;       // the first wait, doubled at each further failure
    std::int64_t backoff_max = 15 * 60;  // the longest wait
    std::int64_t failure_memory = 24 * 3600;  // failures older than this are forgotten
    Limit per_address{100, 60};               // failed logins per address (successes do not count)
    Limit per_account{50, 3600};              // failed logins per account, from all addresses
};

// The unit that address limits count (an IPv6 address by its /64).
using authd::address_scope;

class LoginLimits {
  public:
    LoginLimits(store::Store& store, const Clock& clock, LoginLimitSettings settings);

    // The account a login names: its user id when it exists, else the name as typed (lower
    // case), so unknown names are limited too.
    static std::string account_key(const std::optional<store::User>& user, std::string_view login);
    // The identifier as typed (lower case): the pair's backoff counts it, not the account, so
    // that the limits answer alike for a username and an e-mail and never show that both name
    // one account.
    static std::string identifier_key(std::string_view login);

    // An attempt let through, counted as a failure from the moment it was admitted.
    struct Attempt {
        std::string account;
        std::string identifier;
        std::string address;
        std::int64_t at = 0;
    };

    // 429 with Retry-After when the pair (identifier and address), the address or the account
    // must wait. Otherwise the attempt is counted as a failure at once, in the same transaction
    // as the check (its buckets locked), before its password is looked at: parallel attempts
    // are then counted one after the other, so a burst cannot try more passwords than the
    // limits allow. Without an identifier (re-authentication) the pair is the account's.
    Attempt admit(const std::string& account, std::string_view address,
                  const std::string& identifier = {});
    // The admitted attempt was not a failure (the password matched, or it could not be checked):
    // its counts go. A success also calls record_success.
    void release(store::Transaction& tx, const Attempt& attempt);
    // Best effort, in a transaction of its own: for an attempt ended by an error that is not a
    // wrong password (server busy, database unavailable).
    void release(const Attempt& attempt) noexcept;

    // A failure that was not admitted first (a wrong code at the second step).
    void record_failure(store::Transaction& tx, const std::string& account,
                        std::string_view address);
    // A success ends the pair's backoff (not the address's or account's counts); `pair` is the
    // attempt's identifier, or the account.
    void record_success(store::Transaction& tx, const std::string& pair, std::string_view address);

  private:
    store::Store& store_;
    const Clock& clock_;
    LoginLimitSettings settings_;
};

}  // namespace authd::auth
