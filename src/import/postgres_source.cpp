#include <libpq-fe.h>

#include "import/source_tables.h"
#include "store/postgres_connect.h"

namespace authd::import {
namespace {

using store::ResultPtr;

class PostgresSource final : public TableReader {
  public:
    explicit PostgresSource(const std::string& url) {
        std::string error;
        conn_ = store::connect_postgres(url, 10, error);
        if (conn_ == nullptr)
            throw SourceError("cannot connect to the source PostgreSQL: " + error);
        description_ = std::string("PostgreSQL database ") + PQdb(conn_) + " on " + PQhost(conn_) +
                       ":" + PQport(conn_);
        try {
            // Times in UTC; every table from one snapshot; nothing can be written by mistake.
            query("SET TIME ZONE 'UTC'", {});
            query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {});
        } catch (...) {
            PQfinish(conn_);
            throw;
        }
    }

    ~PostgresSource() override {
        PQclear(PQexec(conn_, "ROLLBACK"));
        PQfinish(conn_);
    }

    PostgresSource(const PostgresSource&) = delete;
    PostgresSource& operator=(const PostgresSource&) = delete;

    std::string description() const override { return description_; }

    std::vector<std::string> tables() override {
        return first_values(
            query("SELECT table_name FROM information_schema.tables "
                  "WHERE table_schema = current_schema() "
                  "AND table_type = 'BASE TABLE' ORDER BY 1",
                  {}));
    }

    std::vector<std::string> columns(const std::string& table) override {
        return first_values(
            query("SELECT column_name FROM information_schema.columns "
                  "WHERE table_schema = current_schema() "
                  "AND table_name = $1 ORDER BY ordinal_position",
                  {table}));
    }

    std::vector<TableRow> rows(const std::string& table,
                               const std::vector<std::string>& columns) override {
        return query(select_sql(table, columns), {});
    }

  private:
    std::vector<TableRow> query(const std::string& sql, const std::vector<std::string>& params) {
        std::vector<const char*> values;
        for (const std::string& param : params)
            values.push_back(param.c_str());
        ResultPtr result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                      values.data(), nullptr, nullptr, 0));
        const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
            throw SourceError("reading the source PostgreSQL: " +
                              store::one_line(PQerrorMessage(conn_)));
        std::vector<TableRow> rows;
        const int count = PQntuples(result.get());
        const int fields = PQnfields(result.get());
        rows.reserve(static_cast<std::size_t>(count));
        for (int r = 0; r < count; ++r) {
            TableRow row;
            row.reserve(static_cast<std::size_t>(fields));
            for (int f = 0; f < fields; ++f) {
                if (PQgetisnull(result.get(), r, f)) {
                    row.emplace_back(std::nullopt);
                } else {
                    row.emplace_back(
                        std::string(PQgetvalue(result.get(), r, f),
                                    static_cast<std::size_t>(PQgetlength(result.get(), r, f))));
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    PGconn* conn_ = nullptr;
    std::string description_;
};

}  // namespace

std::unique_ptr<TableReader> open_postgres_source(const std::string& url) {
    return std::make_unique<PostgresSource>(url);
}

}  // namespace authd::import
