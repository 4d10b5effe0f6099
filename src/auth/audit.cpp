#include "auth/audit.h"

#include <cstdio>

#include "util/utf8.h"

namespace authd::auth {

namespace {
constexpr std::size_t kIdentifierBytes = 16;
}  // namespace

Audit::Audit(const Clock& clock, Random& random) : clock_(clock), random_(random) {}

void Audit::record(store::Transaction& tx, const ClientInfo& client, std::string_view kind,
                   const store::User* user, std::string_view session_id, std::string_view detail) {
    store::SecurityEvent e;
    e.at = clock_.now();
    // Sortable: time, then this process's sequence, so events of one second keep their order
    // (a random tail keeps ids of several instances apart).
    char prefix[40];
    std::snprintf(prefix, sizeof prefix, "%012llx%012llx-", static_cast<unsigned long long>(e.at),
                  static_cast<unsigned long long>(sequence_.fetch_add(1)));
    e.id = prefix + random_.token(kIdentifierBytes);
    e.kind = std::string(kind);
    if (user) {
        e.user_id = user->id;
        e.username = user->username;
    }
    if (!session_id.empty()) e.session_id = std::string(session_id);
    e.ip = client.ip;
    e.user_agent = client.user_agent;
    e.detail = utf8::repaired(detail);
    tx.audit().insert(e);
    if (listener_) listener_->recorded(tx, kind, user, session_id, detail);
}

void Audit::record_repeated(store::Transaction& tx, const ClientInfo& client, std::string_view kind,
                            std::string_view detail, std::int64_t window) {
    const std::int64_t now = clock_.now();
    if (const auto last = tx.audit().latest(kind, client.ip, now - window)) {
        tx.audit().repeat(last->id, now, std::string(detail));
        return;
    }
    record(tx, client, kind, nullptr, {}, detail);
}

}  // namespace authd::auth
