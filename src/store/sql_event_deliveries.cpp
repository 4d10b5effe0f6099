// The event_deliveries table and the counter of the events' order.
#include <string>

#include "store/event_deliveries.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kNextEventSequence =
    "UPDATE counters SET value = value + 1 WHERE name = 'event_sequence' RETURNING value";
constexpr std::string_view kInsertEventDelivery =
    "INSERT INTO event_deliveries (id, subscriber, seq, user_id, type, body, created_at, "
    "next_attempt_at, attempts, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 'pending')";
// First in line: no earlier pending event of the same subscriber and user.
constexpr std::string_view kSelectDueEvents =
    "SELECT id FROM event_deliveries e WHERE status = 'pending' AND next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) AND NOT EXISTS (SELECT 1 FROM "
    "event_deliveries p WHERE p.subscriber = e.subscriber AND p.user_id = e.user_id "
    "AND p.status = 'pending' AND p.seq < e.seq) ORDER BY seq LIMIT $2";
constexpr std::string_view kClaimEvent =
    "UPDATE event_deliveries SET locked_until = $3 WHERE id = $1 AND status = 'pending' "
    "AND (locked_until IS NULL OR locked_until <= $2)";
constexpr std::string_view kSelectEvent =
    "SELECT id, subscriber, seq, user_id, type, body, created_at, next_attempt_at, attempts "
    "FROM event_deliveries WHERE id = $1";
constexpr std::string_view kEventDelivered =
    "UPDATE event_deliveries SET status = 'delivered', delivered_at = $2, "
    "attempts = attempts + 1, locked_until = NULL, last_error = NULL WHERE id = $1";
constexpr std::string_view kEventRetry =
    "UPDATE event_deliveries SET attempts = $2, next_attempt_at = $3, last_error = $4, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kEventFailed =
    "UPDATE event_deliveries SET status = 'failed', attempts = $2, last_error = $3, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kReleaseEvent =
    "UPDATE event_deliveries SET locked_until = NULL WHERE id = $1 AND status = 'pending'";
constexpr std::string_view kPendingEventCounts =
    "SELECT subscriber, count(*) AS pending FROM event_deliveries WHERE status = 'pending' "
    "GROUP BY subscriber ORDER BY subscriber";
constexpr std::string_view kPruneEvents =
    "DELETE FROM event_deliveries WHERE status IN ('delivered', 'failed') AND created_at < $1";

class DeliveryReader {
  public:
    explicit DeliveryReader(const Result& result) : DeliveryReader(ColumnFinder(result)) {}

    EventDelivery operator()(const Row& row) const {
        EventDelivery d;
        d.id = row.text(id_);
        d.subscriber = row.text(subscriber_);
        d.seq = row.integer(seq_);
        d.user_id = row.text(user_id_);
        d.type = row.text(type_);
        d.body = row.text(body_);
        d.created_at = row.integer(created_at_);
        d.next_attempt_at = row.integer(next_attempt_at_);
        d.attempts = static_cast<int>(row.integer(attempts_));
        return d;
    }

  private:
    explicit DeliveryReader(ColumnFinder find)
        : id_(find("id")),
          subscriber_(find("subscriber")),
          seq_(find("seq")),
          user_id_(find("user_id")),
          type_(find("type")),
          body_(find("body")),
          created_at_(find("created_at")),
          next_attempt_at_(find("next_attempt_at")),
          attempts_(find("attempts")) {}

    Column id_, subscriber_, seq_, user_id_, type_, body_, created_at_, next_attempt_at_, attempts_;
};

}  // namespace

std::int64_t EventDeliveries::next_sequence() {
    return single_integer(db_.execute(kNextEventSequence), "value");
}

void EventDeliveries::insert(const EventDelivery& d) {
    db_.execute(kInsertEventDelivery, {d.id, d.subscriber, d.seq, d.user_id, d.type, d.body,
                                       d.created_at, d.next_attempt_at});
}

std::vector<EventDelivery> EventDeliveries::claim_due(std::int64_t now, std::int64_t lock_until,
                                                      int limit) {
    return claim_rows<DeliveryReader>(db_, kSelectDueEvents, kClaimEvent, kSelectEvent, now,
                                      lock_until, limit);
}

void EventDeliveries::mark_delivered(const std::string& id, std::int64_t at) {
    db_.execute(kEventDelivered, {id, at});
}

void EventDeliveries::mark_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                                 const std::string& error) {
    db_.execute(kEventRetry, {id, std::int64_t{attempts}, next_attempt_at, error});
}

void EventDeliveries::mark_failed(const std::string& id, int attempts, const std::string& error) {
    db_.execute(kEventFailed, {id, std::int64_t{attempts}, error});
}

void EventDeliveries::release_claim(const std::string& id) {
    db_.execute(kReleaseEvent, {id});
}

std::vector<std::pair<std::string, std::int64_t>> EventDeliveries::pending_counts() {
    std::vector<std::pair<std::string, std::int64_t>> counts;
    const Result result = db_.execute(kPendingEventCounts);
    if (result.rows.empty()) return counts;
    const Column subscriber = result.column("subscriber");
    const Column pending = result.column("pending");
    for (const Row& row : result.rows)
        counts.emplace_back(row.text(subscriber), row.integer(pending));
    return counts;
}

void EventDeliveries::prune(std::int64_t before) {
    db_.execute(kPruneEvents, {before});
}

}  // namespace authd::store
