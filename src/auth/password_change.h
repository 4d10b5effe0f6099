#pragma once
// What a password change does, by any route: the change itself, a reset link, an import.
#include <cstdint>
#include <string>

#include "store/store.h"

namespace authd::auth {

// Stores the user's new password hash, changed at `at`, and retires every reset link still out
// and every login that passed the old password and waits for its second factor.
void store_new_password(store::Transaction& tx, const std::string& user_id,
                        const std::string& password_hash, std::int64_t at);

}  // namespace authd::auth
