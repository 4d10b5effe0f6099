#include "auth/password_change.h"

namespace authd::auth {

void store_new_password(store::Transaction& tx, const std::string& user_id,
                        const std::string& password_hash, std::int64_t at) {
    tx.users().update_password(user_id, password_hash, at);
    tx.one_time_tokens().delete_of_user(user_id, store::TokenPurpose::password_reset);
    tx.login_tickets().delete_of_user(user_id);
}

}  // namespace authd::auth
