#pragma once
// Account changes that the platform's services must all make, or none (docs/HOOKS.md). Each
// change is a row of the store, written before its first call and after each, so that a crash
// at any point is finished or undone by the recovery pass that every instance runs.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/platform_sync.h"
#include "platform/hooks_file.h"
#include "platform/http_client.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/periodic_task.h"
#include "util/random.h"

namespace authd::auth {
class Audit;
class TokenIssuer;
}  // namespace authd::auth

namespace authd::platform {

// The service token authd calls with: minted once, reused until a minute before it expires.
class ServiceTokens {
  public:
    ServiceTokens(const auth::TokenIssuer& tokens, std::string service_name, const Clock& clock,
                  Random& random);
    std::string current();

  private:
    const auth::TokenIssuer& tokens_;
    std::string service_name_;
    const Clock& clock_;
    Random& random_;
    std::mutex mutex_;
    std::string token_;
    std::int64_t expires_at_ = 0;
};

// How each call went, for the metrics and the audit log.
enum class Outcome { success, refused, failed, timeout, unreachable };
std::string_view outcome_name(Outcome outcome);

// Counts of calls by service, event and outcome, and their latency.
class CallMetrics {
  public:
    void observe(const std::string& service, std::string_view event, Outcome outcome,
                 double seconds);
    void collect(metrics::Writer& out) const;

  private:
    struct PerCall {
        std::map<Outcome, std::uint64_t> outcomes;
        std::unique_ptr<metrics::Histogram> latency;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, PerCall> calls_;
};

struct ChangeSettings {
    std::int64_t retry_base = 5;     // seconds before the first background retry
    std::int64_t retry_max = 600;    // the longest wait between retries
    std::int64_t export_wait = 300;  // how long an export waits for a service
    std::int64_t claim_margin = 5;   // seconds a claim outlasts the call it covers
    std::int64_t poll_interval_ms = 1000;
    int batch = 20;
};

class AccountChanges final : public auth::PlatformSync {
  public:
    AccountChanges(store::Store& store, const HooksFile& hooks, HttpClient& http,
                   ServiceTokens& tokens, auth::Audit& audit, const Clock& clock, Random& random,
                   ChangeSettings settings);
    ~AccountChanges() override;

    // Wiring: what the account rules do when a change ends in the background.
    void set_effects(auth::PlatformEffects& effects) { effects_ = &effects; }

    bool has_calls(auth::PlatformChange change) const override;
    auth::HeldChange begin(store::Transaction& tx, auth::PlatformChange change,
                           const auth::PlatformSubject& subject) override;
    void run(const auth::HeldChange& held, const auth::ClientInfo& client) override;
    void finish(store::Transaction& tx, const auth::HeldChange& held) override;
    void abandon(const auth::HeldChange& held, const auth::ClientInfo& client) noexcept override;

    // The recovery pass on its own thread: at start, then every poll interval (and at once
    // when a request leaves work behind).
    void start();
    void stop();
    // One pass over the changes due now; returns how many it took (tests call it directly).
    int run_due();

    // authd_hook_calls_total, authd_hook_call_duration_seconds, authd_account_changes_pending.
    void collect(metrics::Writer& out);

  private:
    enum class Progress { done, waiting };

    Progress advance(store::AccountChange& change);
    // Makes the calls from `change.step` on; returns how the first that failed went (a delete
    // then retries later), or nullopt when all succeeded. `client`: the request that makes the
    // calls, for the audit log (none for the recovery pass).
    std::optional<Outcome> forward(store::AccountChange& change, const auth::ClientInfo& client);
    Progress undo(store::AccountChange& change, const auth::ClientInfo& client);
    Progress gather_export(store::AccountChange& change);
    void turn_back(store::AccountChange& change, bool last_call_uncertain);
    Outcome call(const store::AccountChange& change, const CallTemplate& call,
                 std::string_view event, bool undoing, int index, const auth::ClientInfo& client,
                 std::string* answer = nullptr);
    void hold(store::AccountChange& change, std::int64_t timeout_ms);
    void save(const store::AccountChange& change);
    void retry_later(store::AccountChange& change, const std::string& error);

    store::Store& store_;
    const HooksFile& hooks_;
    HttpClient& http_;
    ServiceTokens& tokens_;
    auth::Audit& audit_;
    auth::PlatformEffects* effects_ = nullptr;
    const Clock& clock_;
    Random& random_;
    ChangeSettings settings_;
    const std::string instance_;  // this process, in the claims it makes
    CallMetrics metrics_;
    metrics::CachedGauge pending_;
    PeriodicTask task_;  // the recovery pass; its stop token cuts calls short at shutdown
};

}  // namespace authd::platform
