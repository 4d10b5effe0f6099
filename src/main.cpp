// authd: wiring only. Configuration → store → mailer → domain → routes → server.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/routes.h"
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
#include "mail/transport.h"
#include "otp/sealed_box.h"
#include "platform/account_changes.h"
#include "platform/events.h"
#include "platform/hooks_file.h"
#include "platform/http_client.h"
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

void log_configuration(const config::Config& config) {
    for (const auto& [name, value] : config::describe(config))
        log::info("config " + name + "=" + value);
}

// Opens the database and applies the migrations, waiting for a database that is still coming
// up (a container started beside it) at most `db_startup_timeout`.
std::shared_ptr<store::Database> open_and_migrate(const config::Config& config) {
    // SQLite: a connection for every thread that may use the store at once (the request
    // threads, the I/O threads, which run read-only routes themselves, and the outbox sender
    // and maintenance threads), so that an I/O thread never waits for one.
    const bool sqlite = config.database_url.rfind("sqlite://", 0) == 0;
    const std::size_t pool_size =
        sqlite ? std::max(config.db_pool_size, config.worker_threads) + config.io_threads + 2
               : config.db_pool_size;
    std::shared_ptr<store::Database> database =
        store::open_database(config.database_url, pool_size);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(config.db_startup_timeout);
    for (;;) {
        try {
            const int applied = store::migrate(*database);
            log::info("database ready, " + std::to_string(applied) + " migration(s) applied");
            return database;
        } catch (const store::Unavailable& e) {
            if (std::chrono::steady_clock::now() >= deadline) throw;
            log::warn(std::string("database not reachable yet, retrying: ") + e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

// The hooks file, read and checked before anything starts: a bad one stops authd (status 2).
platform::HooksFile load_hooks(const config::Config& config) {
    if (config.hooks_file.empty()) return {};
    try {
        return platform::load_hooks_file(config.hooks_file,
                                         [](const std::string& name) -> std::optional<std::string> {
                                             const char* value = std::getenv(name.c_str());
                                             if (!value) return std::nullopt;
                                             return std::string(value);
                                         });
    } catch (const platform::HooksFileError& e) {
        throw config::ConfigError(std::string("AUTH_HOOKS_FILE ") + e.what());
    }
}

int serve(const config::Config& config) {
    SystemClock clock;
    SystemRandom random;
    const platform::HooksFile hooks = load_hooks(config);
    log_configuration(config);
    // The message catalogues are compiled in; parsed now, a broken one stops the start.
    for (const i18n::Language language : i18n::all_languages)
        i18n::catalogue(language);
    // The keys (and, by default, the SQLite database) live here: the owner's alone.
    make_private_directory(config.data_dir, "data directory", true);

    const auto algorithm = crypto::parse_jwt_algorithm(config.jwt_algorithm);
    std::shared_ptr<const crypto::SigningKey> signing_key;
    try {
        signing_key = crypto::load_or_create_signing_key(*algorithm, config.jwt_private_key_file,
                                                         config.jwt_key_generated, random);
    } catch (const std::exception& e) {
        throw config::ConfigError(std::string("AUTH_JWT_PRIVATE_KEY_FILE: ") + e.what());
    }
    log::info("signing tokens with " + config.jwt_algorithm + ", kid " + signing_key->kid());
    auto jwt = std::make_shared<const crypto::JwtCodec>(signing_key);
    const auth::Secrets secrets = auth::Secrets::load_or_create(config.secret_key_file, random);
    // Made 0600 when a deployment (or an older build) left them readable by others.
    tighten_private_file(config.jwt_private_key_file, "signing key file");
    tighten_private_file(config.secret_key_file, "secret key file");

    auto database = open_and_migrate(config);
    auto store = store::make_sql_store(database);

    auto argon2id = std::make_shared<crypto::Argon2idHasher>(
        crypto::Argon2Params{config.argon2_memory_kib, config.argon2_iterations});
    crypto::PooledHasher hasher(argon2id, config.hash_threads, config.hash_queue);
    const auth::PasswordPolicy policy(
        {config.password_min_length, config.password_max_length, 0.7});

    auth::TokenSettings token_settings;
    token_settings.issuer = config.jwt_issuer;
    token_settings.audience = config.jwt_audience;
    token_settings.access_lifetime = config.access_token_lifetime;
    token_settings.refresh_lifetime = config.refresh_token_lifetime;
    token_settings.refresh_idle_timeout = config.refresh_idle_timeout;
    token_settings.refresh_grace_period = config.refresh_grace_period;
    token_settings.service_lifetime = config.service_token_lifetime;
    token_settings.verified_cache_size = config.token_cache_size;
    // Refresh tokens are tagged with a key derived from the secret key file, never published.
    const auth::TokenIssuer tokens(jwt, secrets.key_for("refresh"), token_settings, clock);

    std::unique_ptr<mail::Transport> transport;
    if (config.email_url == "console:") {
        transport = mail::make_console_transport();
    } else {
        // Credentials never travel in clear unless explicitly allowed.
        const bool has_credentials = config.email_url.find('@') != std::string::npos;
        transport = mail::make_smtp_transport(config.email_url,
                                              config.email_require_tls.value_or(has_credentials),
                                              static_cast<long>(config.email_timeout));
    }
    // Queued messages hold live links and codes: sealed at rest, opened only to be delivered.
    const otp::SealedBox outbox_seal(secrets.key_for("outbox"));
    mail::Outbox outbox(config.email_from, outbox_seal, clock, random);
    mail::SenderSettings sender_settings;
    sender_settings.retry_base = config.email_retry_base;
    sender_settings.give_up_after = config.email_give_up_after;
    mail::OutboxSender sender(*store, *transport, outbox_seal, clock, sender_settings);

    auth::Audit audit(clock, random);
    // Subscribers' events are written with the audit events they report.
    platform::EventPublisher event_publisher(hooks, clock, random);
    audit.set_listener(event_publisher);
    auth::Notices notices(outbox);
    auth::RateLimiter limiter(clock, audit);
    auth::OneTimeLinks links(config.public_url, clock, random);
    auth::EmailFlowSettings email_settings;
    email_settings.verification_lifetime = config.email_verification_lifetime;
    email_settings.reset_lifetime = config.password_reset_lifetime;
    email_settings.limit = {config.email_rate_limit, config.email_rate_window};
    auth::EmailVerification verification(*store, links, outbox, limiter, audit, email_settings);
    auth::PasswordReset password_reset(*store, links, outbox, limiter, policy, hasher, notices,
                                       audit, clock, email_settings);
    auth::DataExport data_export(*store, outbox, limiter, email_settings);

    auth::Sessions sessions(*store, tokens, secrets, audit, clock, random);

    auth::LoginLimitSettings login_limit_settings;
    login_limit_settings.backoff_after = config.login_backoff_after;
    login_limit_settings.backoff_max = config.login_backoff_max;
    login_limit_settings.per_address = {config.login_failures_per_ip, 60};
    login_limit_settings.per_account = {config.login_failures_per_account, 3600};
    auth::LoginLimits login_limits(*store, clock, login_limit_settings);
    auth::PasswordCheck password_check(*store, hasher, login_limits, random);
    const auth::Reauthentication reauthentication(*store, password_check, audit, clock,
                                                  config.reauth_window);
    auth::TwoFactorSettings two_factor_settings;
    two_factor_settings.ticket_lifetime = config.login_ticket_lifetime;
    two_factor_settings.ticket_max_failures = config.otp_max_attempts;
    two_factor_settings.max_consecutive_failures = config.otp_lockout_after;
    two_factor_settings.lockout = config.otp_lockout;
    two_factor_settings.issuer = config.totp_issuer;
    two_factor_settings.email_code_limit = {config.login_code_rate_limit, 3600};
    auth::TwoFactor two_factor(*store, hasher, outbox, limiter, notices, reauthentication, audit,
                               secrets, clock, random, two_factor_settings);
    auth::LoginCounters login_counters;
    auth::LoginFlow login_flow(*store, password_check, sessions, two_factor, login_limits, audit,
                               &login_counters);
    auth::Accounts accounts(*store, hasher, policy, sessions, notices, verification, two_factor,
                            reauthentication, audit, limiter,
                            {config.registration_rate_limit, config.registration_rate_window},
                            clock, random);
    // The platform's other services (AUTH_HOOKS_FILE): changes made there too, all or nothing.
    const std::unique_ptr<platform::HttpClient> http_client = platform::make_curl_http_client();
    platform::ServiceTokens platform_tokens(tokens, config.hooks_service_name, clock, random);
    platform::ChangeSettings change_settings;
    change_settings.retry_base = config.hooks_retry_base;
    change_settings.export_wait = config.hooks_export_wait;
    platform::AccountChanges account_changes(*store, hooks, *http_client, platform_tokens, audit,
                                             clock, random, change_settings);
    auth::PlatformEffects platform_effects(audit, data_export);
    account_changes.set_effects(platform_effects);
    accounts.set_platform(account_changes);
    data_export.set_platform(account_changes);
    platform::EventSettings event_settings;
    event_settings.retry_base = config.hooks_retry_base;
    event_settings.give_up_after = config.hooks_event_give_up_after;
    platform::EventSender event_sender(*store, hooks, *http_client, clock, event_settings);

    auth::MaintenanceSettings maintenance_settings;
    maintenance_settings.audit_retention = config.audit_retention;
    auth::Maintenance maintenance(*store, clock, maintenance_settings);
    std::vector<auth::ServiceSecret> service_secrets;
    for (const auto& service : config.services)
        service_secrets.push_back({service.name, service.secret});
    auth::ServiceLoginSettings service_login_settings;
    service_login_settings.failures_per_address.attempts = config.service_login_failures_per_ip;
    auth::ServiceAccounts service_accounts(std::move(service_secrets), tokens, *store, hasher,
                                           audit, limiter, clock, random, service_login_settings);

    const bool https = config.public_url.rfind("https://", 0) == 0;
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
                                 config.metrics_token,
                                 config.public_url};
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

    http::ServerOptions options;
    options.host = config.listen_host;
    options.port = config.listen_port;
    options.io_threads = config.io_threads;
    options.worker_threads = config.worker_threads;
    options.worker_queue = config.worker_queue;
    options.max_body_bytes = config.max_body_bytes;
    options.max_header_bytes = config.max_header_bytes;
    options.max_connections = config.max_connections;
    options.max_connections_per_address = config.max_connections_per_ip;
    options.max_requests_per_connection = config.max_requests_per_connection;
    options.header_timeout = config.header_timeout;
    options.request_timeout = config.request_timeout;
    options.idle_timeout = config.idle_timeout;
    options.trusted_proxies = config.trusted_proxies;
    options.cors_origins = config.cors_origins;
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

int migrate_only(const config::Config& config) {
    auto database = open_and_migrate(config);
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
    config::Config config;
    try {
        config = config::load_from_environment();
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
