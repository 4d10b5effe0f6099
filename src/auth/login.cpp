#include "auth/login.h"

namespace authd::auth {

LoginFlow::LoginFlow(Sessions& sessions, TwoFactor& two_factor)
    : sessions_(sessions), two_factor_(two_factor) {}

LoginOutcome LoginFlow::password_step(std::string_view login, std::string_view password,
                                      const ClientInfo& client) {
    const store::User user = sessions_.check_credentials(login, password);
    LoginOutcome outcome;
    if (second_factor_required(user))
        outcome.challenge = two_factor_.challenge(user, client);
    else
        outcome.session = sessions_.open(user, client);
    return outcome;
}

Sessions::LoginResult LoginFlow::code_step(std::string_view ticket, std::string_view code,
                                           const ClientInfo& client) {
    Sessions::LoginResult result;
    two_factor_.complete_ticket(ticket, code, [&](store::Transaction& tx, const store::User& user) {
        result = sessions_.open(tx, user, client);
    });
    return result;
}

Sessions::LoginResult LoginFlow::both_steps(std::string_view login, std::string_view password,
                                            std::string_view code, const ClientInfo& client) {
    const store::User user = sessions_.check_credentials(login, password);
    if (!second_factor_required(user)) return sessions_.open(user, client);
    Sessions::LoginResult result;
    two_factor_.complete_for_user(user, code,
                                  [&](store::Transaction& tx, const store::User& current) {
                                      result = sessions_.open(tx, current, client);
                                  });
    return result;
}

void LoginFlow::send_email_code(std::string_view ticket) {
    two_factor_.send_email_code(ticket);
}

}  // namespace authd::auth
