// The account_changes table.
#include <string>

#include "store/account_changes.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kChangeColumns =
    "id, kind, user_id, subject, reserved_username, direction, step, uncertain, results, "
    "created_at, next_attempt_at, attempts, owner, locked_until, last_error";
constexpr std::string_view kInsertChange =
    "INSERT INTO account_changes (id, kind, user_id, subject, reserved_username, direction, "
    "step, uncertain, results, created_at, next_attempt_at, attempts, owner, locked_until, "
    "last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const std::string kSelectChange =
    std::string("SELECT ") + std::string(kChangeColumns) + " FROM account_changes WHERE id = $1";
constexpr std::string_view kSelectDueChanges =
    "SELECT id FROM account_changes WHERE next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) ORDER BY created_at, id LIMIT $2";
constexpr std::string_view kClaimChange =
    "UPDATE account_changes SET owner = $2, locked_until = $4 WHERE id = $1 "
    "AND (locked_until IS NULL OR locked_until <= $3 OR owner = $2)";
constexpr std::string_view kSaveChange =
    "UPDATE account_changes SET direction = $3, step = $4, uncertain = $5, results = $6, "
    "next_attempt_at = $7, attempts = $8, locked_until = $9, last_error = $10 "
    "WHERE id = $1 AND owner = $2";
constexpr std::string_view kDeleteChange =
    "DELETE FROM account_changes WHERE id = $1 AND owner = $2";
constexpr std::string_view kSelectReservedUsername =
    "SELECT 1 FROM account_changes WHERE lower(reserved_username) = lower($1)";
constexpr std::string_view kCountChanges = "SELECT count(*) AS total FROM account_changes";

class ChangeReader {
  public:
    explicit ChangeReader(const Result& result) : ChangeReader(ColumnFinder(result)) {}

    AccountChange operator()(const Row& row) const {
        AccountChange c;
        c.id = row.text(id_);
        c.kind = row.text(kind_);
        c.user_id = row.text(user_id_);
        c.subject = row.text(subject_);
        c.reserved_username = row.optional_text(reserved_username_);
        c.direction = row.text(direction_);
        c.step = static_cast<int>(row.integer(step_));
        c.uncertain = row.boolean(uncertain_);
        c.results = row.text(results_);
        c.created_at = row.integer(created_at_);
        c.next_attempt_at = row.integer(next_attempt_at_);
        c.attempts = static_cast<int>(row.integer(attempts_));
        c.owner = row.text(owner_);
        c.locked_until = row.optional_integer(locked_until_);
        c.last_error = row.optional_text(last_error_);
        return c;
    }

  private:
    explicit ChangeReader(ColumnFinder find)
        : id_(find("id")),
          kind_(find("kind")),
          user_id_(find("user_id")),
          subject_(find("subject")),
          reserved_username_(find("reserved_username")),
          direction_(find("direction")),
          step_(find("step")),
          uncertain_(find("uncertain")),
          results_(find("results")),
          created_at_(find("created_at")),
          next_attempt_at_(find("next_attempt_at")),
          attempts_(find("attempts")),
          owner_(find("owner")),
          locked_until_(find("locked_until")),
          last_error_(find("last_error")) {}

    Column id_, kind_, user_id_, subject_, reserved_username_, direction_, step_, uncertain_,
        results_, created_at_, next_attempt_at_, attempts_, owner_, locked_until_, last_error_;
};

}  // namespace

void AccountChanges::insert(const AccountChange& c) {
    try {
        db_.execute(kInsertChange,
                    {c.id, c.kind, c.user_id, c.subject, optional_text(c.reserved_username),
                     c.direction, std::int64_t{c.step}, std::int64_t{c.uncertain}, c.results,
                     c.created_at, c.next_attempt_at, std::int64_t{c.attempts}, c.owner,
                     optional_integer(c.locked_until), optional_text(c.last_error)});
    } catch (const UniqueViolation& violation) {
        throw_duplicate(violation);
    }
}

std::optional<AccountChange> AccountChanges::find(const std::string& id) {
    return read_first<ChangeReader>(db_.execute(kSelectChange, {id}));
}

std::vector<std::string> AccountChanges::due(std::int64_t now, int limit) {
    std::vector<std::string> ids;
    const Result result = db_.execute(kSelectDueChanges, {now, std::int64_t{limit}});
    if (result.rows.empty()) return ids;
    const Column id = result.column("id");
    for (const Row& row : result.rows)
        ids.push_back(row.text(id));
    return ids;
}

bool AccountChanges::claim(const std::string& id, const std::string& owner, std::int64_t now,
                           std::int64_t lock_until) {
    return db_.execute(kClaimChange, {id, owner, now, lock_until}).affected == 1;
}

bool AccountChanges::save(const AccountChange& c) {
    return db_.execute(kSaveChange,
                       {c.id, c.owner, c.direction, std::int64_t{c.step}, std::int64_t{c.uncertain},
                        c.results, c.next_attempt_at, std::int64_t{c.attempts},
                        optional_integer(c.locked_until), optional_text(c.last_error)})
               .affected == 1;
}

bool AccountChanges::remove(const std::string& id, const std::string& owner) {
    return db_.execute(kDeleteChange, {id, owner}).affected == 1;
}

bool AccountChanges::username_reserved(std::string_view username) {
    return !db_.execute(kSelectReservedUsername, {std::string(username)}).rows.empty();
}

std::int64_t AccountChanges::count() {
    return single_integer(db_.execute(kCountChanges), "total");
}

}  // namespace authd::store
