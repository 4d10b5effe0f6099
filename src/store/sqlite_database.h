#pragma once
// SQLite behind the store's Database interface (WAL, a pool of connections, cached statements).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "store/sql.h"

namespace authd::store {

// `path` is a file name (its directory is created if missing) or ":memory:" for a private
// in-memory database that every connection of the pool shares. Opens one connection at once so
// that an unusable path fails at start.
std::unique_ptr<Database> open_sqlite_database(const std::string& path, std::size_t pool_size,
                                               std::chrono::milliseconds acquire_timeout);

}  // namespace authd::store
