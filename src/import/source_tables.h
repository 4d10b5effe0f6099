#pragma once
// Reading another service's database for an import: a small interface over tables, rows and
// text values, with three implementations (a SQLite file, a PostgreSQL database through libpq,
// and a Django `manage.py dumpdata` JSON file read as if it were tables).
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace authd::import {

// One value as text (integers in decimal, booleans as the source writes them: 1/0, t/f,
// true/false; times as the source writes them); nullopt is NULL.
using Value = std::optional<std::string>;
using TableRow = std::vector<Value>;

// The source cannot be opened or read. The message never holds a password.
class SourceError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class TableReader {
  public:
    virtual ~TableReader() = default;
    // What is read, for messages ("SQLite file django.db"); never a password.
    virtual std::string description() const = 0;
    virtual std::vector<std::string> tables() = 0;
    // The column names of `table`, in order.
    virtual std::vector<std::string> columns(const std::string& table) = 0;
    // Every row of `table`, with the values of `columns` in that order.
    virtual std::vector<TableRow> rows(const std::string& table,
                                       const std::vector<std::string>& columns) = 0;
};

// Opened read-only; everything is read from one consistent snapshot where the database offers
// one. Each throws SourceError.
std::unique_ptr<TableReader> open_sqlite_source(const std::string& path);
std::unique_ptr<TableReader> open_postgres_source(const std::string& url);
// Each model of the dump is a table named like Django's default (`app_label` + "_" + model
// name: "otp_totp.totpdevice" → "otp_totp_totpdevice"), with an `id` column for the primary
// key and one column per field (a foreign key keeps the field's name: `user`).
std::unique_ptr<TableReader> open_dumpdata_source(const std::string& path);

// `postgresql://...` or `postgres://...`, `sqlite:PATH` or `sqlite://PATH`, or a file path: a
// SQLite file when it starts like one, a dumpdata JSON file otherwise.
std::unique_ptr<TableReader> open_source(const std::string& from);

// "name" with `"` doubled, between double quotes: an SQL identifier.
std::string quote_identifier(const std::string& name);

// For the SQL sources: `SELECT "a", "b" FROM "table"`, and the non-NULL first values of rows
// (a catalogue query's names).
std::string select_sql(const std::string& table, const std::vector<std::string>& columns);
std::vector<std::string> first_values(const std::vector<TableRow>& rows);

}  // namespace authd::import
