#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/config.h"
#include "import/source_tables.h"
#include "util/text.h"

namespace authd::import {
namespace {

namespace json = boost::json;

Value as_text(const json::value& value) {
    switch (value.kind()) {
        case json::kind::null:
            return std::nullopt;
        case json::kind::string:
            return std::string(value.get_string());
        case json::kind::bool_:
            return std::string(value.get_bool() ? "true" : "false");
        case json::kind::int64:
            return std::to_string(value.get_int64());
        case json::kind::uint64:
            return std::to_string(value.get_uint64());
        default:
            // Doubles, and lists: a natural key (`dumpdata --natural-foreign`) stays JSON text.
            return json::serialize(value);
    }
}

// The dump read into memory as tables: model → rows of (column → value).
class DumpdataSource final : public TableReader {
  public:
    explicit DumpdataSource(const std::string& path) : path_(path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw SourceError("cannot read '" + path + "'");
        std::stringstream text;
        text << in.rdbuf();
        boost::system::error_code error;
        const json::value document = json::parse(text.str(), error);
        if (error)
            throw SourceError("'" + path + "' is not a dumpdata JSON file: " + error.message());
        if (!document.is_array())
            throw SourceError("'" + path +
                              "' is not a dumpdata JSON file: expected a list of objects");
        std::size_t index = 0;
        for (const json::value& item : document.get_array()) {
            ++index;
            const json::object* object = item.if_object();
            const json::value* model = object ? object->if_contains("model") : nullptr;
            const json::value* fields = object ? object->if_contains("fields") : nullptr;
            if (!model || !model->is_string() || !fields || !fields->is_object())
                throw SourceError("'" + path + "': object " + std::to_string(index) +
                                  " has no \"model\" and \"fields\"");
            std::string table = text::ascii_lower(std::string(model->get_string()));
            std::replace(table.begin(), table.end(), '.', '_');
            Table& t = tables_[table];
            Record record;
            const json::value* pk = object->if_contains("pk");
            record["id"] = pk ? as_text(*pk) : std::nullopt;
            add_column(t, "id");
            for (const auto& [name, value] : fields->get_object()) {
                add_column(t, std::string(name));
                record[std::string(name)] = as_text(value);
            }
            t.records.push_back(std::move(record));
        }
    }

    std::string description() const override { return "dumpdata file " + path_; }

    std::vector<std::string> tables() override {
        std::vector<std::string> names;
        for (const auto& [name, table] : tables_)
            names.push_back(name);
        return names;
    }

    std::vector<std::string> columns(const std::string& table) override {
        const auto found = tables_.find(table);
        return found == tables_.end() ? std::vector<std::string>{} : found->second.columns;
    }

    std::vector<TableRow> rows(const std::string& table,
                               const std::vector<std::string>& columns) override {
        std::vector<TableRow> rows;
        const auto found = tables_.find(table);
        if (found == tables_.end()) return rows;
        for (const Record& record : found->second.records) {
            TableRow row;
            for (const std::string& column : columns) {
                const auto value = record.find(column);
                // A field missing from one object reads as NULL.
                row.push_back(value == record.end() ? std::nullopt : value->second);
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

  private:
    using Record = std::map<std::string, Value>;
    struct Table {
        std::vector<std::string> columns;
        std::vector<Record> records;
    };

    static void add_column(Table& table, const std::string& name) {
        if (std::find(table.columns.begin(), table.columns.end(), name) == table.columns.end())
            table.columns.push_back(name);
    }

    std::string path_;
    std::map<std::string, Table> tables_;
};

bool starts_like_sqlite(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == sizeof header &&
           std::string(header, sizeof header) == std::string("SQLite format 3\0", 16);
}

}  // namespace

std::unique_ptr<TableReader> open_dumpdata_source(const std::string& path) {
    return std::make_unique<DumpdataSource>(path);
}

std::unique_ptr<TableReader> open_source(const std::string& from) {
    if (from.rfind("postgresql://", 0) == 0 || from.rfind("postgres://", 0) == 0)
        return open_postgres_source(from);
    if (from.rfind("sqlite://", 0) == 0) return open_sqlite_source(from.substr(9));
    if (from.rfind("sqlite:", 0) == 0) return open_sqlite_source(from.substr(7));
    std::error_code error;
    if (!std::filesystem::is_regular_file(from, error))
        throw SourceError("no file at '" + config::mask_url_password(from) +
                          "' (expected postgresql://..., sqlite:PATH or a dumpdata JSON file)");
    if (starts_like_sqlite(from)) return open_sqlite_source(from);
    return open_dumpdata_source(from);
}

std::string quote_identifier(const std::string& name) {
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string select_sql(const std::string& table, const std::vector<std::string>& columns) {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i)
        sql += (i ? ", " : "") + quote_identifier(columns[i]);
    return sql + " FROM " + quote_identifier(table);
}

std::vector<std::string> first_values(const std::vector<TableRow>& rows) {
    std::vector<std::string> values;
    for (const TableRow& row : rows)
        if (!row.empty() && row.front()) values.push_back(*row.front());
    return values;
}

}  // namespace authd::import
