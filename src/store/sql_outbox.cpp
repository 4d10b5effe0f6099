// The outbox table.
#include <string>

#include "store/outbox.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kInsertOutbox =
    "INSERT INTO outbox (id, recipient, sender, mime, created_at, next_attempt_at, attempts, "
    "status) VALUES ($1, $2, $3, $4, $5, $6, 0, 'pending')";
constexpr std::string_view kSelectDueOutbox =
    "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) ORDER BY created_at, id LIMIT $2";
constexpr std::string_view kClaimOutbox =
    "UPDATE outbox SET locked_until = $3 WHERE id = $1 AND status = 'pending' "
    "AND (locked_until IS NULL OR locked_until <= $2)";
constexpr std::string_view kSelectOutbox =
    "SELECT id, recipient, sender, mime, created_at, next_attempt_at, attempts FROM outbox "
    "WHERE id = $1";
// Sent or given up, a message's body is erased: only its metadata stays.
constexpr std::string_view kOutboxSent =
    "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, "
    "locked_until = NULL, last_error = NULL, mime = '' WHERE id = $1";
constexpr std::string_view kOutboxRetry =
    "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kOutboxFailed =
    "UPDATE outbox SET status = 'failed', attempts = $2, last_error = $3, locked_until = NULL, "
    "mime = '' WHERE id = $1";
constexpr std::string_view kReleaseOutboxClaim =
    "UPDATE outbox SET locked_until = NULL WHERE id = $1 AND status = 'pending'";
constexpr std::string_view kPruneOutbox =
    "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < $1";
constexpr std::string_view kCountPendingOutbox =
    "SELECT count(*) AS total FROM outbox WHERE status = 'pending'";

class OutboxReader {
  public:
    explicit OutboxReader(const Result& result) : OutboxReader(ColumnFinder(result)) {}

    OutboxMessage operator()(const Row& row) const {
        OutboxMessage message;
        message.id = row.text(id_);
        message.recipient = row.text(recipient_);
        message.sender = row.text(sender_);
        message.mime = row.text(mime_);
        message.created_at = row.integer(created_at_);
        message.next_attempt_at = row.integer(next_attempt_at_);
        message.attempts = static_cast<int>(row.integer(attempts_));
        return message;
    }

  private:
    explicit OutboxReader(ColumnFinder find)
        : id_(find("id")),
          recipient_(find("recipient")),
          sender_(find("sender")),
          mime_(find("mime")),
          created_at_(find("created_at")),
          next_attempt_at_(find("next_attempt_at")),
          attempts_(find("attempts")) {}

    Column id_, recipient_, sender_, mime_, created_at_, next_attempt_at_, attempts_;
};

}  // namespace

void Outbox::insert(const OutboxMessage& m) {
    db_.execute(kInsertOutbox,
                {m.id, m.recipient, m.sender, m.mime, m.created_at, m.next_attempt_at});
}

std::vector<OutboxMessage> Outbox::claim_due(std::int64_t now, std::int64_t lock_until, int limit) {
    return claim_rows<OutboxReader>(db_, kSelectDueOutbox, kClaimOutbox, kSelectOutbox, now,
                                    lock_until, limit);
}

void Outbox::mark_sent(const std::string& id, std::int64_t at) {
    db_.execute(kOutboxSent, {id, at});
}

void Outbox::mark_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                        const std::string& error) {
    db_.execute(kOutboxRetry, {id, std::int64_t{attempts}, next_attempt_at, error});
}

void Outbox::mark_failed(const std::string& id, int attempts, const std::string& error) {
    db_.execute(kOutboxFailed, {id, std::int64_t{attempts}, error});
}

void Outbox::release_claim(const std::string& id) {
    db_.execute(kReleaseOutboxClaim, {id});
}

std::int64_t Outbox::pending_count() {
    return single_integer(db_.execute(kCountPendingOutbox), "total");
}

void Outbox::prune(std::int64_t before) {
    db_.execute(kPruneOutbox, {before});
}

}  // namespace authd::store
