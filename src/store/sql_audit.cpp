// The security_events table.
#include <string>

#include "store/audit.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kInsertSecurityEvent =
    "INSERT INTO security_events (id, at, kind, user_id, username, session_id, ip, user_agent, "
    "detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kEventColumns =
    "id, at, kind, user_id, username, session_id, ip, user_agent, detail, repeats";
const std::string kSelectLatestEvent =
    std::string("SELECT ") + std::string(kEventColumns) +
    " FROM security_events WHERE kind = $1 AND ip = $2 AND at >= $3 ORDER BY at DESC, id DESC"
    " LIMIT 1";
constexpr std::string_view kRepeatEvent =
    "UPDATE security_events SET at = $2, detail = $3, repeats = repeats + 1 WHERE id = $1";
const std::string kSelectUserEvents = std::string("SELECT ") + std::string(kEventColumns) +
                                      " FROM security_events WHERE user_id = $1"
                                      " ORDER BY at DESC, id DESC LIMIT $2";
const std::string kSelectSessionEvents = std::string("SELECT ") + std::string(kEventColumns) +
                                         " FROM security_events WHERE session_id = $1"
                                         " ORDER BY at DESC, id DESC LIMIT $2";
constexpr std::string_view kPruneSecurityEvents = "DELETE FROM security_events WHERE at < $1";

class EventReader {
  public:
    explicit EventReader(const Result& result) : EventReader(ColumnFinder(result)) {}

    SecurityEvent operator()(const Row& row) const {
        SecurityEvent event;
        event.id = row.text(id_);
        event.at = row.integer(at_);
        event.kind = row.text(kind_);
        event.user_id = row.optional_text(user_id_);
        event.username = row.text(username_);
        event.session_id = row.optional_text(session_id_);
        event.ip = row.text(ip_);
        event.user_agent = row.text(user_agent_);
        event.detail = row.text(detail_);
        event.repeats = static_cast<int>(row.integer(repeats_));
        return event;
    }

  private:
    explicit EventReader(ColumnFinder find)
        : id_(find("id")),
          at_(find("at")),
          kind_(find("kind")),
          user_id_(find("user_id")),
          username_(find("username")),
          session_id_(find("session_id")),
          ip_(find("ip")),
          user_agent_(find("user_agent")),
          detail_(find("detail")),
          repeats_(find("repeats")) {}

    Column id_, at_, kind_, user_id_, username_, session_id_, ip_, user_agent_, detail_, repeats_;
};

}  // namespace

void Audit::insert(const SecurityEvent& e) {
    db_.execute(kInsertSecurityEvent, {e.id, e.at, e.kind, optional_text(e.user_id), e.username,
                                       optional_text(e.session_id), e.ip, e.user_agent, e.detail});
}

std::vector<SecurityEvent> Audit::of_user(const std::string& user_id, int limit) {
    return read_all<EventReader>(db_.execute(kSelectUserEvents, {user_id, std::int64_t{limit}}));
}

std::vector<SecurityEvent> Audit::of_session(const std::string& session_id, int limit) {
    return read_all<EventReader>(
        db_.execute(kSelectSessionEvents, {session_id, std::int64_t{limit}}));
}

std::optional<SecurityEvent> Audit::latest(std::string_view kind, const std::string& ip,
                                           std::int64_t since) {
    return read_first<EventReader>(db_.execute(kSelectLatestEvent, {std::string(kind), ip, since}));
}

void Audit::repeat(const std::string& id, std::int64_t at, const std::string& detail) {
    db_.execute(kRepeatEvent, {id, at, detail});
}

void Audit::prune(std::int64_t before) {
    db_.execute(kPruneSecurityEvents, {before});
}

}  // namespace authd::store
