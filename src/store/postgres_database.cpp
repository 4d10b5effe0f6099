#include "store/postgres_database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <vector>

#include "store/connection_pool.h"
#include "store/postgres_connect.h"
#include "util/text.h"

namespace authd::store {
namespace {

// Failures after which this connection is gone or the server refuses work for now.
bool is_connection_failure(std::string_view sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03" || sqlstate == "53300";
}

// Failures that a retry of the whole request may not meet: serialization failure, deadlock,
// statement timeout.
bool is_transient(std::string_view sqlstate) {
    return sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "57014";
}

bool contains_ignoring_case(std::string_view haystack, std::string_view word) {
    return std::search(haystack.begin(), haystack.end(), word.begin(), word.end(),
                       [](char a, char b) {
                           return text::ascii_lower(a) == text::ascii_lower(b);
                       }) != haystack.end();
}

// A SELECT that neither writes nor locks rows: one that a read-only transaction may run
// before (or without) its BEGIN. Anything else, CTEs included, gets the transaction first.
bool is_plain_select(std::string_view sql) {
    const auto start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    sql.remove_prefix(start);
    constexpr std::string_view select = "SELECT";
    if (sql.size() <= select.size() ||
        !contains_ignoring_case(sql.substr(0, select.size()), select) ||
        !std::isspace(static_cast<unsigned char>(sql[select.size()]))) {
        return false;
    }
    return !contains_ignoring_case(sql, " FOR UPDATE") &&
           !contains_ignoring_case(sql, " FOR NO KEY UPDATE") &&
           !contains_ignoring_case(sql, " FOR SHARE") &&
           !contains_ignoring_case(sql, " FOR KEY SHARE");
}

bool succeeded(const PGresult* result) {
    const ExecStatusType status = PQresultStatus(result);
    return result != nullptr &&
           (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY);
}

std::string_view error_field(const PGresult* result, int field) {
    const char* value = result ? PQresultErrorField(result, field) : nullptr;
    return value ? value : "";
}

class PostgresConnection final : public PooledConnection {
  public:
    explicit PostgresConnection(const std::string& url) {
        std::string error;
        conn_ = connect_postgres(url, 5, error);
        if (conn_ == nullptr) throw Unavailable("cannot connect to PostgreSQL: " + error);
        try {
            execute_script("SET statement_timeout = '10s'");
        } catch (...) {
            PQfinish(conn_);
            throw;
        }
    }

    ~PostgresConnection() override { PQfinish(conn_); }

    PostgresConnection(const PostgresConnection&) = delete;
    PostgresConnection& operator=(const PostgresConnection&) = delete;

    Dialect dialect() const override { return Dialect::postgres; }
    bool usable() const override { return usable_ && PQstatus(conn_) == CONNECTION_OK; }
    bool in_transaction() const override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

    void execute_script(std::string_view sql) override {
        send_deferred_begin();
        const std::string text(sql);
        ResultPtr result(PQexec(conn_, text.c_str()));
        if (!succeeded(result.get())) fail(result.get());
    }

    using Connection::execute;
    Result execute(std::string_view sql, std::span<const Param> params) override {
        refuse_unstorable_text(params);
        if (begin_deferred_ && !is_plain_select(sql)) send_deferred_begin();
        // Text parameters: integers as decimal text, the server converts by inferred type.
        std::vector<std::string> integer_texts;
        integer_texts.reserve(params.size());
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const Param& param : params) {
            if (const auto* number = std::get_if<std::int64_t>(&param)) {
                integer_texts.push_back(std::to_string(*number));
                values.push_back(integer_texts.back().c_str());
            } else if (const auto* text = std::get_if<std::string>(&param)) {
                values.push_back(text->c_str());
            } else {
                values.push_back(nullptr);
            }
        }
        for (bool first_attempt = true;; first_attempt = false) {
            const PreparedStatement& statement = prepared(sql);
            if (statement.parameter_count != static_cast<int>(params.size())) {
                throw DatabaseError("statement expects " +
                                    std::to_string(statement.parameter_count) +
                                    " parameters, got " + std::to_string(params.size()));
            }
            ResultPtr result(PQexecPrepared(conn_, statement.name.c_str(),
                                            static_cast<int>(values.size()), values.data(), nullptr,
                                            nullptr, /*resultFormat=text*/ 0));
            if (succeeded(result.get())) return to_result(result.get(), statement.columns);
            if (is_stale_statement(result.get())) {
                // Another process changed the schema under the cached plan (or the server
                // forgot the statement): prepare afresh. Inside a transaction that failed
                // statement aborted the transaction, so the caller must retry it all.
                statements_.erase(statements_.find(sql));
                if (first_attempt && !in_transaction()) continue;
                throw Unavailable("prepared statement invalidated by a schema change; retry");
            }
            fail(result.get());
        }
    }

    void begin(bool write) override {
        // READ COMMITTED with row locks taken by the statements themselves serves both kinds.
        // Every statement then takes its own snapshot, inside BEGIN ... COMMIT as outside, so
        // a read-only transaction's plain SELECTs go without them (two round trips of the four
        // of an authenticated request); BEGIN is sent before any statement that may write or
        // lock, so that such statements still form one transaction.
        begin_deferred_ = !write;
        if (write) execute_script("BEGIN");
    }

    void commit() override {
        if (begin_deferred_) {
            begin_deferred_ = false;  // nothing was begun: nothing to commit
            return;
        }
        // After a failed statement PostgreSQL answers COMMIT with a silent ROLLBACK; say so.
        if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
            rollback();
            throw DatabaseError("transaction aborted by an earlier error; rolled back");
        }
        execute_script("COMMIT");
    }

    void rollback() noexcept override {
        begin_deferred_ = false;
        if (PQstatus(conn_) != CONNECTION_OK) {
            usable_ = false;
            return;
        }
        if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
        ResultPtr result(PQexec(conn_, "ROLLBACK"));
        if (!succeeded(result.get())) usable_ = false;
    }

  private:
    void send_deferred_begin() {
        if (!begin_deferred_) return;
        begin_deferred_ = false;
        execute_script("BEGIN");
    }

    struct PreparedStatement {
        std::string name;
        int parameter_count = 0;
        std::shared_ptr<const Columns> columns;
    };

    const PreparedStatement& prepared(std::string_view sql) {
        if (const auto found = statements_.find(sql); found != statements_.end()) {
            return found->second;
        }
        PreparedStatement statement{"s" + std::to_string(++statements_prepared_), 0, nullptr};
        const std::string text(sql);
        ResultPtr prepared(PQprepare(conn_, statement.name.c_str(), text.c_str(), 0, nullptr));
        if (!succeeded(prepared.get())) fail(prepared.get());
        // The server knows how many `$n` the statement uses; a mismatch is reported clearly
        // here instead of as a protocol violation.
        ResultPtr description(PQdescribePrepared(conn_, statement.name.c_str()));
        if (!succeeded(description.get())) fail(description.get());
        statement.parameter_count = PQnparams(description.get());
        std::vector<std::string> names;
        names.reserve(PQnfields(description.get()));
        for (int column = 0; column < PQnfields(description.get()); ++column)
            names.emplace_back(PQfname(description.get(), column));
        statement.columns = std::make_shared<const Columns>(std::move(names));
        return statements_.emplace(text, std::move(statement)).first->second;
    }

    static bool is_stale_statement(const PGresult* result) {
        const std::string_view sqlstate = error_field(result, PG_DIAG_SQLSTATE);
        return sqlstate == "26000" /* prepared statement does not exist */ ||
               (sqlstate == "0A000" &&
                error_field(result, PG_DIAG_MESSAGE_PRIMARY).starts_with("cached plan"));
    }

    static Result to_result(const PGresult* result, std::shared_ptr<const Columns> columns) {
        Result converted;
        converted.columns = std::move(columns);
        const int row_count = PQntuples(result);
        const int column_count = PQnfields(result);
        converted.rows.reserve(row_count);
        for (int row = 0; row < row_count; ++row) {
            std::vector<std::optional<std::string>> values;
            values.reserve(column_count);
            for (int column = 0; column < column_count; ++column) {
                if (PQgetisnull(result, row, column)) {
                    values.emplace_back(std::nullopt);
                } else {
                    values.emplace_back(std::string(PQgetvalue(result, row, column),
                                                    PQgetlength(result, row, column)));
                }
            }
            converted.rows.emplace_back(std::move(values));
        }
        const std::string_view affected = PQcmdTuples(const_cast<PGresult*>(result));
        std::from_chars(affected.data(), affected.data() + affected.size(), converted.affected);
        return converted;
    }

    // Only the primary message: DETAIL lines quote row values ("Key (email)=(...)").
    [[noreturn]] void fail(const PGresult* result) {
        const std::string sqlstate(error_field(result, PG_DIAG_SQLSTATE));
        std::string message(error_field(result, PG_DIAG_MESSAGE_PRIMARY));
        if (message.empty()) {
            // Errors raised by libpq itself (connection lost) have no fields.
            message = one_line(result ? PQresultErrorMessage(result) : "");
            if (message.empty()) message = one_line(PQerrorMessage(conn_));
        }
        if (PQstatus(conn_) != CONNECTION_OK || is_connection_failure(sqlstate)) {
            usable_ = false;
            throw Unavailable("database connection lost: " + message);
        }
        if (is_transient(sqlstate)) throw Unavailable(message);
        if (sqlstate == "23505") {
            throw UniqueViolation(std::string(error_field(result, PG_DIAG_CONSTRAINT_NAME)),
                                  message);
        }
        throw DatabaseError(message);
    }

    PGconn* conn_ = nullptr;
    std::map<std::string, PreparedStatement, std::less<>> statements_;
    unsigned statements_prepared_ = 0;  // names s1, s2, ... are unique per connection
    bool usable_ = true;
    bool begin_deferred_ = false;  // a read-only transaction that has not sent its BEGIN
};

class PostgresDatabase final : public ConnectionPool {
  public:
    PostgresDatabase(std::string url, std::size_t pool_size,
                     std::chrono::milliseconds acquire_timeout)
        : ConnectionPool(pool_size, acquire_timeout), url_(std::move(url)) {
        // Parse now so that a malformed URL fails at start, not as 503s forever.
        if (!readable_postgres_url(url_))
            throw std::invalid_argument("AUTH_DATABASE_URL: not a valid PostgreSQL connection URL");
    }

    Dialect dialect() const override { return Dialect::postgres; }

  protected:
    std::unique_ptr<PooledConnection> connect() override {
        return std::make_unique<PostgresConnection>(url_);
    }

  private:
    const std::string url_;  // holds the password: never logged
};

}  // namespace

std::unique_ptr<Database> open_postgres_database(const std::string& url, std::size_t pool_size,
                                                 std::chrono::milliseconds acquire_timeout) {
    return std::make_unique<PostgresDatabase>(url, pool_size, acquire_timeout);
}

}  // namespace authd::store
