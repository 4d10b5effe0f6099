#pragma once
// The SQL layer under the store: a connection to SQLite or PostgreSQL and a pool of them.
// Statements are written once for both databases: `$1, $2, ...` placeholders, integer booleans,
// integer Unix-second timestamps, text ids.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/migrations.h"

namespace authd::metrics {
class Writer;
}

namespace authd::store {

enum class Dialect { sqlite, postgres };

// A statement parameter: NULL, an integer, or text.
using Param = std::variant<std::nullptr_t, std::int64_t, std::string>;

// A result column found by name (Result::column, ColumnFinder): where it sits in every row.
class Column {
  public:
    std::size_t index() const { return index_; }

  private:
    friend class Columns;
    explicit Column(std::size_t index) : index_(index) {}
    std::size_t index_;
};

// The names of a statement's result columns, read once when the statement is prepared and
// shared by each of its results.
class Columns {
  public:
    Columns() = default;
    explicit Columns(std::vector<std::string> names) : names_(std::move(names)) {}
    std::size_t size() const { return names_.size(); }
    // The column called `prefix` + `name`, looked for from `from` on and then from the start;
    // throws DatabaseError when the result has none.
    Column find(std::string_view name, std::string_view prefix = {}, std::size_t from = 0) const;

  private:
    std::vector<std::string> names_;
};

// One result row; every value arrives as text (NULL as nullopt). Read by columns found by name.
class Row {
  public:
    explicit Row(std::vector<std::optional<std::string>> values) : values_(std::move(values)) {}
    bool is_null(Column column) const { return !values_.at(column.index()).has_value(); }
    const std::string& text(Column column) const;  // throws on NULL
    std::optional<std::string> optional_text(Column column) const {
        return values_.at(column.index());
    }
    std::int64_t integer(Column column) const;  // throws on NULL or non-integer
    std::optional<std::int64_t> optional_integer(Column column) const;
    bool boolean(Column column) const { return integer(column) != 0; }

  private:
    std::vector<std::optional<std::string>> values_;
};

struct Result {
    std::vector<Row> rows;
    std::int64_t affected = 0;               // rows changed by INSERT/UPDATE/DELETE
    std::shared_ptr<const Columns> columns;  // set by every execute()

    // The column called `name`; throws DatabaseError when there is none.
    Column column(std::string_view name) const;
};

// Finds one record's columns in a result by name, once per result, in the order they are asked
// for: each is looked for first just after the previous one, so a reader that asks in the
// SELECT's order compares one name per column. `prefix` picks one record out of a join.
class ColumnFinder {
  public:
    explicit ColumnFinder(const Result& result, std::string_view prefix = {});
    Column operator()(std::string_view name);

  private:
    const Columns& columns_;
    std::string_view prefix_;
    std::size_t next_ = 0;
};

// The database cannot be reached or is too busy right now: answered 503, retried later.
class Unavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Throws authd::Error(bad_request, "invalid") when a text parameter holds a NUL character or is
// not valid UTF-8 (a path segment such as %ff): neither database could store or compare it as
// text, and PostgreSQL would fail the statement.
void refuse_unstorable_text(std::span<const Param> params);

// A UNIQUE constraint or index refused a row. `constraint` is the index or constraint name.
class UniqueViolation : public std::runtime_error {
  public:
    UniqueViolation(std::string constraint, const std::string& message)
        : std::runtime_error(message), constraint_(std::move(constraint)) {}
    const std::string& constraint() const { return constraint_; }

  private:
    std::string constraint_;
};

// Any other database failure (a bug: bad SQL, a violated check). Answered 500.
class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Connection {
  public:
    virtual ~Connection() = default;
    virtual Dialect dialect() const = 0;
    // Several statements without parameters (migrations).
    virtual void execute_script(std::string_view sql) = 0;
    // One statement with `$n` parameters. Text holding a NUL character is refused with
    // authd::Error(bad_request) by both drivers: PostgreSQL cannot store it and libpq would
    // cut the text there, so "alice\0x" would find alice.
    virtual Result execute(std::string_view sql, std::span<const Param> params = {}) = 0;
    Result execute(std::string_view sql, std::initializer_list<Param> params) {
        return execute(sql, std::span<const Param>(params.begin(), params.size()));
    }
    // `write` transactions take the write lock at once (SQLite BEGIN IMMEDIATE), so two writers
    // never deadlock upgrading a read lock.
    virtual void begin(bool write) = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    // False once the connection is known to be broken; the pool then drops it.
    virtual bool usable() const = 0;
};

// A pool of connections to one database. Thread-safe.
class Database {
  public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;

    class Lease;
    // A connection for the caller's exclusive use until the lease dies. Throws Unavailable when
    // no connection can be had within the pool's wait limit or the database is down.
    virtual Lease acquire() = 0;

    // Open connections now: leased to a caller (or being opened), and waiting in the pool.
    struct PoolStats {
        std::size_t in_use = 0;
        std::size_t idle = 0;
    };
    virtual PoolStats pool_stats() const = 0;
    // authd_db_pool_connections{state="in_use"|"idle"}.
    void collect(metrics::Writer& out) const;

    // Runs `work` in one transaction: committed when it returns, rolled back when it throws.
    template <class F>
    auto transaction(bool write, F&& work) -> decltype(work(std::declval<Connection&>()));

  protected:
    virtual void release(std::unique_ptr<Connection> connection) = 0;
};

class Database::Lease {
  public:
    Lease(Database* owner, std::unique_ptr<Connection> connection)
        : owner_(owner), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
        if (connection_) owner_->release(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

  private:
    Database* owner_;
    std::unique_ptr<Connection> connection_;
};

template <class F>
auto Database::transaction(bool write, F&& work) -> decltype(work(std::declval<Connection&>())) {
    Lease lease = acquire();
    lease->begin(write);
    try {
        if constexpr (std::is_void_v<decltype(work(*lease))>) {
            work(*lease);
            lease->commit();
        } else {
            auto result = work(*lease);
            lease->commit();
            return result;
        }
    } catch (...) {
        lease->rollback();
        throw;
    }
}

// Opens the database named by a URL: `sqlite://PATH` (relative or absolute; `sqlite://:memory:`
// for tests) or `postgresql://...` / `postgres://...`. `pool_size` bounds open connections.
// Throws std::invalid_argument for a URL of another kind.
std::unique_ptr<Database> open_database(const std::string& url, std::size_t pool_size);
// The same, with the longest wait in acquire() for a free connection (5 s above).
std::unique_ptr<Database> open_database(const std::string& url, std::size_t pool_size,
                                        std::chrono::milliseconds acquire_timeout);

// Applies the embedded migrations not yet applied, each in its own transaction, and records
// them in `schema_migrations`. Safe when several processes start at once on one PostgreSQL.
// Returns how many were applied.
int migrate(Database& database);
// The same with a given list (in version order) instead of the embedded one; for tests.
int migrate(Database& database, const std::vector<Migration>& migrations);

}  // namespace authd::store
