#include "auth/login.h"

#include "auth/user_rules.h"
#include "crypto/password_hasher.h"
#include "util/errors.h"

namespace authd::auth {

std::string_view LoginCounters::name(Outcome outcome) {
    switch (outcome) {
        case Outcome::success:
            return "success";
        case Outcome::second_factor_required:
            return "second_factor_required";
        case Outcome::wrong_password:
            return "wrong_password";
        case Outcome::unknown_account:
            return "unknown_account";
        case Outcome::inactive_account:
            return "inactive_account";
        case Outcome::throttled:
            return "throttled";
        case Outcome::wrong_code:
            return "wrong_code";
    }
    return "unknown";
}

void LoginCounters::collect(metrics::Writer& out) const {
    out.family("authd_logins_total", "counter", "Login attempts by how they ended.");
    for (std::size_t i = 0; i < outcome_count; ++i) {
        const auto outcome = static_cast<Outcome>(i);
        out.sample("authd_logins_total", {{"outcome", name(outcome)}}, value(outcome));
    }
}

LoginFlow::LoginFlow(store::Store& store, PasswordCheck& passwords, Sessions& sessions,
                     TwoFactor& two_factor, LoginLimits& limits, Audit& audit,
                     LoginCounters* counters)
    : store_(store),
      passwords_(passwords),
      sessions_(sessions),
      two_factor_(two_factor),
      limits_(limits),
      audit_(audit),
      counters_(counters) {}

std::optional<store::User> LoginFlow::find_account(std::string_view login) {
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        user = login.find('@') != std::string_view::npos ? tx.user_by_email(login)
                                                         : tx.user_by_username(login);
    });
    return user;
}

store::User LoginFlow::verified_account(std::string_view login, std::string_view password,
                                        const ClientInfo& client) {
    std::optional<store::User> user = find_account(login);
    bool matched = false;
    try {
        // The check of an existing account's password keeps its reserved share of the hash pool,
        // whatever floods the rest of it (registrations, unknown names).
        matched = passwords_.matches(user, login, password, client.ip, crypto::HashPurpose::login);
    } catch (const Error& error) {
        if (error.kind() == ErrorKind::rate_limited) {
            store_.write([&](store::Transaction& tx) {
                audit_.record(tx, event::rate_limited, user ? &*user : nullptr, {}, "login");
            });
            count(LoginCounters::Outcome::throttled);
        }
        throw;
    }
    if (matched) return std::move(*user);
    // The failure was counted when the attempt was admitted.
    const bool unknown = !user;
    const bool inactive = user && !user->is_active;
    store_.write([&](store::Transaction& tx) {
        audit_.record(tx, event::login_failed, user ? &*user : nullptr, {},
                      unknown    ? "unknown_account"
                      : inactive ? "inactive_account"
                                 : "wrong_password");
    });
    count(unknown    ? LoginCounters::Outcome::unknown_account
          : inactive ? LoginCounters::Outcome::inactive_account
                     : LoginCounters::Outcome::wrong_password);
    throw_login_failed();
}

TwoFactor::Outcomes LoginFlow::code_outcomes(Sessions::LoginResult& result,
                                             const ClientInfo& client, bool& wrong_code) {
    TwoFactor::Outcomes outcomes;
    outcomes.success = [&](store::Transaction& tx, const store::User& user) {
        result = sessions_.open(tx, user, client);
        limits_.record_success(tx, LoginLimits::account_key(user, ""), client.ip);
        audit_.record(tx, event::login_succeeded, user, result.session_id, "second_factor");
    };
    // Wrong codes count toward the account's login limits, like wrong passwords.
    outcomes.failure = [&](store::Transaction& tx, const store::User& user) {
        wrong_code = true;
        limits_.record_failure(tx, LoginLimits::account_key(user, ""), client.ip);
        audit_.record(tx, event::login_failed, user, {}, "wrong_code");
    };
    return outcomes;
}

Sessions::LoginResult LoginFlow::second_step(
    const ClientInfo& client, const std::function<void(const TwoFactor::Outcomes&)>& complete) {
    Sessions::LoginResult result;
    bool wrong_code = false;
    try {
        complete(code_outcomes(result, client, wrong_code));
    } catch (const Error& error) {
        // A wrong code is answered 401 once its failure is committed; a locked account 429.
        if (wrong_code && error.kind() == ErrorKind::unauthenticated)
            count(LoginCounters::Outcome::wrong_code);
        else if (error.kind() == ErrorKind::rate_limited)
            count(LoginCounters::Outcome::throttled);
        throw;
    }
    count(LoginCounters::Outcome::success);
    return result;
}

LoginOutcome LoginFlow::password_step(std::string_view login, std::string_view password,
                                      const ClientInfo& client) {
    const store::User user = verified_account(login, password, client);
    LoginOutcome outcome;
    if (second_factor_required(user)) {
        outcome.challenge = two_factor_.challenge(user, client);
        store_.write([&](store::Transaction& tx) {
            audit_.record(tx, event::second_factor_requested, user);
        });
        count(LoginCounters::Outcome::second_factor_required);
        return outcome;
    }
    store_.write([&](store::Transaction& tx) {
        outcome.session = sessions_.open(tx, user, client);
        limits_.record_success(tx, LoginLimits::identifier_key(login), client.ip);
        audit_.record(tx, event::login_succeeded, user, outcome.session->session_id, "password");
    });
    count(LoginCounters::Outcome::success);
    return outcome;
}

Sessions::LoginResult LoginFlow::code_step(std::string_view ticket, std::string_view code,
                                           const ClientInfo& client) {
    return second_step(client, [&](const TwoFactor::Outcomes& outcomes) {
        two_factor_.complete_ticket(ticket, code, outcomes);
    });
}

Sessions::LoginResult LoginFlow::both_steps(std::string_view login, std::string_view password,
                                            std::string_view code, const ClientInfo& client) {
    const store::User user = verified_account(login, password, client);
    if (!second_factor_required(user)) {
        Sessions::LoginResult result;
        store_.write([&](store::Transaction& tx) {
            result = sessions_.open(tx, user, client);
            limits_.record_success(tx, LoginLimits::identifier_key(login), client.ip);
            audit_.record(tx, event::login_succeeded, user, result.session_id, "password");
        });
        count(LoginCounters::Outcome::success);
        return result;
    }
    return second_step(client, [&](const TwoFactor::Outcomes& outcomes) {
        two_factor_.complete_for_user(user, code, outcomes);
    });
}

void LoginFlow::send_email_code(std::string_view ticket) {
    two_factor_.send_email_code(ticket);
}

}  // namespace authd::auth
