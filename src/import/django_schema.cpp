#include "import/django_schema.h"
#include "util/text.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

namespace authd::import {
namespace {

constexpr std::string_view kDeviceTable = "otp_totp_totpdevice";

// The table's real name for a column, compared ignoring case; "" when absent.
std::string find_column(const std::vector<std::string>& columns,
                        std::initializer_list<std::string_view> names) {
    for (std::string_view name : names)
        for (const std::string& column : columns)
            if (text::ascii_lower(column) == name) return column;
    return {};
}

bool has_columns(const std::vector<std::string>& columns,
                 std::initializer_list<std::string_view> names) {
    for (std::string_view name : names)
        if (find_column(columns, {name}).empty()) return false;
    return true;
}

// Reads the named columns (absent ones, "", read as `fallback`), one row per record.
class ColumnReader {
  public:
    ColumnReader(TableReader& reader, std::string table)
        : reader_(reader), table_(std::move(table)), available_(reader.columns(table_)) {}

    const std::vector<std::string>& available() const { return available_; }

    // The column's index in the rows that read() returns; absent names get their fallback.
    std::size_t want(std::initializer_list<std::string_view> names, Value fallback = {}) {
        wanted_.push_back({find_column(available_, names), std::move(fallback)});
        return wanted_.size() - 1;
    }

    std::size_t require(std::initializer_list<std::string_view> names) {
        const std::string column = find_column(available_, names);
        if (column.empty())
            throw SourceError("table " + table_ + " has no column " + std::string(*names.begin()) +
                              " (it has: " + text::join(available_, ", ") + ")");
        return want(names);
    }

    std::vector<TableRow> read() {
        std::vector<std::string> present;
        for (const Wanted& w : wanted_)
            if (!w.column.empty()) present.push_back(w.column);
        std::vector<TableRow> out;
        for (TableRow& row : reader_.rows(table_, present)) {
            TableRow full;
            std::size_t next = 0;
            for (const Wanted& w : wanted_)
                full.push_back(w.column.empty() ? w.fallback : std::move(row.at(next++)));
            out.push_back(std::move(full));
        }
        return out;
    }

  private:
    struct Wanted {
        std::string column;
        Value fallback;
    };
    TableReader& reader_;
    std::string table_;
    std::vector<std::string> available_;
    std::vector<Wanted> wanted_;
};

std::string natural_key(const std::string& name) {
    std::string key = "[\"";
    for (char c : name) {
        if (c == '"' || c == '\\') key += '\\';
        key += c;
    }
    return key + "\"]";
}

// Numeric keys in numeric order, before any other key (in text order).
bool key_less(const std::string& a, const std::string& b) {
    const auto na = parse_integer(a);
    const auto nb = parse_integer(b);
    if (na && nb) return *na < *nb;
    if (na != std::nullopt || nb != std::nullopt) return na.has_value();
    return a < b;
}

std::string pick_table(
    TableReader& reader, const std::string& given, const char* what, const char* option,
    const std::function<bool(const std::string&, const std::vector<std::string>&)>& matches,
    bool required) {
    const std::vector<std::string> tables = reader.tables();
    if (!given.empty()) {
        if (std::find(tables.begin(), tables.end(), given) == tables.end())
            throw SourceError("there is no table " + given + " in the " + reader.description());
        return given;
    }
    std::vector<std::string> candidates;
    for (const std::string& table : tables)
        if (matches(table, reader.columns(table))) candidates.push_back(table);
    // A project with a custom user model has no auth_user; if one is there too, it is not it.
    if (candidates.size() > 1) std::erase(candidates, std::string("auth_user"));
    if (candidates.size() == 1) return candidates.front();
    if (candidates.empty()) {
        if (!required) return {};
        throw SourceError(std::string("no ") + what + " table in the " + reader.description() +
                          ": name it with " + option);
    }
    throw SourceError(std::string("several tables could be the ") + what + " table (" +
                      text::join(candidates, ", ") + "): name one with " + option);
}

}  // namespace

SourceData read_django_data(TableReader& reader, const SchemaOptions& options) {
    SourceData data;
    data.description = reader.description();

    data.user_table = pick_table(
        reader, options.user_table, "user", "--user-table",
        [](const std::string&, const std::vector<std::string>& columns) {
            return has_columns(columns, {"username", "password", "email"});
        },
        true);
    {
        ColumnReader table(reader, data.user_table);
        const std::size_t id = table.want({"id"});
        const std::size_t username = table.require({"username"});
        const std::size_t email = table.require({"email"});
        const std::size_t password = table.require({"password"});
        const std::size_t date_joined = table.want({"date_joined"}, Value("1970-01-01 00:00:00"));
        const std::size_t last_login = table.want({"last_login"});
        const std::size_t is_active = table.want({"is_active"}, Value("1"));
        const std::size_t two_fa = table.want(
            {"two_fa_enable", "two_fa_enabled", "enable_2fa", "is_2fa_enabled"}, Value("0"));
        const std::size_t lang = table.want({"lang", "language"}, Value("en"));
        for (TableRow& row : table.read()) {
            SourceUser user;
            if (row[id])
                user.key = *row[id];
            else if (row[username])
                user.key = natural_key(*row[username]);
            user.username = std::move(row[username]);
            user.email = std::move(row[email]);
            user.password = std::move(row[password]);
            user.date_joined = std::move(row[date_joined]);
            user.last_login = std::move(row[last_login]);
            user.is_active = std::move(row[is_active]);
            user.two_fa_enabled = std::move(row[two_fa]);
            user.lang = std::move(row[lang]);
            data.users.push_back(std::move(user));
        }
        std::stable_sort(
            data.users.begin(), data.users.end(),
            [](const SourceUser& a, const SourceUser& b) { return key_less(a.key, b.key); });
    }

    const std::vector<std::string> tables = reader.tables();
    if (std::find(tables.begin(), tables.end(), kDeviceTable) != tables.end()) {
        data.device_table = kDeviceTable;
        ColumnReader table(reader, data.device_table);
        const std::size_t id = table.require({"id"});
        const std::size_t user = table.require({"user_id", "user"});
        const std::size_t name = table.want({"name"}, Value(""));
        const std::size_t key = table.require({"key"});
        const std::size_t step = table.want({"step"}, Value("30"));
        const std::size_t t0 = table.want({"t0"}, Value("0"));
        const std::size_t digits = table.want({"digits"}, Value("6"));
        const std::size_t drift = table.want({"drift"}, Value("0"));
        const std::size_t last_t = table.want({"last_t"}, Value("-1"));
        const std::size_t confirmed = table.want({"confirmed"}, Value("1"));
        for (TableRow& row : table.read()) {
            SourceTotpDevice device;
            device.key = row[id].value_or("");
            device.user = std::move(row[user]);
            device.name = std::move(row[name]);
            device.hex_key = std::move(row[key]);
            device.step = std::move(row[step]);
            device.t0 = std::move(row[t0]);
            device.digits = std::move(row[digits]);
            device.drift = std::move(row[drift]);
            device.last_t = std::move(row[last_t]);
            device.confirmed = std::move(row[confirmed]);
            data.devices.push_back(std::move(device));
        }
        std::stable_sort(data.devices.begin(), data.devices.end(),
                         [](const SourceTotpDevice& a, const SourceTotpDevice& b) {
                             return key_less(a.key, b.key);
                         });
    }

    data.service_table = pick_table(
        reader, options.service_table, "service account", "--service-table",
        [&](const std::string& table, const std::vector<std::string>& columns) {
            return table != data.user_table && has_columns(columns, {"servicename", "password"});
        },
        false);
    if (!data.service_table.empty()) {
        ColumnReader table(reader, data.service_table);
        const std::size_t id = table.want({"id"});
        const std::size_t name = table.require({"servicename", "service_name"});
        const std::size_t password = table.require({"password"});
        for (TableRow& row : table.read()) {
            SourceServiceAccount service;
            service.key = row[id] ? *row[id] : row[name].value_or("");
            service.name = std::move(row[name]);
            service.password = std::move(row[password]);
            data.services.push_back(std::move(service));
        }
        std::stable_sort(data.services.begin(), data.services.end(),
                         [](const SourceServiceAccount& a, const SourceServiceAccount& b) {
                             return key_less(a.key, b.key);
                         });
    }
    return data;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    std::int64_t value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (!text.empty() && text.front() == '+') ++begin;
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
    return value;
}

std::optional<bool> parse_django_bool(std::string_view text) {
    const std::string value = text::ascii_lower(text);
    if (value == "1" || value == "t" || value == "true") return true;
    if (value == "0" || value == "f" || value == "false") return false;
    return std::nullopt;
}

std::optional<std::string> decode_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string bytes;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = nibble(text[i]);
        const int low = nibble(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        bytes += static_cast<char>(high * 16 + low);
    }
    return bytes;
}

namespace {

// Days from 1970-01-01 to the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_digits(std::string_view text, std::size_t& at, std::size_t count, int& out) {
    if (at + count > text.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    at += count;
    return true;
}

bool expect(std::string_view text, std::size_t& at, char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_django_datetime(std::string_view text) {
    std::size_t at = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, at, 4, year) || !expect(text, at, '-') ||
        !read_digits(text, at, 2, month) || !expect(text, at, '-') ||
        !read_digits(text, at, 2, day))
        return std::nullopt;
    if (at >= text.size() || (text[at] != ' ' && text[at] != 'T')) return std::nullopt;
    ++at;
    if (!read_digits(text, at, 2, hour) || !expect(text, at, ':') ||
        !read_digits(text, at, 2, minute))
        return std::nullopt;
    if (at < text.size() && text[at] == ':' && !(++at, read_digits(text, at, 2, second)))
        return std::nullopt;
    if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
        ++at;
        const std::size_t start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9')
            ++at;
        if (at == start) return std::nullopt;  // fractions of a second are dropped
    }
    int offset_seconds = 0;
    if (at < text.size()) {
        if (text[at] == 'Z' || text[at] == 'z') {
            ++at;
        } else if (text[at] == '+' || text[at] == '-') {
            const int sign = text[at] == '-' ? -1 : 1;
            ++at;
            int oh = 0, om = 0;
            if (!read_digits(text, at, 2, oh)) return std::nullopt;
            if (at < text.size()) {
                expect(text, at, ':');
                if (!read_digits(text, at, 2, om)) return std::nullopt;
            }
            if (oh > 23 || om > 59) return std::nullopt;
            offset_seconds = sign * (oh * 3600 + om * 60);
        }
    }
    if (at != text.size()) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + second - offset_seconds;
}

}  // namespace authd::import
