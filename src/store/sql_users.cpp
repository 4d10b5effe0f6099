// The users table.
#include <string>

#include "store/sql.h"
#include "store/sql_records.h"
#include "store/users.h"

namespace authd::store {
namespace {

const std::string kSelectUserById =
    std::string("SELECT ") + std::string(kUserColumns) + " FROM users WHERE id = $1";
const std::string kSelectUserByUsername = std::string("SELECT ") + std::string(kUserColumns) +
                                          " FROM users WHERE lower(username) = lower($1)";
const std::string kSelectUserByEmail = std::string("SELECT ") + std::string(kUserColumns) +
                                       " FROM users WHERE lower(email) = lower($1)";
constexpr std::string_view kInsertUser =
    "INSERT INTO users (id, username, email, password_hash, two_fa_enable, email_verified, lang, "
    "is_active, date_joined, last_login, password_changed_at, pending_creation) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
constexpr std::string_view kUpdateProfile =
    "UPDATE users SET username = $2, email = $3, two_fa_enable = $4, email_verified = $5, "
    "lang = $6 WHERE id = $1";
constexpr std::string_view kUpdatePassword =
    "UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1";
constexpr std::string_view kReplacePasswordHash =
    "UPDATE users SET password_hash = $2 WHERE id = $1";
constexpr std::string_view kRecordLogin = "UPDATE users SET last_login = $2 WHERE id = $1";
constexpr std::string_view kSetEmailVerified = "UPDATE users SET email_verified = $2 WHERE id = $1";
constexpr std::string_view kFinishUserCreation =
    "UPDATE users SET is_active = 1, pending_creation = 0 WHERE id = $1";
constexpr std::string_view kUpdateImportedUser =
    "UPDATE users SET username = $2, email = $3, password_hash = $4, two_fa_enable = $5, "
    "lang = $6, is_active = $7, date_joined = $8, last_login = $9, password_changed_at = $10 "
    "WHERE id = $1";
// The user's rows elsewhere go first, explicitly as well as by cascade: SQLite enforces foreign
// keys only when asked to.
constexpr std::string_view kDeleteUser[] = {
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM one_time_tokens WHERE user_id = $1",
    "DELETE FROM totp_devices WHERE user_id = $1",
    "DELETE FROM recovery_codes WHERE user_id = $1",
    "DELETE FROM login_tickets WHERE user_id = $1",
    "DELETE FROM passkeys WHERE user_id = $1",
    "DELETE FROM webauthn_challenges WHERE user_id = $1",
    "DELETE FROM users WHERE id = $1",
};
constexpr std::string_view kRecordSecondFactorFailure =
    "UPDATE users SET second_factor_failures = second_factor_failures + 1, "
    "last_second_factor_failure = $2 WHERE id = $1";
constexpr std::string_view kResetSecondFactorFailures =
    "UPDATE users SET second_factor_failures = 0 WHERE id = $1";

}  // namespace

UserReader::UserReader(ColumnFinder find)
    : id_(find("id")),
      username_(find("username")),
      email_(find("email")),
      password_hash_(find("password_hash")),
      two_fa_enable_(find("two_fa_enable")),
      email_verified_(find("email_verified")),
      lang_(find("lang")),
      is_active_(find("is_active")),
      date_joined_(find("date_joined")),
      last_login_(find("last_login")),
      password_changed_at_(find("password_changed_at")),
      totp_ready_(find("totp_ready")),
      passkey_ready_(find("passkey_ready")),
      second_factor_failures_(find("second_factor_failures")),
      last_second_factor_failure_(find("last_second_factor_failure")),
      pending_creation_(find("pending_creation")) {}

User UserReader::operator()(const Row& row) const {
    User user;
    user.id = row.text(id_);
    user.username = row.text(username_);
    user.email = row.text(email_);
    user.password_hash = row.text(password_hash_);
    user.two_fa_enable = row.boolean(two_fa_enable_);
    user.email_verified = row.boolean(email_verified_);
    user.lang = row.text(lang_);
    user.is_active = row.boolean(is_active_);
    user.date_joined = row.integer(date_joined_);
    user.last_login = row.optional_integer(last_login_);
    user.password_changed_at = row.integer(password_changed_at_);
    user.totp_ready = row.boolean(totp_ready_);
    user.passkey_ready = row.boolean(passkey_ready_);
    user.second_factor_failures = static_cast<int>(row.integer(second_factor_failures_));
    user.last_second_factor_failure = row.optional_integer(last_second_factor_failure_);
    user.pending_creation = row.boolean(pending_creation_);
    return user;
}

std::optional<User> Users::find_by_id(const std::string& id) {
    return read_first<UserReader>(db_.execute(kSelectUserById, {id}));
}

std::optional<User> Users::find_by_username(std::string_view username) {
    return read_first<UserReader>(db_.execute(kSelectUserByUsername, {std::string(username)}));
}

std::optional<User> Users::find_by_email(std::string_view email) {
    return read_first<UserReader>(db_.execute(kSelectUserByEmail, {std::string(email)}));
}

void Users::insert(const User& user) {
    try {
        db_.execute(
            kInsertUser,
            {user.id, user.username, user.email, user.password_hash,
             std::int64_t{user.two_fa_enable}, std::int64_t{user.email_verified}, user.lang,
             std::int64_t{user.is_active}, user.date_joined, optional_integer(user.last_login),
             user.password_changed_at, std::int64_t{user.pending_creation}});
    } catch (const UniqueViolation& violation) {
        throw_duplicate(violation);
    }
}

void Users::update_profile(const User& user) {
    try {
        db_.execute(kUpdateProfile,
                    {user.id, user.username, user.email, std::int64_t{user.two_fa_enable},
                     std::int64_t{user.email_verified}, user.lang});
    } catch (const UniqueViolation& violation) {
        throw_duplicate(violation);
    }
}

void Users::update_password(const std::string& user_id, const std::string& password_hash,
                            std::int64_t changed_at) {
    db_.execute(kUpdatePassword, {user_id, password_hash, changed_at});
}

void Users::replace_password_hash(const std::string& user_id, const std::string& password_hash) {
    db_.execute(kReplacePasswordHash, {user_id, password_hash});
}

void Users::record_login(const std::string& user_id, std::int64_t at) {
    db_.execute(kRecordLogin, {user_id, at});
}

void Users::set_email_verified(const std::string& user_id, bool verified) {
    db_.execute(kSetEmailVerified, {user_id, std::int64_t{verified}});
}

void Users::finish_creation(const std::string& user_id) {
    db_.execute(kFinishUserCreation, {user_id});
}

void Users::update_imported(const User& u) {
    try {
        db_.execute(kUpdateImportedUser,
                    {u.id, u.username, u.email, u.password_hash, std::int64_t{u.two_fa_enable},
                     u.lang, std::int64_t{u.is_active}, u.date_joined,
                     optional_integer(u.last_login), u.password_changed_at});
    } catch (const UniqueViolation& violation) {
        throw_duplicate(violation);
    }
}

void Users::remove(const std::string& user_id) {
    for (std::string_view statement : kDeleteUser)
        db_.execute(statement, {user_id});
}

void Users::record_second_factor_failure(const std::string& user_id, std::int64_t at) {
    db_.execute(kRecordSecondFactorFailure, {user_id, at});
}

void Users::reset_second_factor_failures(const std::string& user_id) {
    db_.execute(kResetSecondFactorFailures, {user_id});
}

}  // namespace authd::store
