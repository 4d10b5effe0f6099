#include "app/build.h"

#include <utility>

#include "http/server.h"
#include "mail/settings.h"
#include "store/settings.h"
#include "util/log.h"
#include "util/private_file.h"

namespace authd::app {
namespace {

std::shared_ptr<const crypto::JwtCodec> jwt_codec(const Config& config, const Overrides& overrides,
                                                  Random& random) {
    std::shared_ptr<const crypto::SigningKey> key = overrides.signing_key;
    if (!key) {
        const auth::KeySettings& keys = config.keys;
        try {
            key = crypto::load_or_create_signing_key(keys.jwt_algorithm, keys.jwt_key_file,
                                                     keys.create_jwt_key, random);
        } catch (const std::exception& e) {
            throw config::ConfigError(std::string("AUTH_JWT_PRIVATE_KEY_FILE: ") + e.what());
        }
        log::info("signing tokens with " + std::string(crypto::to_string(keys.jwt_algorithm)) +
                  ", kid " + key->kid());
    }
    return std::make_shared<const crypto::JwtCodec>(std::move(key));
}

auth::Secrets secrets_of(const Config& config, const Overrides& overrides, Random& random) {
    if (overrides.secret_key) return auth::Secrets(*overrides.secret_key);
    auth::Secrets secrets = auth::Secrets::load_or_create(config.keys.secret_key_file, random);
    // Made 0600 when a deployment (or an older build) left them readable by others.
    if (!overrides.signing_key) tighten_private_file(config.keys.jwt_key_file, "signing key file");
    tighten_private_file(config.keys.secret_key_file, "secret key file");
    return secrets;
}

std::shared_ptr<crypto::Argon2idHasher> argon2id_of(const Config& config,
                                                    const Overrides& overrides) {
    if (overrides.hasher) return nullptr;
    return std::make_shared<crypto::Argon2idHasher>(config.hashing.argon2);
}

std::unique_ptr<crypto::PooledHasher> hash_pool_of(
    const Config& config, const std::shared_ptr<crypto::Argon2idHasher>& argon2id) {
    if (!argon2id) return nullptr;
    return std::make_unique<crypto::PooledHasher>(argon2id, config.hashing.threads,
                                                  config.hashing.queue);
}

template <class T>
T& given_or_own(T* given, const std::unique_ptr<T>& own) {
    return given ? *given : *own;
}

// The routes are in the router before RequestMetrics learns their names.
const http::Router& with_routes(http::Router& router, const api::Services& services) {
    api::add_all_routes(router, services);
    return router;
}

}  // namespace

Application::Application(const Config& config, platform::HooksFile hooks, Overrides overrides)
    : config(config),
      hooks(std::move(hooks)),
      overrides_(std::move(overrides)),
      clock(overrides_.clock ? *overrides_.clock : system_clock_),
      random(overrides_.random ? *overrides_.random : system_random_),
      jwt(jwt_codec(config, overrides_, random)),
      secrets(secrets_of(config, overrides_, random)),
      database(overrides_.database ? overrides_.database
                                   : store::open_and_migrate(config.database)),
      store(store::make_sql_store(database)),
      argon2id_(argon2id_of(config, overrides_)),
      hash_pool_(hash_pool_of(config, argon2id_)),
      hasher(overrides_.hasher ? *overrides_.hasher
                               : static_cast<crypto::PasswordHasher&>(*hash_pool_)),
      policy(config.passwords),
      // Refresh tokens are tagged with a key derived from the secret key file, never published.
      tokens(jwt, secrets.key_for("refresh"), config.tokens, clock),
      own_transport_(overrides_.transport ? nullptr : mail::make_transport(config.mail)),
      transport(given_or_own(overrides_.transport, own_transport_)),
      outbox_seal(secrets.key_for("outbox")),
      outbox(config.mail.from, outbox_seal, clock, random),
      sender(*store, transport, outbox_seal, clock, config.mail.sender),
      audit(clock, random),
      event_publisher(this->hooks, clock, random),
      notices(outbox),
      limiter(clock, audit),
      links(config.links.public_url, clock, random),
      verification(*store, links, outbox, limiter, audit, config.email_flows),
      password_reset(*store, links, outbox, limiter, policy, hasher, notices, audit, clock,
                     config.email_flows),
      data_export(*store, outbox, limiter, config.email_flows),
      sessions(*store, tokens, secrets, audit, clock, random),
      login_limits(*store, clock, config.login_limits),
      password_check(*store, hasher, login_limits, random),
      reauthentication(*store, password_check, audit, clock, config.reauthentication.window),
      two_factor(*store, hasher, outbox, limiter, notices, reauthentication, audit, secrets, clock,
                 random, config.two_factor),
      passkeys(*store, reauthentication, notices, audit, limiter, clock, random, config.passkeys),
      login_flow(*store, password_check, passkeys, sessions, two_factor, login_limits, audit,
                 &login_counters),
      accounts(*store, hasher, policy, sessions, notices, verification, two_factor,
               reauthentication, audit, limiter, config.registrations.per_address, clock, random),
      own_http_client_(overrides_.http_client ? nullptr : platform::make_curl_http_client()),
      http_client(given_or_own(overrides_.http_client, own_http_client_)),
      platform_tokens(tokens, config.hooks.service_name, clock, random),
      account_changes(*store, this->hooks, http_client, platform_tokens, audit, clock, random,
                      config.hooks.changes),
      platform_effects(audit, data_export),
      event_sender(*store, this->hooks, http_client, clock, config.hooks.events),
      maintenance(*store, clock, config.maintenance),
      service_accounts(config.services, tokens, *store, hasher, audit, limiter, clock, random,
                       config.service_logins),
      api_services{accounts,
                   sessions,
                   service_accounts,
                   *store,
                   *jwt,
                   verification,
                   password_reset,
                   data_export,
                   login_flow,
                   two_factor,
                   passkeys,
                   random,
                   config.links.https(),
                   registry,
                   config.metrics.token,
                   config.links.public_url},
      request_metrics(with_routes(router, api_services)) {
    audit.set_listener(event_publisher);
    account_changes.set_effects(platform_effects);
    accounts.set_platform(account_changes);
    data_export.set_platform(account_changes);

    registry.add([this](metrics::Writer& out) { request_metrics.collect(out); });
    registry.add([this](metrics::Writer& out) { login_counters.collect(out); });
    if (argon2id_) {
        registry.add([this](metrics::Writer& out) { argon2id_->collect(out); });
        registry.add([this](metrics::Writer& out) { hash_pool_->collect(out); });
    }
    registry.add([this](metrics::Writer& out) { database->collect(out); });
    registry.add([this](metrics::Writer& out) { sender.collect(out); });
    registry.add([this](metrics::Writer& out) { sessions.collect(out); });
    registry.add([this](metrics::Writer& out) { account_changes.collect(out); });
    registry.add([this](metrics::Writer& out) { event_sender.collect(out); });
    registry.add(metrics::collect_process);
}

Application::~Application() = default;

void Application::serve() {
    http::ServerOptions options = config.server;
    // Behind TLS (the public URL says so), browsers must never fall back to plain HTTP.
    options.hsts = config.links.https();
    options.local_store_reads = database->dialect() == store::Dialect::sqlite;
    http::Server server(options, router, &request_metrics);
    server.listen();
    sender.start();
    maintenance.start();
    account_changes.start();
    event_sender.start();
    server.run();
    event_sender.stop();
    account_changes.stop();
    maintenance.stop();
    sender.stop();
}

std::unique_ptr<Application> build(const Config& config, platform::HooksFile hooks,
                                   Overrides overrides) {
    return std::make_unique<Application>(config, std::move(hooks), std::move(overrides));
}

}  // namespace authd::app
