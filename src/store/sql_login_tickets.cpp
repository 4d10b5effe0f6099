// The login_tickets table.
#include <string>

#include "store/login_tickets.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kTicketColumns =
    "ticket_hash, user_id, created_at, expires_at, failures, used_at, email_code_hash, "
    "email_code_sent_at, ip, user_agent, first_passkey_id";
constexpr std::string_view kInsertTicket =
    "INSERT INTO login_tickets (ticket_hash, user_id, created_at, expires_at, failures, used_at, "
    "email_code_hash, email_code_sent_at, ip, user_agent, first_passkey_id) "
    "VALUES ($1, $2, $3, $4, 0, NULL, NULL, NULL, $5, $6, $7)";
const std::string kSelectTicket = std::string("SELECT ") + std::string(kTicketColumns) +
                                  " FROM login_tickets WHERE ticket_hash = $1";
// $2 is now, $3 the most wrong codes a ticket takes.
const std::string kSelectLiveTickets = std::string("SELECT ") + std::string(kTicketColumns) +
                                       " FROM login_tickets WHERE user_id = $1 AND " +
                                       live_ticket_sql("$2", "$3") +
                                       " ORDER BY created_at DESC, ticket_hash";
constexpr std::string_view kCountTicketFailure =
    "UPDATE login_tickets SET failures = failures + 1 WHERE ticket_hash = $1";
const std::string kAdmitTicketAttempt =
    "UPDATE login_tickets SET failures = failures + 1 WHERE ticket_hash = $1 AND " +
    live_ticket_sql("$2", "$3");
const std::string kUseTicket = "UPDATE login_tickets SET used_at = $2 WHERE ticket_hash = $1 AND " +
                               live_ticket_sql("$2", "$3");
constexpr std::string_view kSetTicketEmailCode =
    "UPDATE login_tickets SET email_code_hash = $2, email_code_sent_at = $3 "
    "WHERE ticket_hash = $1";
constexpr std::string_view kDeleteUserTickets = "DELETE FROM login_tickets WHERE user_id = $1";
constexpr std::string_view kDeleteExpiredTickets =
    "DELETE FROM login_tickets WHERE expires_at <= $1";

class TicketReader {
  public:
    explicit TicketReader(const Result& result) : TicketReader(ColumnFinder(result)) {}

    LoginTicket operator()(const Row& row) const {
        LoginTicket ticket;
        ticket.ticket_hash = row.text(ticket_hash_);
        ticket.user_id = row.text(user_id_);
        ticket.created_at = row.integer(created_at_);
        ticket.expires_at = row.integer(expires_at_);
        ticket.failures = static_cast<int>(row.integer(failures_));
        ticket.used_at = row.optional_integer(used_at_);
        ticket.email_code_hash = row.optional_text(email_code_hash_);
        ticket.email_code_sent_at = row.optional_integer(email_code_sent_at_);
        ticket.ip = row.text(ip_);
        ticket.user_agent = row.text(user_agent_);
        ticket.first_passkey_id = row.text(first_passkey_id_);
        return ticket;
    }

  private:
    explicit TicketReader(ColumnFinder find)
        : ticket_hash_(find("ticket_hash")),
          user_id_(find("user_id")),
          created_at_(find("created_at")),
          expires_at_(find("expires_at")),
          failures_(find("failures")),
          used_at_(find("used_at")),
          email_code_hash_(find("email_code_hash")),
          email_code_sent_at_(find("email_code_sent_at")),
          ip_(find("ip")),
          user_agent_(find("user_agent")),
          first_passkey_id_(find("first_passkey_id")) {}

    Column ticket_hash_, user_id_, created_at_, expires_at_, failures_, used_at_, email_code_hash_,
        email_code_sent_at_, ip_, user_agent_, first_passkey_id_;
};

}  // namespace

void LoginTickets::insert(const LoginTicket& t) {
    db_.execute(kInsertTicket, {t.ticket_hash, t.user_id, t.created_at, t.expires_at, t.ip,
                                t.user_agent, t.first_passkey_id});
}

std::optional<LoginTicket> LoginTickets::find(const std::string& ticket_hash) {
    return read_first<TicketReader>(db_.execute(kSelectTicket, {ticket_hash}));
}

std::vector<LoginTicket> LoginTickets::live_of_user(const std::string& user_id, std::int64_t now,
                                                    int max_failures) {
    return read_all<TicketReader>(
        db_.execute(kSelectLiveTickets, {user_id, now, std::int64_t{max_failures}}));
}

void LoginTickets::count_failure(const std::string& ticket_hash) {
    db_.execute(kCountTicketFailure, {ticket_hash});
}

bool LoginTickets::admit_attempt(const std::string& ticket_hash, std::int64_t now,
                                 int max_failures) {
    return db_.execute(kAdmitTicketAttempt, {ticket_hash, now, std::int64_t{max_failures}})
               .affected == 1;
}

bool LoginTickets::use(const std::string& ticket_hash, std::int64_t now, int max_failures) {
    return db_.execute(kUseTicket, {ticket_hash, now, std::int64_t{max_failures}}).affected == 1;
}

void LoginTickets::set_email_code(const std::string& ticket_hash, const std::string& code_hash,
                                  std::int64_t at) {
    db_.execute(kSetTicketEmailCode, {ticket_hash, code_hash, at});
}

void LoginTickets::delete_of_user(const std::string& user_id) {
    db_.execute(kDeleteUserTickets, {user_id});
}

void LoginTickets::delete_expired(std::int64_t before) {
    db_.execute(kDeleteExpiredTickets, {before});
}

}  // namespace authd::store
