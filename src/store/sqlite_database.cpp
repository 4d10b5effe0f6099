#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <atomic>
#include <charconv>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "store/connection_pool.h"
#include "util/private_file.h"

namespace authd::store {
namespace {

constexpr int busy_timeout_ms = 5000;

// "UNIQUE constraint failed: index 'users_username_unique'" -> "users_username_unique";
// "UNIQUE constraint failed: users.email" -> "users.email".
std::string unique_constraint_name(std::string_view message) {
    constexpr std::string_view prefix = "UNIQUE constraint failed: ";
    if (const auto at = message.find(prefix); at != std::string_view::npos) {
        message.remove_prefix(at + prefix.size());
    }
    constexpr std::string_view index_prefix = "index '";
    if (message.starts_with(index_prefix) && message.ends_with('\'')) {
        message.remove_prefix(index_prefix.size());
        message.remove_suffix(1);
    }
    return std::string(message);
}

bool only_blanks_or_semicolons(const char* text) {
    for (; *text != '\0'; ++text) {
        if (*text != ';' && *text != ' ' && *text != '\t' && *text != '\n' && *text != '\r') {
            return false;
        }
    }
    return true;
}

// One writer at a time per process. SQLite allows one anyway, but a writer that finds the lock
// taken polls it with sleeps of 1, 2, 5, 10, 15, 20 ... ms (its busy handler), which under
// concurrent writes costs throughput and tens of milliseconds of tail latency; queued on this
// mutex, the next writer starts as soon as the previous one commits. Other processes on the same
// file still meet the busy timeout.
using WriterGate = std::timed_mutex;

class SqliteConnection final : public PooledConnection {
  public:
    SqliteConnection(const std::string& filename, bool is_uri,
                     std::shared_ptr<WriterGate> writer_gate)
        : writer_gate_(std::move(writer_gate)) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                          (is_uri ? SQLITE_OPEN_URI : 0);
        const int code = sqlite3_open_v2(filename.c_str(), &db_, flags, nullptr);
        try {
            if (code != SQLITE_OK) {
                throw Unavailable("cannot open SQLite database '" + filename +
                                  "': " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code)));
            }
            sqlite3_extended_result_codes(db_, 1);
            sqlite3_busy_timeout(db_, busy_timeout_ms);
            // The first statements read the file, so a file that is not a database fails here.
            execute_script(
                "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
        } catch (...) {
            sqlite3_close_v2(db_);
            throw;
        }
    }

    ~SqliteConnection() override {
        for (auto& [sql, statement] : statements_)
            sqlite3_finalize(statement.handle);
        sqlite3_close_v2(db_);
    }

    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    Dialect dialect() const override { return Dialect::sqlite; }
    bool usable() const override { return usable_; }
    bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

    void execute_script(std::string_view sql) override {
        const std::string text(sql);  // sqlite3_exec wants a terminated string
        char* message = nullptr;
        const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
        sqlite3_free(message);  // sqlite3_errmsg holds the same text
        if (code != SQLITE_OK) fail(code);
    }

    using Connection::execute;
    Result execute(std::string_view sql, std::span<const Param> params) override {
        refuse_unstorable_text(params);
        Statement& statement = prepared(sql);
        if (params.size() != statement.slot_of_parameter.size()) {
            throw DatabaseError("statement expects " +
                                std::to_string(statement.slot_of_parameter.size()) +
                                " parameters, got " + std::to_string(params.size()));
        }
        sqlite3_stmt* handle = statement.handle;
        // Reset on every way out: a statement left mid-way keeps its read snapshot open, and
        // the bindings point into `params`.
        struct ResetOnExit {
            sqlite3_stmt* handle;
            ~ResetOnExit() {
                sqlite3_reset(handle);
                sqlite3_clear_bindings(handle);
            }
        } reset_on_exit{handle};
        bind(statement, params);

        const sqlite3_int64 changes_before = sqlite3_total_changes64(db_);
        const auto give_up_at =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
        Result result;
        int column_count = -1;
        for (;;) {
            const int code = sqlite3_step(handle);
            if (column_count < 0) {
                // The first step prepares the statement again after a schema change, so
                // `SELECT *` may have gained columns since it was cached.
                column_count = sqlite3_column_count(handle);
                if (static_cast<std::size_t>(column_count) != statement.columns->size())
                    statement.columns = column_names(handle);
            }
            if (code == SQLITE_ROW) {
                result.rows.push_back(read_row(handle, column_count));
            } else if (code == SQLITE_DONE) {
                break;
            } else if (code == SQLITE_LOCKED_SHAREDCACHE &&
                       std::chrono::steady_clock::now() < give_up_at) {
                // In-memory databases share one cache, whose table locks do not call the busy
                // handler: wait here as the busy timeout would.
                sqlite3_reset(handle);
                result.rows.clear();
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            } else {
                fail(code);
            }
        }
        result.columns = statement.columns;
        // sqlite3_changes keeps the count of the last INSERT/UPDATE/DELETE, even after a SELECT.
        if (sqlite3_total_changes64(db_) != changes_before)
            result.affected = sqlite3_changes64(db_);
        return result;
    }

    void begin(bool write) override {
        if (write) {
            // Past the busy timeout, go on without the gate: SQLite's own lock still decides
            // (and a nested write on another connection fails as it would without the gate).
            writer_lock_ = std::unique_lock(*writer_gate_, std::defer_lock);
            if (!writer_lock_.try_lock_for(std::chrono::milliseconds(busy_timeout_ms)))
                writer_lock_ = {};
        }
        try {
            execute(write ? "BEGIN IMMEDIATE" : "BEGIN", std::span<const Param>());
        } catch (...) {
            writer_lock_ = {};
            throw;
        }
    }
    void commit() override {
        // A failed COMMIT leaves the transaction open, and the gate held, until rollback().
        execute("COMMIT", std::span<const Param>());
        writer_lock_ = {};
    }
    void rollback() noexcept override {
        // Some errors (disk full, I/O) already rolled the transaction back.
        if (in_transaction() &&
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK) {
            usable_ = false;
        }
        writer_lock_ = {};
    }

  private:
    struct Statement {
        sqlite3_stmt* handle = nullptr;
        // slot_of_parameter[k - 1] is SQLite's index for `$k`: SQLite numbers named parameters
        // in order of first appearance, so `$2 ... $1` gives `$2` index 1.
        std::vector<int> slot_of_parameter;
        std::shared_ptr<const Columns> columns;
    };

    static std::shared_ptr<const Columns> column_names(sqlite3_stmt* handle) {
        const int count = sqlite3_column_count(handle);
        std::vector<std::string> names;
        names.reserve(count);
        for (int column = 0; column < count; ++column) {
            const char* name = sqlite3_column_name(handle, column);
            names.emplace_back(name ? name : "");
        }
        return std::make_shared<const Columns>(std::move(names));
    }

    Statement& prepared(std::string_view sql) {
        if (const auto found = statements_.find(sql); found != statements_.end()) {
            return found->second;
        }
        Statement statement;
        const char* tail = nullptr;
        const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                            SQLITE_PREPARE_PERSISTENT, &statement.handle, &tail);
        if (code != SQLITE_OK) fail(code);
        struct FinalizeUnlessKept {
            sqlite3_stmt*& handle;
            ~FinalizeUnlessKept() { sqlite3_finalize(handle); }
        } finalize_unless_kept{statement.handle};
        const std::string rest(tail, sql.data() + sql.size() - tail);
        if (statement.handle == nullptr || !only_blanks_or_semicolons(rest.c_str())) {
            throw DatabaseError("execute() takes exactly one SQL statement");
        }
        const int count = sqlite3_bind_parameter_count(statement.handle);
        statement.slot_of_parameter.assign(count, 0);
        for (int slot = 1; slot <= count; ++slot) {
            const char* name = sqlite3_bind_parameter_name(statement.handle, slot);
            int number = 0;
            const std::string_view digits = name && name[0] == '$' ? name + 1 : "";
            const auto [end, error] =
                std::from_chars(digits.data(), digits.data() + digits.size(), number);
            if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
                number < 1 || number > count || statement.slot_of_parameter[number - 1] != 0) {
                throw DatabaseError("statement parameters must be $1..$n");
            }
            statement.slot_of_parameter[number - 1] = slot;
        }
        statement.columns = column_names(statement.handle);
        Statement& kept = statements_.emplace(std::string(sql), statement).first->second;
        statement.handle = nullptr;  // now owned by the cache
        return kept;
    }

    void bind(const Statement& statement, std::span<const Param> params) {
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int slot = statement.slot_of_parameter[i];
            int code = SQLITE_OK;
            if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
                code = sqlite3_bind_int64(statement.handle, slot, *number);
            } else if (const auto* text = std::get_if<std::string>(&params[i])) {
                // SQLITE_STATIC: `params` outlives the statement's use; bindings are cleared after.
                code = sqlite3_bind_text64(statement.handle, slot, text->data(), text->size(),
                                           SQLITE_STATIC, SQLITE_UTF8);
            } else {
                code = sqlite3_bind_null(statement.handle, slot);
            }
            if (code != SQLITE_OK) fail(code);
        }
    }

    static Row read_row(sqlite3_stmt* handle, int column_count) {
        std::vector<std::optional<std::string>> values;
        values.reserve(column_count);
        for (int column = 0; column < column_count; ++column) {
            if (sqlite3_column_type(handle, column) == SQLITE_NULL) {
                values.emplace_back(std::nullopt);
                continue;
            }
            // Text first, then its length: the documented order for a converted value.
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(handle, column));
            const int length = sqlite3_column_bytes(handle, column);
            values.emplace_back(std::string(text ? text : "", text ? length : 0));
        }
        return Row(std::move(values));
    }

    [[noreturn]] void fail(int code) {
        std::string message = sqlite3_errmsg(db_);
        switch (code & 0xff) {
            case SQLITE_BUSY:
            case SQLITE_LOCKED:
                throw Unavailable("database is busy: " + message);
            case SQLITE_CONSTRAINT:
                if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
                    std::string constraint = unique_constraint_name(message);
                    throw UniqueViolation(std::move(constraint), message);
                }
                break;
            case SQLITE_IOERR:
            case SQLITE_CORRUPT:
            case SQLITE_NOTADB:
            case SQLITE_CANTOPEN:
                usable_ = false;  // a fresh connection may recover; this one is suspect
                break;
            default:
                break;
        }
        throw DatabaseError(message);
    }

    sqlite3* db_ = nullptr;
    std::map<std::string, Statement, std::less<>> statements_;  // the hot path: no re-parsing
    bool usable_ = true;
    std::shared_ptr<WriterGate> writer_gate_;   // shared by the pool's connections
    std::unique_lock<WriterGate> writer_lock_;  // held from a write's BEGIN to its end
};

class SqliteDatabase final : public ConnectionPool {
  public:
    SqliteDatabase(const std::string& path, std::size_t pool_size,
                   std::chrono::milliseconds acquire_timeout)
        : ConnectionPool(pool_size, acquire_timeout) {
        if (path == ":memory:") {
            // A named shared-cache database, so that every pooled connection sees the same data.
            static std::atomic<unsigned> next_id{0};
            filename_ = "file:authd-mem-" + std::to_string(next_id++) + "?mode=memory&cache=shared";
            is_uri_ = true;
            // The database lives while one connection is open; this one keeps it alive even
            // when the pool drops all of its own.
            keep_alive_ = std::make_unique<SqliteConnection>(filename_, is_uri_, writer_gate_);
        } else {
            filename_ = path;
            make_private(path);
        }
        add_idle(connect());
    }

    Dialect dialect() const override { return Dialect::sqlite; }

  private:
    // The database holds every account: its directory (when created here) and its files are
    // the owner's alone, whatever the umask. SQLite creates the -wal and -shm files with the
    // database's own mode, so a database created 0600 keeps them 0600; files left looser by an
    // older build are tightened.
    static void make_private(const std::string& path) {
        try {
            const std::filesystem::path parent = std::filesystem::path(path).parent_path();
            if (!parent.empty())
                make_private_directory(parent.string(), "the directory of the SQLite database",
                                       false);
            create_private_file(path, "SQLite database");
        } catch (const std::runtime_error& e) {
            throw Unavailable(e.what());
        }
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            tighten_private_file(path + suffix, "SQLite database file");
    }

  protected:
    std::unique_ptr<PooledConnection> connect() override {
        return std::make_unique<SqliteConnection>(filename_, is_uri_, writer_gate_);
    }

  private:
    // Shared: the pool's base class destroys the idle connections after this class is gone.
    std::shared_ptr<WriterGate> writer_gate_ = std::make_shared<WriterGate>();
    std::string filename_;
    bool is_uri_ = false;
    std::unique_ptr<SqliteConnection> keep_alive_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite_database(const std::string& path, std::size_t pool_size,
                                               std::chrono::milliseconds acquire_timeout) {
    return std::make_unique<SqliteDatabase>(path, pool_size, acquire_timeout);
}

}  // namespace authd::store
