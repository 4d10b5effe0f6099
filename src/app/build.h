#pragma once
// The service graph, wired in one place from the configuration: keys, store, hashing, mail,
// the domain, the platform's services, the routes. main() serves it; the unit tests build the
// same graph with a few parts swapped (Overrides).
#include <memory>
#include <optional>
#include <string>

#include "api/routes.h"
#include "app/config.h"
#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/email_flows.h"
#include "auth/links.h"
#include "auth/login.h"
#include "auth/login_limits.h"
#include "auth/maintenance.h"
#include "auth/notices.h"
#include "auth/passkeys.h"
#include "auth/password_check.h"
#include "auth/password_policy.h"
#include "auth/platform_sync.h"
#include "auth/rate_limits.h"
#include "auth/reauthentication.h"
#include "auth/secrets.h"
#include "auth/service_accounts.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "auth/two_factor.h"
#include "crypto/jwt.h"
#include "crypto/password_hasher.h"
#include "http/request_metrics.h"
#include "http/router.h"
#include "mail/outbox.h"
#include "mail/transport.h"
#include "otp/sealed_box.h"
#include "platform/account_changes.h"
#include "platform/events.h"
#include "platform/hooks_file.h"
#include "platform/http_client.h"
#include "store/sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/random.h"

namespace authd::app {

// The parts a test swaps for its own; each one left empty is the real one the configuration
// names. What is given must outlive the Application.
struct Overrides {
    const Clock* clock = nullptr;
    Random* random = nullptr;
    crypto::PasswordHasher* hasher = nullptr;               // instead of Argon2id on its pool
    mail::Transport* transport = nullptr;                   // instead of AUTH_EMAIL_URL's
    platform::HttpClient* http_client = nullptr;            // instead of libcurl
    std::shared_ptr<const crypto::SigningKey> signing_key;  // instead of the key file
    std::optional<std::string> secret_key;                  // instead of the secret key file
    std::shared_ptr<store::Database> database;  // opened and migrated; instead of the URL's
};

class Application {
  public:
    // `hooks`: the hooks file AUTH_HOOKS_FILE names, already read (platform::load_hooks).
    Application(const Config& config, platform::HooksFile hooks, Overrides overrides);
    ~Application();
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    // Listens, starts the background work, serves until SIGTERM or SIGINT, then stops the
    // background work. Throws std::runtime_error when it cannot listen.
    void serve();

    const Config config;
    const platform::HooksFile hooks;

  private:
    const Overrides overrides_;
    SystemClock system_clock_;
    SystemRandom system_random_;

  public:
    const Clock& clock;
    Random& random;
    const std::shared_ptr<const crypto::JwtCodec> jwt;
    const auth::Secrets secrets;
    const std::shared_ptr<store::Database> database;
    const std::unique_ptr<store::Store> store;

  private:
    const std::shared_ptr<crypto::Argon2idHasher> argon2id_;  // none when a hasher is given
    const std::unique_ptr<crypto::PooledHasher> hash_pool_;

  public:
    crypto::PasswordHasher& hasher;
    const auth::PasswordPolicy policy;
    auth::TokenIssuer tokens;

  private:
    const std::unique_ptr<mail::Transport> own_transport_;

  public:
    mail::Transport& transport;
    // Queued messages hold live links and codes: sealed at rest, opened only to be delivered.
    const otp::SealedBox outbox_seal;
    mail::Outbox outbox;
    mail::OutboxSender sender;
    auth::Audit audit;
    // Subscribers' events are written with the audit events they report.
    platform::EventPublisher event_publisher;
    auth::Notices notices;
    auth::RateLimiter limiter;
    auth::OneTimeLinks links;
    auth::EmailVerification verification;
    auth::PasswordReset password_reset;
    auth::DataExport data_export;
    auth::Sessions sessions;
    auth::LoginLimits login_limits;
    auth::PasswordCheck password_check;
    const auth::Reauthentication reauthentication;
    auth::TwoFactor two_factor;
    auth::Passkeys passkeys;
    auth::LoginCounters login_counters;
    auth::LoginFlow login_flow;
    auth::Accounts accounts;

  private:
    const std::unique_ptr<platform::HttpClient> own_http_client_;

  public:
    // The platform's other services (AUTH_HOOKS_FILE): changes made there too, all or nothing.
    platform::HttpClient& http_client;
    platform::ServiceTokens platform_tokens;
    platform::AccountChanges account_changes;
    auth::PlatformEffects platform_effects;
    platform::EventSender event_sender;
    auth::Maintenance maintenance;
    auth::ServiceAccounts service_accounts;
    metrics::Registry registry;
    const api::Services api_services;
    http::Router router;
    http::RequestMetrics request_metrics;
};

// Reads the keys (creating the default ones on first start), opens the database and applies
// its migrations, and wires everything. Throws config::ConfigError for a bad key file.
std::unique_ptr<Application> build(const Config& config, platform::HooksFile hooks = {},
                                   Overrides overrides = {});

}  // namespace authd::app
