#pragma once
// The database's AUTH_* settings (docs/CONFIGURATION.md), and opening the database they name.
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"

namespace authd::store {

class Database;

struct DatabaseSettings {
    std::string url;  // default: sqlite://<data_dir>/auth.db
    unsigned pool_size = 16;
    std::int64_t startup_timeout = 30;  // seconds start-up waits for the database

    // Handed over by the wiring from the other settings, before these are read.
    std::string data_dir = "./data";  // AUTH_DATA_DIR
    unsigned request_threads = 16;    // AUTH_WORKER_THREADS
    unsigned io_threads = 1;          // AUTH_IO_THREADS

    bool sqlite() const { return url.rfind("sqlite://", 0) == 0; }
    // Connections to open at most. SQLite: one for every thread that may use the store at once
    // (the request threads, the I/O threads, which run read-only routes themselves, and the
    // outbox sender and maintenance threads), so that an I/O thread never waits for one.
    std::size_t connections() const;
};

const config::Settings<DatabaseSettings>& database_settings();

// Opens the database and applies the migrations, waiting for a database that is still coming
// up (a container started beside it) at most `startup_timeout`.
std::shared_ptr<Database> open_and_migrate(const DatabaseSettings& settings);

}  // namespace authd::store
