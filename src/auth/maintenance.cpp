#include "auth/maintenance.h"

#include <chrono>

namespace authd::auth {

Maintenance::Maintenance(store::Store& store, const Clock& clock, MaintenanceSettings settings)
    : store_(store),
      clock_(clock),
      settings_(settings),
      task_("maintenance", std::chrono::seconds(settings.interval_seconds), [this] {
          run_once();
          return false;
      }) {}

Maintenance::~Maintenance() {
    stop();
}

void Maintenance::start() {
    task_.start();
}

void Maintenance::stop() {
    task_.stop();
}

void Maintenance::run_once() {
    const std::int64_t now = clock_.now();
    store_.write([&](store::Transaction& tx) {
        tx.limits().prune(now - settings_.rate_event_retention);
        tx.login_tickets().delete_expired(now);
        tx.passkeys().delete_expired_challenges(now);
        tx.audit().prune(now - settings_.audit_retention);
        tx.outbox().prune(now - settings_.outbox_retention);
        tx.events().prune(now - settings_.outbox_retention);
    });
}

}  // namespace authd::auth
