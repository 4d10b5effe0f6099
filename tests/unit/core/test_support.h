#pragma once
// An in-memory authd domain for unit tests: SQLite in memory, a manual clock, cheap hashing.
#include <atomic>
#include <memory>
#include <vector>

#include "auth/accounts.h"
#include "auth/notices.h"
#include "auth/password_policy.h"
#include "auth/secrets.h"
#include "auth/service_accounts.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "crypto/jwt.h"
#include "crypto/password_hasher.h"
#include "mail/mailer.h"
#include "store/sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::testing {

class RecordingMailer final : public mail::Mailer {
  public:
    void send(const mail::Message& message) override { sent.push_back(message); }
    std::vector<mail::Message> sent;
};

// Counts the hashes computed, to show that two paths cost the same.
class CountingHasher final : public crypto::PasswordHasher {
  public:
    std::string hash(std::string_view password) override {
        ++calls;
        return inner.hash(password);
    }
    bool verify(std::string_view phc, std::string_view password) override {
        ++calls;
        return inner.verify(phc, password);
    }
    bool needs_rehash(std::string_view phc) override { return inner.needs_rehash(phc); }

    crypto::Argon2idHasher inner{crypto::Argon2Params{8, 1}};
    std::atomic<int> calls{0};
};

struct Domain {
    explicit Domain(auth::TokenSettings settings = {})
        : database(store::open_database("sqlite://:memory:", 4)),
          store((store::migrate(*database), store::make_sql_store(database))),
          codec(std::make_shared<const crypto::JwtCodec>(
              crypto::generate_signing_key(crypto::JwtAlgorithm::EdDSA, random))),
          secrets(std::string(32, 'k')),
          tokens(codec, settings, clock),
          notices(mailer),
          sessions(*store, hasher, tokens, secrets, clock, random),
          accounts(*store, hasher, policy, sessions, notices, clock, random),
          services({{"users", "users-secret-123456"}}, tokens, clock, random) {}

    store::User register_user(const std::string& username,
                              const std::string& password = "correct horse battery") {
        auth::Registration registration;
        registration.username = username;
        registration.email = username + "@example.com";
        registration.password = password;
        registration.password2 = password;
        return accounts.register_user(registration);
    }

    auth::TokenPair login(const std::string& username,
                          const std::string& password = "correct horse battery") {
        return sessions.login(username, password, {"127.0.0.1", "unit-test"}).tokens;
    }

    ManualClock clock;
    SystemRandom random;
    CountingHasher hasher;
    auth::PasswordPolicy policy;
    RecordingMailer mailer;
    std::shared_ptr<store::Database> database;
    std::unique_ptr<store::Store> store;
    std::shared_ptr<const crypto::JwtCodec> codec;
    auth::Secrets secrets;
    auth::TokenIssuer tokens;
    auth::Notices notices;
    auth::Sessions sessions;
    auth::Accounts accounts;
    auth::ServiceAccounts services;
};

}  // namespace authd::testing
