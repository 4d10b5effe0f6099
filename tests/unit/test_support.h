#pragma once
// An in-memory authd domain for unit tests: SQLite in memory, a manual clock, cheap hashing,
// and an outbox whose deliveries are recorded.
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "app/build.h"
#include "app/config.h"
#include "auth/accounts.h"
#include "auth/email_flows.h"
#include "auth/links.h"
#include "auth/login.h"
#include "auth/maintenance.h"
#include "auth/notices.h"
#include "auth/password_policy.h"
#include "auth/rate_limits.h"
#include "auth/secrets.h"
#include "auth/service_accounts.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "crypto/jwt.h"
#include "crypto/password_hasher.h"
#include "mail/outbox.h"
#include "mail/transport.h"
#include "store/sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/random.h"

namespace authd::testing {

// The client of the domain calls that tests make.
inline const auth::ClientInfo kClient{"127.0.0.1", "unit-test"};

// Keeps what the outbox delivers; can be told to fail the next deliveries.
class RecordingTransport final : public mail::Transport {
  public:
    struct Delivery {
        mail::Envelope envelope;
        std::string mime;
        bool has(std::string_view text) const { return mime.find(text) != std::string::npos; }
    };
    void deliver(const mail::Envelope& envelope, const std::string& mime,
                 std::stop_token /*stop*/) override {
        if (failures_left > 0) {
            --failures_left;
            throw mail::DeliveryError("421 try again later", permanent_failure);
        }
        delivered.push_back({envelope, mime});
    }
    std::vector<Delivery> delivered;
    int failures_left = 0;
    bool permanent_failure = false;
};

// Counts the hashes computed, to show that two paths cost the same.
class CountingHasher final : public crypto::PasswordHasher {
  public:
    std::string hash(std::string_view password, const crypto::HashCaller& caller) override {
        ++calls;
        return inner.hash(password, caller);
    }
    bool verify(std::string_view phc, std::string_view password,
                const crypto::HashCaller& caller) override {
        // What a full pool answers (PasswordHasher's queue bound).
        if (busy) throw Error(ErrorKind::unavailable, "server_busy", i18n::keys::server_busy, 1);
        ++calls;
        return inner.verify(phc, password, caller);
    }
    bool needs_rehash(std::string_view phc) override { return inner.needs_rehash(phc); }

    crypto::Argon2idHasher inner{crypto::Argon2Params{8, 1}};
    std::atomic<int> calls{0};
    std::atomic<bool> busy{false};
};

// The graph main() builds (app::build), on an in-memory database, with the clock, the hasher
// and the transport swapped for the ones above and fixed keys.
struct Domain {
    explicit Domain(auth::TokenSettings settings = {}, auth::EmailFlowSettings email = {})
        : app(app::build(configuration(settings, email), {}, overrides())),
          store(app->store),
          database(app->database),
          codec(app->jwt),
          secrets(app->secrets),
          tokens(app->tokens),
          outbox_seal(app->outbox_seal),
          outbox(app->outbox),
          sender(app->sender),
          audit(app->audit),
          notices(app->notices),
          limiter(app->limiter),
          links(app->links),
          verification(app->verification),
          password_reset(app->password_reset),
          data_export(app->data_export),
          sessions(app->sessions),
          login_limits(app->login_limits),
          password_check(app->password_check),
          reauthentication(app->reauthentication),
          two_factor(app->two_factor),
          passkeys(app->passkeys),
          login_counters(app->login_counters),
          login_flow(app->login_flow),
          accounts(app->accounts),
          services(app->service_accounts) {}

    store::User register_user(const std::string& username,
                              const std::string& password = "correct horse battery") {
        auth::Registration registration;
        registration.username = username;
        registration.email = username + "@example.com";
        registration.password = password;
        registration.password2 = password;
        return accounts.register_user(registration, kClient);
    }

    auth::TokenPair login(const std::string& username,
                          const std::string& password = "correct horse battery") {
        auto outcome = login_flow.password_step(username, password, kClient);
        if (!outcome.session) throw std::logic_error("login needs a second factor");
        return outcome.session->tokens;
    }

    // A user with a verified address, logged in, who turns 2FA on: what the update answered
    // (the app's secret, the recovery codes).
    auth::UpdateResult register_with_two_factor(const std::string& username) {
        const store::User user = register_user(username);
        store->write([&](store::Transaction& tx) { tx.users().set_email_verified(user.id, true); });
        const auth::Principal caller = sessions.authenticate(login(username).access);
        auth::ProfileChanges changes;
        changes.two_fa_enable = true;
        return accounts.update(caller, username, changes, kClient);
    }

    // Delivers what the outbox holds now and returns it.
    std::vector<RecordingTransport::Delivery> deliver() {
        transport.delivered.clear();
        sender.deliver_due();
        return transport.delivered;
    }

    ManualClock clock;
    SystemRandom random;
    CountingHasher hasher;
    RecordingTransport transport;

  private:
    // The defaults, as authd reads them from an empty environment, but for these.
    static app::Config configuration(const auth::TokenSettings& settings,
                                     const auth::EmailFlowSettings& email) {
        app::Config config = app::load([](const std::string& name) -> std::optional<std::string> {
            if (name == "AUTH_PUBLIC_URL") return "https://auth.example.com";
            if (name == "AUTH_EMAIL_FROM") return "authd <no-reply@example.com>";
            if (name == "AUTH_SERVICES") return "users:users-secret-123456";
            if (name == "AUTH_REGISTRATION_RATE_LIMIT") return "1000";
            return std::nullopt;
        });
        config.tokens = settings;
        config.email_flows = email;
        return config;
    }

    app::Overrides overrides() {
        app::Overrides overrides;
        overrides.clock = &clock;
        overrides.random = &random;
        overrides.hasher = &hasher;
        overrides.transport = &transport;
        overrides.signing_key = crypto::generate_signing_key(crypto::JwtAlgorithm::EdDSA, random);
        overrides.secret_key = std::string(32, 'k');
        overrides.database = store::open_database("sqlite://:memory:", 4);
        store::migrate(*overrides.database);
        return overrides;
    }

    const std::unique_ptr<app::Application> app;

  public:
    const std::unique_ptr<store::Store>& store;
    const std::shared_ptr<store::Database>& database;
    const std::shared_ptr<const crypto::JwtCodec>& codec;
    const auth::Secrets& secrets;
    auth::TokenIssuer& tokens;
    const otp::SealedBox& outbox_seal;
    mail::Outbox& outbox;
    mail::OutboxSender& sender;
    auth::Audit& audit;
    auth::Notices& notices;
    auth::RateLimiter& limiter;
    auth::OneTimeLinks& links;
    auth::EmailVerification& verification;
    auth::PasswordReset& password_reset;
    auth::DataExport& data_export;
    auth::Sessions& sessions;
    auth::LoginLimits& login_limits;
    auth::PasswordCheck& password_check;
    const auth::Reauthentication& reauthentication;
    auth::TwoFactor& two_factor;
    auth::Passkeys& passkeys;
    auth::LoginCounters& login_counters;
    auth::LoginFlow& login_flow;
    auth::Accounts& accounts;
    auth::ServiceAccounts& services;
};

// The kind of the typed error `f` throws.
template <class F>
std::optional<ErrorKind> error_kind(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    return std::nullopt;
}

}  // namespace authd::testing
