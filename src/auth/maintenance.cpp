#include "auth/maintenance.h"

#include <chrono>

#include "util/errors.h"
#include "util/log.h"

namespace authd::auth {

Maintenance::Maintenance(store::Store& store, const Clock& clock, MaintenanceSettings settings)
    : store_(store), clock_(clock), settings_(settings) {}

Maintenance::~Maintenance() {
    stop();
}

void Maintenance::start() {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            try {
                run_once();
            } catch (const Error& e) {
                log::warn(std::string("maintenance: ") + e.detail());  // database down
            } catch (const std::exception& e) {
                log::error(std::string("maintenance: ") + e.what());
            }
            lock.lock();
            wake_.wait_for(lock, std::chrono::seconds(settings_.interval_seconds),
                           [this] { return stopping_; });
        }
    });
}

void Maintenance::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Maintenance::run_once() {
    const std::int64_t now = clock_.now();
    store_.write([&](store::Transaction& tx) {
        tx.prune_rate_events(now - settings_.rate_event_retention);
        tx.delete_expired_login_tickets(now);
        tx.prune_security_events(now - settings_.audit_retention);
        tx.prune_outbox(now - settings_.outbox_retention);
    });
}

}  // namespace authd::auth
