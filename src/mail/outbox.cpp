#include "mail/outbox.h"

#include <algorithm>
#include <optional>

#include "mail/transport.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::mail {
namespace {

// What marks a sealed message in the `mime` column (a rendered one starts with "From: ").
constexpr std::string_view kSealedPrefix = "sealed1:";

// Binds the sealed text to its row: a body copied to another message does not open.
std::string associated_data(const std::string& id) {
    return "outbox:" + id;
}

// The message as it goes to the relay; nullopt when it does not open (another secret key file).
std::optional<std::string> opened(const otp::SealedBox& seal, const store::OutboxMessage& message) {
    const std::string_view stored = message.mime;
    if (!stored.starts_with(kSealedPrefix))
        return message.mime;  // queued in clear by an older build
    return seal.open(stored.substr(kSealedPrefix.size()), associated_data(message.id));
}

}  // namespace

Outbox::Outbox(std::string from, const otp::SealedBox& seal, const Clock& clock, Random& random)
    : from_(std::move(from)),
      from_address_(bare_address(from_)),
      seal_(seal),
      clock_(clock),
      random_(random) {
    const auto at = from_address_.rfind('@');
    message_id_domain_ = at == std::string::npos ? "authd" : from_address_.substr(at + 1);
}

void Outbox::enqueue(store::Transaction& tx, const Email& email) {
    const std::int64_t now = clock_.now();
    store::OutboxMessage message;
    message.id = random_.token(16);
    message.recipient = bare_address(email.to);
    message.sender = from_address_;
    message.mime = std::string(kSealedPrefix) +
                   seal_.seal(render(email, from_, message.id + "@" + message_id_domain_, now),
                              associated_data(message.id), random_);
    message.created_at = now;
    message.next_attempt_at = now;
    tx.outbox().insert(message);
}

OutboxSender::OutboxSender(store::Store& store, Transport& transport, const otp::SealedBox& seal,
                           const Clock& clock, SenderSettings settings)
    : store_(store),
      transport_(transport),
      seal_(seal),
      clock_(clock),
      settings_(settings),
      // A full batch likely means more are due: the next pass runs at once.
      task_("outbox sender", std::chrono::milliseconds(settings.poll_interval_ms),
            [this] { return deliver_due() >= settings_.batch; }),
      pending_(clock, 5) {}

OutboxSender::~OutboxSender() {
    stop();
}

void OutboxSender::start() {
    task_.start();
}

void OutboxSender::stop() {
    task_.stop();
}

std::int64_t OutboxSender::backoff(int attempts) const {
    return exponential_backoff(attempts, settings_.retry_base, settings_.retry_max_interval);
}

int OutboxSender::deliver_due() {
    std::vector<store::OutboxMessage> claimed;
    const std::int64_t now = clock_.now();
    store_.write([&](store::Transaction& tx) {
        claimed = tx.outbox().claim_due(now, now + settings_.claim_seconds, settings_.batch);
    });
    int delivered = 0;
    const std::stop_token stop = task_.stop_token();
    for (std::size_t next = 0; next < claimed.size(); ++next) {
        const store::OutboxMessage& message = claimed[next];
        const int attempts = message.attempts + 1;
        try {
            if (stop.stop_requested()) throw DeliveryCancelled();
            // Retried like a relay's failure: another instance (or this one, once the right
            // key file is back) may open it.
            const std::optional<std::string> mime = opened(seal_, message);
            if (!mime)
                throw DeliveryError("the message does not open with this secret key file", false);
            transport_.deliver({message.sender, message.recipient}, *mime, stop);
        } catch (const DeliveryCancelled&) {
            // Stopping: this message and the rest of the batch go back to the queue as they
            // were, rather than stay held for claim_seconds.
            store_.write([&](store::Transaction& tx) {
                for (std::size_t i = next; i < claimed.size(); ++i)
                    tx.outbox().release_claim(claimed[i].id);
            });
            log::info("e-mail delivery stopped: " + std::to_string(claimed.size() - next) +
                      " message(s) left queued");
            break;
        } catch (const DeliveryError& e) {
            const std::int64_t at = clock_.now();
            const bool give_up =
                e.permanent() || at - message.created_at >= settings_.give_up_after;
            failures_.add();
            log::warn("e-mail " + message.id + " attempt " + std::to_string(attempts) +
                      (give_up ? " failed for good: " : " failed, will retry: ") + e.what());
            store_.write([&](store::Transaction& tx) {
                if (give_up)
                    tx.outbox().mark_failed(message.id, attempts, e.what());
                else
                    tx.outbox().mark_retry(message.id, attempts, at + backoff(attempts), e.what());
            });
            continue;
        }
        // Recorded at once: after this, the message is never sent again.
        store_.write(
            [&](store::Transaction& tx) { tx.outbox().mark_sent(message.id, clock_.now()); });
        sent_.add();
        log::info("e-mail " + message.id + " delivered");
        ++delivered;
    }
    return delivered;
}

void OutboxSender::collect(metrics::Writer& out) {
    const auto pending = pending_.get([this] {
        std::int64_t count = 0;
        store_.read([&](store::Transaction& tx) { count = tx.outbox().pending_count(); });
        return count;
    });
    out.family("authd_outbox_pending", "gauge", "E-mails queued and not yet sent or given up.");
    if (pending) out.sample("authd_outbox_pending", {}, static_cast<double>(*pending));
    out.family("authd_outbox_sent_total", "counter", "E-mails delivered to the relay.");
    out.sample("authd_outbox_sent_total", {}, sent());
    out.family("authd_outbox_delivery_failures_total", "counter",
               "Failed e-mail delivery attempts (retried later, or given up).");
    out.sample("authd_outbox_delivery_failures_total", {}, delivery_failures());
}

}  // namespace authd::mail
