#pragma once
// Clearing out what has served its time: counted attempts, expired login tickets, audit events
// older than the retention period, and delivered (or given up) messages, whose text may hold
// links. Runs on its own thread now and then; several
// instances running it at once do no harm (each pass is a few idempotent deletes).
#include <cstdint>

#include "store/store.h"
#include "util/clock.h"
#include "util/periodic_task.h"

namespace authd::auth {

struct MaintenanceSettings {
    std::int64_t interval_seconds = 600;
    std::int64_t audit_retention = 90 * 86400;
    std::int64_t rate_event_retention = 7 * 86400;  // longer than any limit's window
    std::int64_t outbox_retention = 30 * 86400;     // sent and failed messages
};

class Maintenance {
  public:
    Maintenance(store::Store& store, const Clock& clock, MaintenanceSettings settings);
    ~Maintenance();

    void start();
    void stop();
    // One pass (tests call it directly with a manual clock).
    void run_once();

  private:
    store::Store& store_;
    const Clock& clock_;
    MaintenanceSettings settings_;
    PeriodicTask task_;
};

}  // namespace authd::auth
