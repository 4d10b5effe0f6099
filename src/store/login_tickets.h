#pragma once
// Logins that passed the password and wait for their second factor (the login_tickets table).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct LoginTicket {
    std::string ticket_hash;
    std::string user_id;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    int failures = 0;
    std::optional<std::int64_t> used_at;
    std::optional<std::string> email_code_hash;
    std::optional<std::int64_t> email_code_sent_at;
    std::string ip;
    std::string user_agent;
    std::string first_passkey_id;  // the passkey of the first step, or "" (a password)
};

// Whether the ticket is live at `now`: not used, not expired, and fewer than `max_failures`
// wrong codes counted.
inline bool live(const LoginTicket& ticket, std::int64_t now, int max_failures) {
    return !ticket.used_at && now < ticket.expires_at && ticket.failures < max_failures;
}
// The same condition in SQL, for the statements on live tickets; `now` and `max_failures` are
// the statement's parameters that hold them ("$2", "$3"). A unit test holds the two together.
inline std::string live_ticket_sql(std::string_view now, std::string_view max_failures) {
    return "used_at IS NULL AND expires_at > " + std::string(now) + " AND failures < " +
           std::string(max_failures);
}

class LoginTickets : public Repository {
  public:
    using Repository::Repository;

    void insert(const LoginTicket& ticket);
    std::optional<LoginTicket> find(const std::string& ticket_hash);
    // The user's tickets live at `now`, newest first.
    std::vector<LoginTicket> live_of_user(const std::string& user_id, std::int64_t now,
                                          int max_failures);
    // Counts a wrong code against the ticket.
    void count_failure(const std::string& ticket_hash);
    // Counts an attempt against the ticket as a failure before its code is checked, if the
    // ticket is live at `now`; returns whether it did. Check and count are one statement, so
    // parallel attempts cannot all pass a check made before any is counted.
    bool admit_attempt(const std::string& ticket_hash, std::int64_t now, int max_failures);
    // Spends the ticket if it is live at `now`; returns whether it did (one of concurrent uses
    // wins).
    bool use(const std::string& ticket_hash, std::int64_t now, int max_failures);
    void set_email_code(const std::string& ticket_hash, const std::string& code_hash,
                        std::int64_t at);
    void delete_of_user(const std::string& user_id);
    void delete_expired(std::int64_t before);
};

}  // namespace authd::store
