#pragma once
// Events owed to the platform's subscribers (the event_deliveries table and the events' order).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/repository.h"

namespace authd::store {

// One event owed to one subscriber (Standard Webhooks).
struct EventDelivery {
    std::string id;  // the webhook-id
    std::string subscriber;
    std::int64_t seq = 0;
    std::string user_id;
    std::string type;
    std::string body;
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
};

class EventDeliveries : public Repository {
  public:
    using Repository::Repository;

    // The next number of the events' order: the counter stays locked until the transaction
    // ends, so numbers follow the commits.
    std::int64_t next_sequence();
    void insert(const EventDelivery& delivery);
    // Claims up to `limit` due deliveries that are first in line for their subscriber and
    // user, holding them until `lock_until`.
    std::vector<EventDelivery> claim_due(std::int64_t now, std::int64_t lock_until, int limit);
    void mark_delivered(const std::string& id, std::int64_t at);
    void mark_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                    const std::string& error);
    void mark_failed(const std::string& id, int attempts, const std::string& error);
    void release_claim(const std::string& id);
    // Pending deliveries by subscriber.
    std::vector<std::pair<std::string, std::int64_t>> pending_counts();
    // Deletes delivered and failed deliveries created before `before`.
    void prune(std::int64_t before);
};

}  // namespace authd::store
