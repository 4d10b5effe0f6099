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
        tx.prune_rate_events(now - settings_.rate_event_retention);
        tx.delete_expired_login_tickets(now);
        tx.prune_security_events(now - settings_.audit_retention);
        tx.prune_outbox(now - settings_.outbox_retention);
        tx.prune_event_deliveries(now - settings_.outbox_retention);
    });
}

}  // namespace authd::auth
