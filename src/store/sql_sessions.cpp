// The sessions table.
#include <string>

#include "store/sessions.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kSessionColumns =
    "id, user_id, created_at, last_used_at, auth_time, expires_at, refresh_hash, "
    "previous_refresh_hash, rotated_at, revoked_at, user_agent, ip, auth_method";
const std::string kSelectSession =
    std::string("SELECT ") + std::string(kSessionColumns) + " FROM sessions WHERE id = $1";
// The session's columns named "session_..." (users has an id too), then the user's from a
// derived table, whose own "users" the columns' subquery refers to.
constexpr std::string_view kSessionPrefix = "session_";
const std::string kSelectSessionWithUser =
    "SELECT sessions.id AS session_id, sessions.user_id AS session_user_id, "
    "sessions.created_at AS session_created_at, sessions.last_used_at AS session_last_used_at, "
    "sessions.auth_time AS session_auth_time, sessions.expires_at AS session_expires_at, "
    "sessions.refresh_hash AS session_refresh_hash, "
    "sessions.previous_refresh_hash AS session_previous_refresh_hash, "
    "sessions.rotated_at AS session_rotated_at, sessions.revoked_at AS session_revoked_at, "
    "sessions.user_agent AS session_user_agent, sessions.ip AS session_ip, "
    "sessions.auth_method AS session_auth_method, u.* "
    "FROM sessions JOIN (SELECT " +
    std::string(kUserColumns) + " FROM users) u ON u.id = sessions.user_id WHERE sessions.id = $1";
const std::string kSelectLiveSessions = std::string("SELECT ") + std::string(kSessionColumns) +
                                        " FROM sessions WHERE user_id = $1 AND " +
                                        live_session_sql("$2") + " ORDER BY created_at DESC, id";
const std::string kCountLiveSessions = "SELECT count(*) AS total FROM sessions WHERE " +
                                       live_session_sql("$1") + " AND last_used_at >= $2";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (id, user_id, created_at, last_used_at, auth_time, expires_at, "
    "refresh_hash, previous_refresh_hash, rotated_at, revoked_at, user_agent, ip, auth_method) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, $8, $9, $10)";
constexpr std::string_view kRotateRefresh =
    "UPDATE sessions SET previous_refresh_hash = refresh_hash, refresh_hash = $3, "
    "rotated_at = $4, last_used_at = $4 "
    "WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL";
constexpr std::string_view kReplaceRefresh =
    "UPDATE sessions SET previous_refresh_hash = NULL, rotated_at = NULL, refresh_hash = $2, "
    "last_used_at = $3 WHERE id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeSession =
    "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 "
    "WHERE id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUserSessions =
    "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4";
const std::string kSelectAllSessions = std::string("SELECT ") + std::string(kSessionColumns) +
                                       " FROM sessions WHERE user_id = $1"
                                       " ORDER BY created_at DESC, id";
constexpr std::string_view kSelectRevokeReason = "SELECT revoke_reason FROM sessions WHERE id = $1";

class SessionReader {
  public:
    explicit SessionReader(const Result& result, std::string_view prefix = {})
        : SessionReader(ColumnFinder(result, prefix)) {}

    Session operator()(const Row& row) const {
        Session session;
        session.id = row.text(id_);
        session.user_id = row.text(user_id_);
        session.created_at = row.integer(created_at_);
        session.last_used_at = row.integer(last_used_at_);
        session.auth_time = row.integer(auth_time_);
        session.expires_at = row.integer(expires_at_);
        session.refresh_hash = row.text(refresh_hash_);
        session.previous_refresh_hash = row.optional_text(previous_refresh_hash_);
        session.rotated_at = row.optional_integer(rotated_at_);
        session.revoked_at = row.optional_integer(revoked_at_);
        session.user_agent = row.text(user_agent_);
        session.ip = row.text(ip_);
        session.auth_method = row.text(auth_method_);
        return session;
    }

  private:
    explicit SessionReader(ColumnFinder find)
        : id_(find("id")),
          user_id_(find("user_id")),
          created_at_(find("created_at")),
          last_used_at_(find("last_used_at")),
          auth_time_(find("auth_time")),
          expires_at_(find("expires_at")),
          refresh_hash_(find("refresh_hash")),
          previous_refresh_hash_(find("previous_refresh_hash")),
          rotated_at_(find("rotated_at")),
          revoked_at_(find("revoked_at")),
          user_agent_(find("user_agent")),
          ip_(find("ip")),
          auth_method_(find("auth_method")) {}

    Column id_, user_id_, created_at_, last_used_at_, auth_time_, expires_at_, refresh_hash_,
        previous_refresh_hash_, rotated_at_, revoked_at_, user_agent_, ip_, auth_method_;
};

}  // namespace

void Sessions::insert(const Session& s) {
    db_.execute(kInsertSession, {s.id, s.user_id, s.created_at, s.last_used_at, s.auth_time,
                                 s.expires_at, s.refresh_hash, s.user_agent, s.ip, s.auth_method});
}

std::optional<Session> Sessions::find(const std::string& session_id) {
    return read_first<SessionReader>(db_.execute(kSelectSession, {session_id}));
}

std::optional<std::pair<Session, User>> Sessions::find_with_user(const std::string& session_id) {
    const Result result = db_.execute(kSelectSessionWithUser, {session_id});
    if (result.rows.empty()) return std::nullopt;
    const Row& row = result.rows.front();
    return std::pair{SessionReader(result, kSessionPrefix)(row), UserReader(result)(row)};
}

bool Sessions::rotate_refresh(const std::string& session_id, const std::string& expected_hash,
                              const std::string& new_hash, std::int64_t at) {
    return db_.execute(kRotateRefresh, {session_id, expected_hash, new_hash, at}).affected == 1;
}

void Sessions::replace_refresh(const std::string& session_id, const std::string& new_hash,
                               std::int64_t at) {
    db_.execute(kReplaceRefresh, {session_id, new_hash, at});
}

bool Sessions::revoke(const std::string& session_id, std::int64_t at, std::string_view reason) {
    return db_.execute(kRevokeSession, {session_id, at, std::string(reason)}).affected == 1;
}

int Sessions::revoke_all_of_user(const std::string& user_id, std::int64_t at,
                                 std::string_view reason, const std::string& except_session_id) {
    return static_cast<int>(
        db_.execute(kRevokeUserSessions, {user_id, at, std::string(reason), except_session_id})
            .affected);
}

std::vector<Session> Sessions::live_of_user(const std::string& user_id, std::int64_t now) {
    return read_all<SessionReader>(db_.execute(kSelectLiveSessions, {user_id, now}));
}

std::int64_t Sessions::count_live(std::int64_t now, std::int64_t used_since) {
    return single_integer(db_.execute(kCountLiveSessions, {now, used_since}), "total");
}

std::vector<Session> Sessions::all_of_user(const std::string& user_id) {
    return read_all<SessionReader>(db_.execute(kSelectAllSessions, {user_id}));
}

std::optional<std::string> Sessions::revoke_reason(const std::string& session_id) {
    const Result result = db_.execute(kSelectRevokeReason, {session_id});
    if (result.rows.empty()) return std::nullopt;
    return result.rows.front().optional_text(result.column("revoke_reason"));
}

}  // namespace authd::store
