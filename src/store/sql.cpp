// Row accessors, the pool's metrics, open_database (choosing the driver by URL) and the
// migration runner.
#include "store/sql.h"

#include "util/errors.h"

#include <charconv>

#include "store/postgres_database.h"
#include "store/sqlite_database.h"
#include "util/metrics.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::store {

Column Columns::find(std::string_view name, std::string_view prefix, std::size_t from) const {
    const auto matches = [&](const std::string& column) {
        return column.size() == prefix.size() + name.size() && column.starts_with(prefix) &&
               std::string_view(column).substr(prefix.size()) == name;
    };
    for (std::size_t i = from; i < names_.size(); ++i)
        if (matches(names_[i])) return Column(i);
    for (std::size_t i = 0; i < std::min(from, names_.size()); ++i)
        if (matches(names_[i])) return Column(i);
    throw DatabaseError("no column " + std::string(prefix) + std::string(name) + " in the result");
}

Column Result::column(std::string_view name) const {
    if (!columns) throw DatabaseError("the result has no columns");
    return columns->find(name);
}

namespace {
const Columns no_columns;
}

ColumnFinder::ColumnFinder(const Result& result, std::string_view prefix)
    : columns_(result.columns ? *result.columns : no_columns), prefix_(prefix) {}

Column ColumnFinder::operator()(std::string_view name) {
    const Column found = columns_.find(name, prefix_, next_);
    next_ = found.index() + 1;
    return found;
}

const std::string& Row::text(Column column) const {
    const std::optional<std::string>& value = values_.at(column.index());
    if (!value) throw DatabaseError("column " + std::to_string(column.index()) + " is NULL");
    return *value;
}

std::int64_t Row::integer(Column column) const {
    const std::string& value = text(column);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    // The value itself stays out of the message: it may be a secret or a hash.
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
        throw DatabaseError("column " + std::to_string(column.index()) + " is not an integer");
    }
    return number;
}

std::optional<std::int64_t> Row::optional_integer(Column column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
}

void Database::collect(metrics::Writer& out) const {
    const PoolStats stats = pool_stats();
    out.family("authd_db_pool_connections", "gauge",
               "Open database connections: in use by a request (or being opened), or idle.");
    out.sample("authd_db_pool_connections", {{"state", "in_use"}}, std::uint64_t{stats.in_use});
    out.sample("authd_db_pool_connections", {{"state", "idle"}}, std::uint64_t{stats.idle});
}

std::unique_ptr<Database> open_database(const std::string& url, std::size_t pool_size) {
    return open_database(url, pool_size, std::chrono::seconds(5));
}

std::unique_ptr<Database> open_database(const std::string& url, std::size_t pool_size,
                                        std::chrono::milliseconds acquire_timeout) {
    // Messages never repeat the URL: a PostgreSQL URL may hold a password.
    if (pool_size == 0) throw std::invalid_argument("database pool size must be at least 1");
    const std::size_t separator = url.find("://");
    if (separator == std::string::npos) {
        throw std::invalid_argument(
            "AUTH_DATABASE_URL: expected sqlite://PATH or postgresql://..., got no scheme");
    }
    const std::string scheme = text::ascii_lower(url.substr(0, separator));
    if (scheme == "sqlite") {
        const std::string path = url.substr(separator + 3);
        if (path.empty()) {
            throw std::invalid_argument(
                "AUTH_DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://data/auth.db, "
                "sqlite:///var/lib/authd/auth.db or sqlite://:memory:");
        }
        return open_sqlite_database(path, pool_size, acquire_timeout);
    }
    if (scheme == "postgresql" || scheme == "postgres") {
        return open_postgres_database(url, pool_size, acquire_timeout);
    }
    throw std::invalid_argument("AUTH_DATABASE_URL: unsupported scheme '" + scheme +
                                "' (expected sqlite, postgresql or postgres)");
}

namespace {

// Any fixed number will do as long as every authd instance uses the same one.
constexpr std::string_view migration_lock_key = "7206314956712551201";

// Unlocks on every way out; a failure to unlock means the connection is broken, and the
// server frees a session's locks when it ends.
class MigrationLock {
  public:
    explicit MigrationLock(Connection& connection) : connection_(connection) {
        if (connection_.dialect() != Dialect::postgres) return;
        connection_.execute("SELECT pg_advisory_lock(" + std::string(migration_lock_key) + ")");
        held_ = true;
    }
    ~MigrationLock() {
        if (!held_) return;
        try {
            connection_.execute("SELECT pg_advisory_unlock(" + std::string(migration_lock_key) +
                                ")");
        } catch (...) {
        }
    }
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;

  private:
    Connection& connection_;
    bool held_ = false;
};

std::int64_t unix_seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Applies one migration unless another process got there first; true when applied here.
bool apply_migration(Connection& connection, const Migration& migration) {
    // BEGIN IMMEDIATE on SQLite: the check below and the change form one exclusive step.
    connection.begin(/*write=*/true);
    try {
        const Result already =
            connection.execute("SELECT 1 FROM schema_migrations WHERE version = $1",
                               {std::int64_t{migration.version}});
        if (!already.rows.empty()) {
            connection.rollback();
            return false;
        }
        connection.execute_script(migration.sql);
        connection.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            {std::int64_t{migration.version}, std::string(migration.name), unix_seconds_now()});
        connection.commit();
        return true;
    } catch (const Unavailable&) {
        connection.rollback();
        throw;
    } catch (const std::exception& error) {
        connection.rollback();
        throw DatabaseError("migration " + std::string(migration.name) +
                            " failed: " + error.what());
    }
}

}  // namespace

int migrate(Database& database) {
    return migrate(database, embedded_migrations());
}

int migrate(Database& database, const std::vector<Migration>& migrations) {
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version <= migrations[i - 1].version) {
            throw std::invalid_argument("migrations must be in increasing version order");
        }
    }
    Database::Lease lease = database.acquire();
    Connection& connection = *lease;
    const MigrationLock lock(connection);  // PostgreSQL: one instance migrates at a time
    connection.execute_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    const std::int64_t latest_applied = [&] {
        const Result latest =
            connection.execute("SELECT COALESCE(MAX(version), 0) AS latest FROM schema_migrations");
        return latest.rows.at(0).integer(latest.column("latest"));
    }();
    int applied = 0;
    for (const Migration& migration : migrations) {
        if (migration.version <= latest_applied) continue;
        if (apply_migration(connection, migration)) ++applied;
    }
    return applied;
}

void refuse_unstorable_text(std::span<const Param> params) {
    for (const Param& param : params) {
        const auto* text = std::get_if<std::string>(&param);
        if (!text) continue;
        if (text->find('\0') != std::string::npos)
            throw Error(ErrorKind::bad_request, "invalid", i18n::keys::null_characters);
        if (!utf8::is_valid(*text))
            throw Error(ErrorKind::bad_request, "invalid", i18n::keys::text_not_utf8);
    }
}

}  // namespace authd::store
