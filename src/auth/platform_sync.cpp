#include "auth/platform_sync.h"

#include "auth/audit.h"
#include "auth/email_flows.h"

namespace authd::auth {

void PlatformEffects::creation_undone(store::Transaction& tx, const std::string& user_id) {
    const std::optional<store::User> user = tx.users().find_by_id(user_id);
    // Only an account that never became active: a create is undone before it is activated.
    if (user && user->pending_creation) tx.users().remove(user_id);
}

void PlatformEffects::deletion_started(store::Transaction& tx, const PlatformSubject& subject,
                                       const ClientInfo& client) {
    const std::optional<store::User> user = tx.users().find_by_id(subject.user_id);
    if (!user) return;  // deleted already (a retry, or a recovery pass after the request)
    tx.users().remove(user->id);
    audit_.record(tx, client, event::account_deleted, *user, subject.session_id);
}

void PlatformEffects::export_gathered(store::Transaction& tx, const std::string& user_id,
                                      const boost::json::object& answers,
                                      const std::vector<std::string>& unavailable) {
    const std::optional<store::User> user = tx.users().find_by_id(user_id);
    if (!user || !user->is_active) return;  // deleted meanwhile: nothing to send, no one to
    data_export_.send(tx, *user, answers, unavailable);
}

}  // namespace authd::auth
