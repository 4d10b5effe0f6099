#include <sqlite3.h>

#include <filesystem>

#include "import/source_tables.h"

namespace authd::import {
namespace {

class SqliteSource final : public TableReader {
  public:
    explicit SqliteSource(const std::string& path) : path_(path) {
        std::error_code error;
        if (!std::filesystem::is_regular_file(path, error))
            throw SourceError("no SQLite file at '" + path + "'");
        // Read-only: the source is never changed, not even its journal mode.
        const int code = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
        if (code != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
            sqlite3_close_v2(db_);
            throw SourceError("cannot open SQLite file '" + path + "': " + message);
        }
        sqlite3_busy_timeout(db_, 5000);
        try {
            // One read transaction: every table comes from the same snapshot.
            exec("BEGIN");
            query("SELECT count(*) FROM sqlite_master", {});  // fails on a file of another kind
        } catch (...) {
            sqlite3_close_v2(db_);
            throw;
        }
    }

    ~SqliteSource() override {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close_v2(db_);
    }

    SqliteSource(const SqliteSource&) = delete;
    SqliteSource& operator=(const SqliteSource&) = delete;

    std::string description() const override { return "SQLite file " + path_; }

    std::vector<std::string> tables() override {
        return first_values(
            query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", {}));
    }

    std::vector<std::string> columns(const std::string& table) override {
        return first_values(query("SELECT name FROM pragma_table_info(?1)", {table}));
    }

    std::vector<TableRow> rows(const std::string& table,
                               const std::vector<std::string>& columns) override {
        return query(select_sql(table, columns), {});
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw SourceError("reading SQLite file '" + path_ + "': " + what + ": " +
                          sqlite3_errmsg(db_));
    }

    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }

    std::vector<TableRow> query(const std::string& sql, const std::vector<std::string>& params) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &statement,
                               nullptr) != SQLITE_OK)
            fail("cannot prepare a query");
        struct Finalize {
            sqlite3_stmt* statement;
            ~Finalize() { sqlite3_finalize(statement); }
        } finalize{statement};
        for (std::size_t i = 0; i < params.size(); ++i)
            sqlite3_bind_text(statement, static_cast<int>(i + 1), params[i].data(),
                              static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
        const int columns = sqlite3_column_count(statement);
        std::vector<TableRow> result;
        for (;;) {
            const int code = sqlite3_step(statement);
            if (code == SQLITE_DONE) break;
            if (code != SQLITE_ROW) fail("cannot read a row");
            TableRow row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (sqlite3_column_type(statement, c) == SQLITE_NULL) {
                    row.emplace_back(std::nullopt);
                    continue;
                }
                const auto* text = sqlite3_column_text(statement, c);
                const int size = sqlite3_column_bytes(statement, c);
                row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                             static_cast<std::size_t>(size)));
            }
            result.push_back(std::move(row));
        }
        return result;
    }

    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<TableReader> open_sqlite_source(const std::string& path) {
    return std::make_unique<SqliteSource>(path);
}

}  // namespace authd::import
