#pragma once
// What the SQL repositories (sql_<kind>.cpp) share: parameters from optional fields, reading
// records by column name, claiming due rows, unique indexes as Duplicate, and the user's columns
// (sessions read their user in the same statement).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/sql.h"
#include "store/users.h"

namespace authd::store {

inline Param optional_integer(const std::optional<std::int64_t>& value) {
    if (value) return *value;
    return nullptr;
}

inline Param optional_text(const std::optional<std::string>& value) {
    if (value) return *value;
    return nullptr;
}

// The one value of a statement such as `SELECT count(*) AS total ...`.
inline std::int64_t single_integer(const Result& result, std::string_view column) {
    return result.rows.at(0).integer(result.column(column));
}

// Readers are built once per result (finding their columns by name) and then read each row.
template <class Reader>
using RecordOf = std::invoke_result_t<const Reader&, const Row&>;

template <class Reader>
std::optional<RecordOf<Reader>> read_first(const Result& result) {
    if (result.rows.empty()) return std::nullopt;
    return Reader(result)(result.rows.front());
}

template <class Reader>
std::vector<RecordOf<Reader>> read_all(const Result& result) {
    std::vector<RecordOf<Reader>> records;
    if (result.rows.empty()) return records;
    const Reader read(result);
    records.reserve(result.rows.size());
    for (const Row& row : result.rows)
        records.push_back(read(row));
    return records;
}

// Claims up to `limit` of the rows that `select_due` ($1 now, $2 limit) finds due, one by one with
// `claim` ($1 id, $2 now, $3 lock_until: it changes the row only while no one holds it, so each
// row goes to one claimant across instances), and reads each claimed row with `select_row`.
template <class Reader>
std::vector<RecordOf<Reader>> claim_rows(Connection& db, std::string_view select_due,
                                         std::string_view claim, std::string_view select_row,
                                         std::int64_t now, std::int64_t lock_until, int limit) {
    std::vector<RecordOf<Reader>> claimed;
    const Result due = db.execute(select_due, {now, std::int64_t{limit}});
    if (due.rows.empty()) return claimed;
    const Column id_column = due.column("id");
    for (const Row& row : due.rows) {
        const std::string id = row.text(id_column);
        if (db.execute(claim, {id, now, lock_until}).affected != 1) continue;
        if (auto record = read_first<Reader>(db.execute(select_row, {id})))
            claimed.push_back(std::move(*record));
    }
    return claimed;
}

// Index names from the migrations → the field a client sees; rethrows any other violation.
[[noreturn]] void throw_duplicate(const UniqueViolation& violation);

// The user's columns, with whether a confirmed app exists (as totp_ready) and a passkey (as
// passkey_ready); in a FROM users.
inline constexpr std::string_view kUserColumns =
    "id, username, email, password_hash, two_fa_enable, email_verified, lang, is_active, "
    "date_joined, last_login, password_changed_at, "
    "CASE WHEN EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = users.id "
    "AND d.confirmed_at IS NOT NULL) THEN 1 ELSE 0 END AS totp_ready, "
    "CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = users.id) "
    "THEN 1 ELSE 0 END AS passkey_ready, "
    "second_factor_failures, last_second_factor_failure, pending_creation";

class UserReader {
  public:
    explicit UserReader(const Result& result, std::string_view prefix = {})
        : UserReader(ColumnFinder(result, prefix)) {}
    User operator()(const Row& row) const;

  private:
    explicit UserReader(ColumnFinder find);
    Column id_, username_, email_, password_hash_, two_fa_enable_, email_verified_, lang_,
        is_active_, date_joined_, last_login_, password_changed_at_, totp_ready_, passkey_ready_,
        second_factor_failures_, last_second_factor_failure_, pending_creation_;
};

}  // namespace authd::store
