#include "store/settings.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "store/sql.h"
#include "util/log.h"

namespace authd::store {

// Half the request threads may be waiting on the hash pool, not the database; 16 connections
// keep several instances under PostgreSQL's default max_connections.
constexpr unsigned kMaxDefaultPool = 16;

std::size_t DatabaseSettings::connections() const {
    // The outbox sender's and maintenance's threads.
    constexpr std::size_t background_threads = 2;
    if (!sqlite()) return pool_size;
    return std::max(pool_size, request_threads) + io_threads + background_threads;
}

const config::Settings<DatabaseSettings>& database_settings() {
    using config::computed, config::literal;
    static const config::Settings<DatabaseSettings> settings{
        {"AUTH_DATABASE_URL", computed("`sqlite://<data dir>/auth.db`"),
         "`sqlite://PATH` or `postgresql://user:pass@host:port/db`",
         config::custom(
             [](const std::string& text, DatabaseSettings& settings) {
                 if (text.rfind("sqlite://", 0) == 0) {
                     if (text.size() == 9)
                         throw std::invalid_argument("sqlite:// needs a file path");
                 } else {
                     config::check_url(text, {"postgresql", "postgres"});
                 }
                 settings.url = text;
             },
             [](const DatabaseSettings& settings) {
                 return config::mask_url_password(settings.url);
             }),
         [](DatabaseSettings& settings) {
             settings.url = "sqlite://" + settings.data_dir + "/auth.db";
         }},
        {"AUTH_DB_POOL_SIZE", computed("`AUTH_WORKER_THREADS`, at most 16"),
         "database connections at most (opened on demand). On SQLite at least one per thread "
         "that may use it at once: `AUTH_WORKER_THREADS`, plus one per I/O thread (which answers "
         "`GET /api/auth/<username>` itself) and two for the outbox sender and maintenance",
         config::integer(&DatabaseSettings::pool_size, 1, 1024),
         [](DatabaseSettings& settings) {
             settings.pool_size = std::min(settings.request_threads, kMaxDefaultPool);
         }},
        {"AUTH_DB_STARTUP_TIMEOUT", literal("30s"),
         "how long start-up waits for an unreachable database before giving up (exit 1)",
         config::duration(&DatabaseSettings::startup_timeout, 0)},
    };
    return settings;
}

std::shared_ptr<Database> open_and_migrate(const DatabaseSettings& settings) {
    std::shared_ptr<Database> database = open_database(settings.url, settings.connections());
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(settings.startup_timeout);
    for (;;) {
        try {
            const int applied = migrate(*database);
            log::info("database ready, " + std::to_string(applied) + " migration(s) applied");
            return database;
        } catch (const Unavailable& e) {
            if (std::chrono::steady_clock::now() >= deadline) throw;
            log::warn(std::string("database not reachable yet, retrying: ") + e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

}  // namespace authd::store
