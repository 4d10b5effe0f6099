#include "platform/events.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "crypto/base64url.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/time_text.h"

namespace authd::platform {
namespace {

namespace json = boost::json;

constexpr std::size_t kIdBytes = 16;

json::object about(const store::User& user) {
    return json::object{{"user_id", user.id}, {"username", user.username}};
}

json::object revoked(const store::User& user, std::string_view reason) {
    json::object data = about(user);
    data["reason"] = reason;
    return data;
}

}  // namespace

std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body) {
    const std::string content =
        std::string(id) + "." + std::to_string(timestamp) + "." + std::string(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &length))
        throw std::runtime_error("HMAC-SHA256 failed");
    return "v1," + crypto::base64_encode(mac, length);
}

EventPublisher::EventPublisher(const HooksFile& hooks, const Clock& clock, Random& random)
    : hooks_(hooks), clock_(clock), random_(random) {}

void EventPublisher::recorded(store::Transaction& tx, std::string_view kind,
                              const store::User* user, std::string_view session_id,
                              std::string_view detail) {
    if (!user || hooks_.subscribers.empty()) return;
    namespace event = auth::event;
    const std::string& id = user->id;
    if (kind == event::account_created) {
        json::object data = about(*user);
        data["email"] = user->email;
        publish(tx, "account.created", id, std::move(data));
    } else if (kind == event::username_changed) {
        json::object data = about(*user);
        data["old_username"] = detail;
        publish(tx, "account.renamed", id, std::move(data));
    } else if (kind == event::account_deleted) {
        publish(tx, "account.deleted", id, about(*user));
    } else if (kind == event::email_changed) {
        json::object data = about(*user);
        data["email"] = user->email;
        publish(tx, "account.email_changed", id, std::move(data));
    } else if (kind == event::password_changed) {
        publish(tx, "account.password_changed", id, about(*user));
        json::object data = revoked(*user, "password_changed");
        data["all"] = true;
        if (!session_id.empty()) data["except_session_id"] = session_id;
        publish(tx, "session.revoked", id, std::move(data));
    } else if (kind == event::password_reset) {
        publish(tx, "account.password_reset", id, about(*user));
        json::object data = revoked(*user, "password_reset");
        data["all"] = true;
        publish(tx, "session.revoked", id, std::move(data));
    } else if (kind == event::logout || kind == event::session_ended ||
               kind == event::refresh_reuse_detected) {
        json::object data = revoked(*user, kind == event::logout          ? "logout"
                                           : kind == event::session_ended ? "ended"
                                                                          : "reuse_detected");
        data["session_id"] = session_id;
        publish(tx, "session.revoked", id, std::move(data));
    } else if (kind == event::logout_all) {
        json::object data = revoked(*user, "logout_all");
        data["all"] = true;
        publish(tx, "session.revoked", id, std::move(data));
    } else if (kind == event::two_factor_enabled) {
        publish(tx, "two_factor.enabled", id, about(*user));
    } else if (kind == event::two_factor_disabled) {
        publish(tx, "two_factor.disabled", id, about(*user));
    }
}

void EventPublisher::publish(store::Transaction& tx, std::string_view type,
                             const std::string& user_id, json::object data) {
    std::vector<const Subscriber*> receivers;
    for (const Subscriber& subscriber : hooks_.subscribers)
        if (subscriber.receives(type)) receivers.push_back(&subscriber);
    if (receivers.empty()) return;
    const std::int64_t now = clock_.now();
    const std::int64_t seq = tx.events().next_sequence();
    const std::string body = json::serialize(
        json::object{{"type", type}, {"timestamp", util::iso8601(now)}, {"data", std::move(data)}});
    const std::string event_id = "msg_" + random_.token(kIdBytes);
    for (const Subscriber* subscriber : receivers) {
        store::EventDelivery delivery;
        // One id per event and subscriber, the same on every try.
        delivery.id = event_id + "_" + subscriber->name;
        delivery.subscriber = subscriber->name;
        delivery.seq = seq;
        delivery.user_id = user_id;
        delivery.type = std::string(type);
        delivery.body = body;
        delivery.created_at = now;
        delivery.next_attempt_at = now;
        tx.events().insert(delivery);
    }
}

EventSender::EventSender(store::Store& store, const HooksFile& hooks, HttpClient& http,
                         const Clock& clock, EventSettings settings)
    : store_(store),
      hooks_(hooks),
      http_(http),
      clock_(clock),
      settings_(settings),
      task_("event sender", std::chrono::milliseconds(settings.poll_interval_ms),
            [this] { return deliver_due() >= settings_.batch; }) {}

EventSender::~EventSender() {
    stop();
}

void EventSender::start() {
    if (!hooks_.subscribers.empty()) task_.start();
}

void EventSender::stop() {
    task_.stop();
}

bool EventSender::deliver(const store::EventDelivery& delivery, std::string& error) {
    const Subscriber* subscriber = nullptr;
    for (const Subscriber& s : hooks_.subscribers)
        if (s.name == delivery.subscriber) subscriber = &s;
    if (!subscriber) {
        error = "the subscriber is no longer in the hooks file";
        return false;
    }
    const std::int64_t timestamp = clock_.now();
    HttpRequest request;
    request.method = "POST";
    request.url = subscriber->url;
    request.timeout_ms = subscriber->timeout_ms;
    request.body = delivery.body;
    request.headers = {
        {"Content-Type", "application/json"},
        {"webhook-id", delivery.id},
        {"webhook-timestamp", std::to_string(timestamp)},
        {"webhook-signature",
         webhook_signature(subscriber->key, delivery.id, timestamp, delivery.body)},
    };
    const HttpResult result = http_.send(request, task_.stop_token());
    if (result.kind == HttpResult::Kind::answered && result.status >= 200 && result.status < 300)
        return true;
    error = result.kind == HttpResult::Kind::answered ? "answered " + std::to_string(result.status)
                                                      : result.error;
    return false;
}

int EventSender::deliver_due() {
    const std::int64_t now = clock_.now();
    std::vector<store::EventDelivery> claimed;
    store_.write([&](store::Transaction& tx) {
        claimed = tx.events().claim_due(now, now + settings_.claim_seconds, settings_.batch);
    });
    int delivered = 0;
    for (std::size_t next = 0; next < claimed.size(); ++next) {
        const store::EventDelivery& delivery = claimed[next];
        std::string error;
        bool ok = false;
        try {
            ok = deliver(delivery, error);
        } catch (const CallCancelled&) {
            store_.write([&](store::Transaction& tx) {
                for (std::size_t i = next; i < claimed.size(); ++i)
                    tx.events().release_claim(claimed[i].id);
            });
            break;
        }
        const std::int64_t at = clock_.now();
        const int attempts = delivery.attempts + 1;
        if (ok) {
            store_.write(
                [&](store::Transaction& tx) { tx.events().mark_delivered(delivery.id, at); });
            count(delivery.subscriber, "delivered");
            ++delivered;
            continue;
        }
        const bool give_up = at - delivery.created_at >= settings_.give_up_after;
        log::warn("event " + delivery.id + " to " + delivery.subscriber + " attempt " +
                  std::to_string(attempts) + (give_up ? " failed for good: " : " failed: ") +
                  error);
        store_.write([&](store::Transaction& tx) {
            if (give_up)
                tx.events().mark_failed(delivery.id, attempts, error);
            else
                tx.events().mark_retry(
                    delivery.id, attempts,
                    at + exponential_backoff(attempts, settings_.retry_base, settings_.retry_max),
                    error);
        });
        count(delivery.subscriber, give_up ? "failed" : "retried");
    }
    return delivered;
}

void EventSender::count(const std::string& subscriber, std::string_view outcome) {
    std::lock_guard lock(counts_mutex_);
    ++deliveries_[{subscriber, std::string(outcome)}];
}

void EventSender::collect(metrics::Writer& out) {
    if (hooks_.subscribers.empty()) return;
    std::lock_guard lock(counts_mutex_);
    const std::int64_t now = clock_.now();
    if (now - pending_read_at_ >= 5) {
        try {
            std::vector<std::pair<std::string, std::int64_t>> counts;
            store_.read([&](store::Transaction& tx) { counts = tx.events().pending_counts(); });
            pending_ = std::move(counts);
            pending_read_at_ = now;
        } catch (const std::exception&) {
            // The database is down: the last counts stand.
        }
    }
    out.family("authd_events_pending", "gauge",
               "Events not yet delivered to each subscriber (its backlog).");
    for (const Subscriber& subscriber : hooks_.subscribers) {
        std::int64_t pending = 0;
        for (const auto& [name, count] : pending_)
            if (name == subscriber.name) pending = count;
        out.sample("authd_events_pending", {{"subscriber", subscriber.name}},
                   static_cast<double>(pending));
    }
    out.family("authd_event_deliveries_total", "counter",
               "Event delivery attempts by subscriber and outcome (delivered, retried, failed).");
    for (const auto& [key, count] : deliveries_)
        out.sample("authd_event_deliveries_total",
                   {{"subscriber", key.first}, {"outcome", key.second}}, count);
}

}  // namespace authd::platform
