#pragma once
// The durable outbox: messages are rendered and written in the transaction of the change that
// causes them, then delivered by OutboxSender on its own thread, retried with exponential
// backoff, and marked sent or failed. A crash or an SMTP outage loses no message.
//
// A queued message holds live links and codes, so it is sealed at rest (XChaCha20-Poly1305
// under a key derived from the secret key file, bound to the message's id), opened only to be
// delivered, and its body erased once it is sent or given up; the row's metadata stays.
// Messages an older build queued in clear are delivered as they are.
#include <cstdint>
#include <string>

#include "mail/message.h"
#include "otp/sealed_box.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/periodic_task.h"
#include "util/random.h"

namespace authd::mail {

class Transport;

class Outbox {
  public:
    // `from` is "Name <address>" or an address; `seal` seals each message at rest.
    Outbox(std::string from, const otp::SealedBox& seal, const Clock& clock, Random& random);

    // Renders `email` and queues it inside the caller's transaction: it exists exactly when the
    // change that caused it is committed. Throws HeaderInjection.
    void enqueue(store::Transaction& tx, const Email& email);

  private:
    std::string from_;
    std::string from_address_;
    std::string message_id_domain_;
    const otp::SealedBox& seal_;
    const Clock& clock_;
    Random& random_;
};

struct SenderSettings {
    std::int64_t poll_interval_ms = 500;  // how often due messages are looked for
    std::int64_t retry_base = 30;         // first retry after this many seconds, then doubling
    std::int64_t retry_max_interval = 3600;
    std::int64_t give_up_after = 2 * 86400;  // a message still undelivered then is failed
    std::int64_t claim_seconds = 300;        // how long a claimed message is held by one sender
    int batch = 20;
};

class OutboxSender {
  public:
    // `seal` opens what Outbox sealed (the same key).
    OutboxSender(store::Store& store, Transport& transport, const otp::SealedBox& seal,
                 const Clock& clock, SenderSettings settings);
    ~OutboxSender();

    void start();
    // Cuts the delivery under way short (within about a second, see Transport) and stops.
    // Undelivered messages stay queued, due at once for the next sender.
    void stop();

    // One pass: delivers the messages due now; returns how many were delivered. (Tests call it
    // directly with a manual clock.)
    int deliver_due();

    // The delay before attempt number `attempts` + 1.
    std::int64_t backoff(int attempts) const;

    // Deliveries since start, and failed attempts (retried or given up).
    std::uint64_t sent() const { return sent_.value(); }
    std::uint64_t delivery_failures() const { return failures_.value(); }
    // authd_outbox_pending (read from the store, at most every 5 s), authd_outbox_sent_total,
    // authd_outbox_delivery_failures_total.
    void collect(metrics::Writer& out);

  private:
    store::Store& store_;
    Transport& transport_;
    const otp::SealedBox& seal_;
    const Clock& clock_;
    SenderSettings settings_;
    PeriodicTask task_;  // its stop token is seen by the transport
    metrics::Counter sent_;
    metrics::Counter failures_;
    metrics::CachedGauge pending_;
};

}  // namespace authd::mail
