#include "auth/password_check.h"

namespace authd::auth {

PasswordCheck::PasswordCheck(store::Store& store, crypto::PasswordHasher& hasher,
                             LoginLimits& limits, Random& random)
    : store_(store),
      hasher_(hasher),
      limits_(limits),
      dummy_hash_(hasher.hash(random.token(24), {})) {}

bool PasswordCheck::matches(std::optional<store::User>& user, std::string_view typed,
                            std::string_view password, std::string_view address,
                            crypto::HashPurpose purpose) {
    // The pair's backoff counts the identifier as typed (a username and an e-mail of one account
    // are two pairs); the per-account ceiling counts the account. Admitted before the password
    // is looked at, so a limited attempt learns nothing about it.
    const LoginLimits::Attempt attempt = limits_.admit(LoginLimits::account_key(user, typed),
                                                       address, LoginLimits::identifier_key(typed));
    const crypto::HashCaller caller{
        address, user && user->is_active ? purpose : crypto::HashPurpose::ordinary};
    bool matched = false;
    try {
        matched = verify(user, password, caller);
    } catch (...) {
        limits_.release(attempt);  // not checked (server busy, database down): no failure
        throw;
    }
    if (!matched) return false;  // counted as a failure since it was admitted
    store_.write([&](store::Transaction& tx) { limits_.release(tx, attempt); });
    upgrade_hash(*user, password, caller);
    return true;
}

bool PasswordCheck::verify(const std::optional<store::User>& user, std::string_view password,
                           const crypto::HashCaller& caller) {
    // A hash that cannot match (Django's disabled "!" password, an unknown format) costs the same
    // one hash as a wrong password or an unknown name.
    if (!user || !user->is_active || !hasher_.can_verify(user->password_hash)) {
        hasher_.verify(dummy_hash_, password, caller);
        return false;
    }
    return hasher_.verify(user->password_hash, password, caller);
}

void PasswordCheck::upgrade_hash(store::User& user, std::string_view password,
                                 const crypto::HashCaller& caller) {
    if (!hasher_.needs_rehash(user.password_hash)) return;
    const std::string fresh_hash = hasher_.hash(password, caller);
    store_.write([&](store::Transaction& tx) {
        // Only if nothing changed the password meanwhile.
        auto current = tx.users().find_by_id(user.id);
        if (!current || current->password_hash != user.password_hash) return;
        tx.users().replace_password_hash(user.id, fresh_hash);
        user.password_hash = fresh_hash;
    });
}

}  // namespace authd::auth
