#include "auth/login.h"

#include "util/errors.h"

namespace authd::auth {

LoginFlow::LoginFlow(store::Store& store, Sessions& sessions, TwoFactor& two_factor,
                     LoginLimits& limits, Audit& audit)
    : store_(store),
      sessions_(sessions),
      two_factor_(two_factor),
      limits_(limits),
      audit_(audit) {}

store::User LoginFlow::check_password(std::string_view login, std::string_view password,
                                      const ClientInfo& client, std::string& account_key) {
    std::optional<store::User> user = sessions_.find_account(login);
    account_key = LoginLimits::account_key(user, login);
    try {
        // Before the password is looked at, so a limited attempt learns nothing about it.
        limits_.check(account_key, client.ip);
    } catch (const Error&) {
        store_.write([&](store::Transaction& tx) {
            audit_.record(tx, event::rate_limited, user ? &*user : nullptr, {}, "login");
        });
        throw;
    }
    try {
        return sessions_.check_password(user, password);
    } catch (const Error& error) {
        if (error.kind() != ErrorKind::unauthenticated) throw;
        store_.write([&](store::Transaction& tx) {
            limits_.record_failure(tx, account_key, client.ip);
            audit_.record(tx, event::login_failed, user ? &*user : nullptr, {},
                          !user               ? "unknown_account"
                          : !user->is_active ? "inactive_account"
                                              : "wrong_password");
        });
        throw;
    }
}

TwoFactor::Outcomes LoginFlow::code_outcomes(Sessions::LoginResult& result,
                                             const ClientInfo& client) {
    TwoFactor::Outcomes outcomes;
    outcomes.success = [&](store::Transaction& tx, const store::User& user) {
        result = sessions_.open(tx, user, client);
        limits_.record_success(tx, LoginLimits::account_key(user, ""), client.ip);
        audit_.record(tx, event::login_succeeded, user, result.session_id, "second_factor");
    };
    // Wrong codes count toward the account's login limits, like wrong passwords.
    outcomes.failure = [&](store::Transaction& tx, const store::User& user) {
        limits_.record_failure(tx, LoginLimits::account_key(user, ""), client.ip);
        audit_.record(tx, event::login_failed, user, {}, "wrong_code");
    };
    return outcomes;
}

LoginOutcome LoginFlow::password_step(std::string_view login, std::string_view password,
                                      const ClientInfo& client) {
    std::string account_key;
    const store::User user = check_password(login, password, client, account_key);
    LoginOutcome outcome;
    if (second_factor_required(user)) {
        outcome.challenge = two_factor_.challenge(user, client);
        store_.write([&](store::Transaction& tx) {
            audit_.record(tx, event::second_factor_requested, user);
        });
        return outcome;
    }
    store_.write([&](store::Transaction& tx) {
        outcome.session = sessions_.open(tx, user, client);
        limits_.record_success(tx, account_key, client.ip);
        audit_.record(tx, event::login_succeeded, user, outcome.session->session_id, "password");
    });
    return outcome;
}

Sessions::LoginResult LoginFlow::code_step(std::string_view ticket, std::string_view code,
                                           const ClientInfo& client) {
    Sessions::LoginResult result;
    two_factor_.complete_ticket(ticket, code, code_outcomes(result, client));
    return result;
}

Sessions::LoginResult LoginFlow::both_steps(std::string_view login, std::string_view password,
                                            std::string_view code, const ClientInfo& client) {
    std::string account_key;
    const store::User user = check_password(login, password, client, account_key);
    if (!second_factor_required(user)) {
        Sessions::LoginResult result;
        store_.write([&](store::Transaction& tx) {
            result = sessions_.open(tx, user, client);
            limits_.record_success(tx, account_key, client.ip);
            audit_.record(tx, event::login_succeeded, user, result.session_id, "password");
        });
        return result;
    }
    Sessions::LoginResult result;
    two_factor_.complete_for_user(user, code, code_outcomes(result, client));
    return result;
}

void LoginFlow::send_email_code(std::string_view ticket) { two_factor_.send_email_code(ticket); }

}  // namespace authd::auth
