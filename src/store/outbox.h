#pragma once
// E-mails waiting to be sent, and the record of those sent or given up (the outbox table).
#include <cstdint>
#include <string>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct OutboxMessage {
    std::string id;
    std::string recipient;  // bare address (RCPT TO)
    std::string sender;     // bare address (MAIL FROM)
    std::string mime;       // the rendered message, sealed (mail/outbox.h); "" once sent or failed
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
};

class Outbox : public Repository {
  public:
    using Repository::Repository;

    void insert(const OutboxMessage& message);
    // Claims up to `limit` pending messages due at `now` that no sender holds, holding them
    // until `lock_until`; each is claimed by one sender only, across instances.
    std::vector<OutboxMessage> claim_due(std::int64_t now, std::int64_t lock_until, int limit);
    // Sent or given up: the message's body is erased, its metadata kept.
    void mark_sent(const std::string& id, std::int64_t at);
    void mark_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                    const std::string& error);
    void mark_failed(const std::string& id, int attempts, const std::string& error);
    // Gives a claimed message back unattempted (its sender is stopping): due again at once.
    void release_claim(const std::string& id);
    std::int64_t pending_count();
    // Deletes sent and failed messages queued before `before` (pending ones are never deleted).
    void prune(std::int64_t before);
};

}  // namespace authd::store
