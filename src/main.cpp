// authd: wiring only. Configuration → store → mailer → domain → routes → server.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

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
#include "auth/password_policy.h"
#include "auth/rate_limits.h"
#include "auth/secrets.h"
#include "auth/service_accounts.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "auth/two_factor.h"
#include "config/config.h"
#include "crypto/jwt.h"
#include "crypto/password_hasher.h"
#include "http/request_metrics.h"
#include "http/server.h"
#include "i18n/catalog.h"
#include "import/import_command.h"
#include "mail/outbox.h"
#include "mail/settings.h"
#include "otp/sealed_box.h"
#include "platform/account_changes.h"
#include "platform/events.h"
#include "platform/http_client.h"
#include "platform/settings.h"
#include "store/settings.h"
#include "store/sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/private_file.h"
#include "util/random.h"

namespace {

using namespace authd;

constexpr int kExitConfig = 2;
constexpr int kExitStartup = 1;

void log_configuration(const app::Config& config) {
    for (const auto& [name, value] : app::describe(config))
        log::info("config " + name + "=" + value);
}

int serve(const app::Config& config) {
    SystemClock clock;
    SystemRandom random;
    // The hooks file, read and checked before anything starts: a bad one stops authd (status 2).
    const platform::HooksFile hooks =
        platform::load_hooks(config.hooks, config::process_environment());
    log_configuration(config);
    // The message catalogues are compiled in; parsed now, a broken one stops the start.
    for (const i18n::Language language : i18n::all_languages)
        i18n::catalogue(language);
    // The keys (and, by default, the SQLite database) live here: the owner's alone.
    make_private_directory(config.data_dir, "data directory", true);

    std::shared_ptr<const crypto::SigningKey> signing_key;
    try {
        signing_key =
            crypto::load_or_create_signing_key(config.keys.jwt_algorithm, config.keys.jwt_key_file,
                                               config.keys.create_jwt_key, random);
    } catch (const std::exception& e) {
        throw config::ConfigError(std::string("AUTH_JWT_PRIVATE_KEY_FILE: ") + e.what());
    }
    log::info("signing tokens with " + std::string(crypto::to_string(config.keys.jwt_algorithm)) +
              ", kid " + signing_key->kid());
    auto jwt = std::make_shared<const crypto::JwtCodec>(signing_key);
    const auth::Secrets secrets =
        auth::Secrets::load_or_create(config.keys.secret_key_file, random);
    // Made 0600 when a deployment (or an older build) left them readable by others.
    tighten_private_file(config.keys.jwt_key_file, "signing key file");
    tighten_private_file(config.keys.secret_key_file, "secret key file");

    auto database = store::open_and_migrate(config.database);
    auto store = store::make_sql_store(database);

    auto argon2id = std::make_shared<crypto::Argon2idHasher>(config.hashing.argon2);
    crypto::PooledHasher hasher(argon2id, config.hashing.threads, config.hashing.queue);
    const auth::PasswordPolicy policy(config.passwords);

    // Refresh tokens are tagged with a key derived from the secret key file, never published.
    const auth::TokenIssuer tokens(jwt, secrets.key_for("refresh"), config.tokens, clock);

    const std::unique_ptr<mail::Transport> transport = mail::make_transport(config.mail);
    // Queued messages hold live links and codes: sealed at rest, opened only to be delivered.
    const otp::SealedBox outbox_seal(secrets.key_for("outbox"));
    mail::Outbox outbox(config.mail.from, outbox_seal, clock, random);
    mail::OutboxSender sender(*store, *transport, outbox_seal, clock, config.mail.sender);

    auth::Audit audit(clock, random);
    // Subscribers' events are written with the audit events they report.
    platform::EventPublisher event_publisher(hooks, clock, random);
    audit.set_listener(event_publisher);
    auth::Notices notices(outbox);
    auth::RateLimiter limiter(clock, audit);
    auth::OneTimeLinks links(config.links.public_url, clock, random);
    auth::EmailVerification verification(*store, links, outbox, limiter, audit, config.email_flows);
    auth::PasswordReset password_reset(*store, links, outbox, limiter, policy, hasher, notices,
                                       audit, clock, config.email_flows);
    auth::DataExport data_export(*store, outbox, limiter, config.email_flows);

    auth::Sessions sessions(*store, hasher, tokens, secrets, audit, clock, random);

    auth::LoginLimits login_limits(*store, clock, config.login_limits);
    const auth::Reauthentication reauthentication(*store, hasher, login_limits, audit, clock,
                                                  config.reauthentication.window);
    auth::TwoFactor two_factor(*store, hasher, outbox, limiter, notices, reauthentication, audit,
                               secrets, clock, random, config.two_factor);
    auth::LoginCounters login_counters;
    auth::LoginFlow login_flow(*store, sessions, two_factor, login_limits, audit, &login_counters);
    auth::Accounts accounts(*store, hasher, policy, sessions, notices, verification, two_factor,
                            reauthentication, audit, limiter, config.registrations.per_address,
                            clock, random);
    // The platform's other services (AUTH_HOOKS_FILE): changes made there too, all or nothing.
    const std::unique_ptr<platform::HttpClient> http_client = platform::make_curl_http_client();
    platform::ServiceTokens platform_tokens(tokens, config.hooks.service_name, clock, random);
    platform::AccountChanges account_changes(*store, hooks, *http_client, platform_tokens, audit,
                                             clock, random, config.hooks.changes);
    auth::PlatformEffects platform_effects(audit, data_export);
    account_changes.set_effects(platform_effects);
    accounts.set_platform(account_changes);
    data_export.set_platform(account_changes);
    platform::EventSender event_sender(*store, hooks, *http_client, clock, config.hooks.events);

    auth::Maintenance maintenance(*store, clock, config.maintenance);
    auth::ServiceAccounts service_accounts(config.services, tokens, *store, hasher, audit, limiter,
                                           clock, random, config.service_logins);

    const bool https = config.links.https();
    metrics::Registry registry;
    const api::Services services{accounts,
                                 sessions,
                                 service_accounts,
                                 *store,
                                 *jwt,
                                 verification,
                                 password_reset,
                                 data_export,
                                 login_flow,
                                 two_factor,
                                 random,
                                 https,
                                 registry,
                                 config.metrics.token,
                                 config.links.public_url};
    http::Router router;
    api::add_all_routes(router, services);
    http::RequestMetrics request_metrics(router);
    registry.add([&](metrics::Writer& out) { request_metrics.collect(out); });
    registry.add([&](metrics::Writer& out) { login_counters.collect(out); });
    registry.add([&](metrics::Writer& out) { argon2id->collect(out); });
    registry.add([&](metrics::Writer& out) { hasher.collect(out); });
    registry.add([&](metrics::Writer& out) { database->collect(out); });
    registry.add([&](metrics::Writer& out) { sender.collect(out); });
    registry.add([&](metrics::Writer& out) { sessions.collect(out); });
    registry.add([&](metrics::Writer& out) { account_changes.collect(out); });
    registry.add([&](metrics::Writer& out) { event_sender.collect(out); });
    registry.add(metrics::collect_process);

    http::ServerOptions options = config.server;
    // Behind TLS (the public URL says so), browsers must never fall back to plain HTTP.
    options.hsts = https;
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
    return 0;
}

int migrate_only(const app::Config& config) {
    store::open_and_migrate(config.database);
    return 0;
}

void usage() {
    std::fprintf(stderr,
                 "usage: authd [serve|migrate|import-django ...]\n"
                 "  serve          run the service (the default)\n"
                 "  migrate        apply database migrations and exit\n"
                 "  import-django  import the Django service's accounts (--help for more)\n"
                 "Configuration comes from AUTH_* environment variables (see README.md).\n");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "serve";
    if (command == "-h" || command == "--help" || command == "help") {
        usage();
        return 0;
    }
    const bool import_django = command == "import-django";
    if (!import_django && (argc > 2 || (command != "serve" && command != "migrate"))) {
        usage();
        return kExitConfig;
    }
    if (sodium_init() < 0) {
        std::fprintf(stderr, "authd: libsodium could not be initialised\n");
        return kExitStartup;
    }
    app::Config config;
    try {
        config = app::load_from_environment();
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "authd: %s\n", e.what());
        return kExitConfig;
    }
    log::Level level = log::Level::info;
    log::parse_level(config.log_level, level);
    log::set_level(level);
    try {
        if (import_django)
            return import::import_django_command(std::vector<std::string>(argv + 2, argv + argc),
                                                 config);
        return command == "migrate" ? migrate_only(config) : serve(config);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "authd: %s\n", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        log::error(std::string("cannot start: ") + e.what());
        return kExitStartup;
    }
}
