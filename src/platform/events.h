#pragma once
// Signed events for subscribers (docs/HOOKS.md "Events"): written in the transaction of the
// change they report (so an event exists exactly when its change does), then delivered at least
// once, in order per user and subscriber, following the Standard Webhooks specification.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "auth/audit.h"
#include "platform/hooks_file.h"
#include "platform/http_client.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/periodic_task.h"
#include "util/random.h"

namespace authd::platform {

// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under `key` (Standard Webhooks).
std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body);

// Turns the audit log's events into subscribers' events, in the same transaction.
class EventPublisher final : public auth::AuditListener {
  public:
    EventPublisher(const HooksFile& hooks, const Clock& clock, Random& random);

    void recorded(store::Transaction& tx, std::string_view kind, const store::User* user,
                  std::string_view session_id, std::string_view detail) override;
    // One event of `type` about `user_id` for every subscriber that receives it.
    void publish(store::Transaction& tx, std::string_view type, const std::string& user_id,
                 boost::json::object data);

  private:
    const HooksFile& hooks_;
    const Clock& clock_;
    Random& random_;
};

struct EventSettings {
    std::int64_t retry_base = 5;  // seconds before the first retry, then doubling
    std::int64_t retry_max = 600;
    std::int64_t give_up_after = 3 * 86400;
    std::int64_t claim_seconds = 60;
    std::int64_t poll_interval_ms = 500;
    int batch = 50;
};

class EventSender {
  public:
    EventSender(store::Store& store, const HooksFile& hooks, HttpClient& http, const Clock& clock,
                EventSettings settings);
    ~EventSender();

    void start();
    void stop();
    // One pass: delivers what is due; returns how many were delivered (tests call it).
    int deliver_due();

    // authd_events_pending{subscriber}, authd_event_deliveries_total{subscriber,outcome}.
    void collect(metrics::Writer& out);

  private:
    bool deliver(const store::EventDelivery& delivery, std::string& error);
    void count(const std::string& subscriber, std::string_view outcome);

    store::Store& store_;
    const HooksFile& hooks_;
    HttpClient& http_;
    const Clock& clock_;
    EventSettings settings_;

    std::mutex counts_mutex_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;
    std::vector<std::pair<std::string, std::int64_t>> pending_;  // read at most every 5 s
    std::int64_t pending_read_at_ = 0;

    PeriodicTask task_;
};

}  // namespace authd::platform
