#pragma once
// PostgreSQL (libpq) behind the store's Database interface.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "store/sql.h"

namespace authd::store {

// `url` is a libpq connection URL (postgresql://...). Connections are made on demand, so this
// succeeds while the server is down; acquire() then throws Unavailable until it is back.
// Throws std::invalid_argument when libpq cannot parse the URL.
std::unique_ptr<Database> open_postgres_database(const std::string& url, std::size_t pool_size,
                                                 std::chrono::milliseconds acquire_timeout);

}  // namespace authd::store
