#include "auth/login.h"

#include "auth/user_rules.h"
#include "crypto/password_hasher.h"
#include "util/errors.h"

namespace authd::auth {
namespace {

// Of concurrent uses of one code, the losers end here: what they spent is rolled back.
struct CodeAlreadySpent {};

[[noreturn]] void throw_invalid_code() {
    throw Error(ErrorKind::unauthenticated, "invalid_code", i18n::keys::code_invalid);
}

[[noreturn]] void throw_passkey_refused(const PasskeyRefused& refused) {
    const std::string code(refused.code());
    switch (refused.reason()) {
        case PasskeyRefused::Reason::unknown_credential:
            throw Error(ErrorKind::unauthenticated, code, i18n::keys::passkey_unknown);
        case PasskeyRefused::Reason::counter_regressed:
            throw Error(ErrorKind::unauthenticated, code, i18n::keys::passkey_counter_regressed);
        case PasskeyRefused::Reason::inactive_account:
            throw_login_failed();
        case PasskeyRefused::Reason::invalid:
            break;
    }
    throw Error(ErrorKind::unauthenticated, code,
                i18n::Message(i18n::keys::passkey_not_verified, {{"reason", refused.what()}}));
}

}  // namespace

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
        case Outcome::passkey_refused:
            return "passkey_refused";
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

LoginFlow::LoginFlow(store::Store& store, PasswordCheck& passwords, Passkeys& passkeys,
                     Sessions& sessions, TwoFactor& two_factor, LoginLimits& limits, Audit& audit,
                     LoginCounters* counters)
    : store_(store),
      passwords_(passwords),
      passkeys_(passkeys),
      sessions_(sessions),
      two_factor_(two_factor),
      limits_(limits),
      audit_(audit),
      counters_(counters) {}

std::optional<store::User> LoginFlow::find_account(std::string_view login) {
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        user = login.find('@') != std::string_view::npos ? tx.users().find_by_email(login)
                                                         : tx.users().find_by_username(login);
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
                audit_.record(tx, client, event::rate_limited, user ? &*user : nullptr, {},
                              "login");
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
        audit_.record(tx, client, event::login_failed, user ? &*user : nullptr, {},
                      unknown    ? "unknown_account"
                      : inactive ? "inactive_account"
                                 : "wrong_password");
    });
    count(unknown    ? LoginCounters::Outcome::unknown_account
          : inactive ? LoginCounters::Outcome::inactive_account
                     : LoginCounters::Outcome::wrong_password);
    throw_login_failed();
}

Sessions::LoginResult LoginFlow::finish_login(store::Transaction& tx, const store::User& user,
                                              const ClientInfo& client, std::string_view method,
                                              const std::string& pair, std::string_view proof) {
    Sessions::LoginResult result = sessions_.open(tx, user, client, proof);
    limits_.record_success(tx, pair, client.ip);
    audit_.record(tx, client, event::login_succeeded, user, result.session_id, method);
    return result;
}

Sessions::LoginResult LoginFlow::password_login(const store::User& user, std::string_view login,
                                                const ClientInfo& client) {
    Sessions::LoginResult result;
    store_.write([&](store::Transaction& tx) {
        result = finish_login(tx, user, client, "password", LoginLimits::identifier_key(login));
    });
    count(LoginCounters::Outcome::success);
    return result;
}

void LoginFlow::refuse_if_locked(const store::User& user) {
    if (const std::int64_t wait = two_factor_.lockout_wait(user)) {
        count(LoginCounters::Outcome::throttled);
        throw_rate_limited(wait);
    }
}

Sessions::LoginResult LoginFlow::second_step(const TwoFactor::Attempt& attempt,
                                             std::string_view code, const ClientInfo& client) {
    const TwoFactor::Match match = two_factor_.match(attempt, code, client);
    std::optional<Sessions::LoginResult> result;
    if (match.found()) {
        try {
            store_.write([&](store::Transaction& tx) {
                result.reset();  // a retried transaction starts over
                const std::optional<store::User> user =
                    two_factor_.spend(tx, attempt, match, client);
                if (!user) throw CodeAlreadySpent{};
                // A code after a passkey's first step: a passkey took part.
                result = finish_login(tx, *user, client, "second_factor",
                                      LoginLimits::account_key(user, ""),
                                      attempt.first_passkey_id.empty() ? "password" : "passkey");
            });
        } catch (const CodeAlreadySpent&) {
            result.reset();  // another request used it first: a wrong code
        }
    }
    if (result) {
        count(LoginCounters::Outcome::success);
        return std::move(*result);
    }
    // Wrong codes count toward the account's login limits, like wrong passwords.
    store_.write([&](store::Transaction& tx) {
        two_factor_.record_wrong_code(tx, attempt);
        limits_.record_failure(tx, LoginLimits::account_key(attempt.user, ""), client.ip);
        audit_.record(tx, client, event::login_failed, attempt.user, {}, "wrong_code");
    });
    count(LoginCounters::Outcome::wrong_code);
    throw_invalid_code();
}

LoginOutcome LoginFlow::password_step(std::string_view login, std::string_view password,
                                      const ClientInfo& client) {
    const store::User user = verified_account(login, password, client);
    if (!second_factor_required(user)) return {password_login(user, login, client), {}};
    LoginOutcome outcome;
    store_.write([&](store::Transaction& tx) {
        outcome.challenge = two_factor_.challenge(tx, user, client);
        audit_.record(tx, client, event::second_factor_requested, user);
    });
    count(LoginCounters::Outcome::second_factor_required);
    return outcome;
}

Sessions::LoginResult LoginFlow::code_step(std::string_view ticket, std::string_view code,
                                           const ClientInfo& client) {
    const std::optional<TwoFactor::Attempt> attempt = two_factor_.ticket_attempt(ticket);
    if (!attempt) throw_invalid_ticket();
    refuse_if_locked(attempt->user);
    if (!two_factor_.admit(*attempt)) throw_invalid_ticket();
    return second_step(*attempt, code, client);
}

Sessions::LoginResult LoginFlow::both_steps(std::string_view login, std::string_view password,
                                            std::string_view code, const ClientInfo& client) {
    const store::User user = verified_account(login, password, client);
    if (!second_factor_required(user)) return password_login(user, login, client);
    refuse_if_locked(user);
    return second_step(two_factor_.password_attempt(user), code, client);
}

void LoginFlow::send_email_code(std::string_view ticket, const ClientInfo& client) {
    two_factor_.send_email_code(ticket, client);
}

VerifiedAssertion LoginFlow::verified_passkey(const boost::json::value& credential,
                                              const TwoFactor::Attempt* attempt,
                                              const ClientInfo& client) {
    try {
        return attempt ? passkeys_.verify_assertion(credential, *attempt->ticket_hash,
                                                    attempt->first_passkey_id)
                       : passkeys_.verify_assertion(credential, {});
    } catch (const PasskeyRefused& refused) {
        refuse_passkey(refused, attempt, client);
    }
}

void LoginFlow::refuse_passkey(const PasskeyRefused& refused, const TwoFactor::Attempt* attempt,
                               const ClientInfo& client) {
    using Reason = PasskeyRefused::Reason;
    const store::User* user = attempt          ? &attempt->user
                              : refused.user() ? &*refused.user()
                                               : nullptr;
    store_.write([&](store::Transaction& tx) {
        if (attempt) two_factor_.record_wrong_code(tx, *attempt);
        // An unknown credential names no account: a key no account has, for the address's count.
        limits_.record_failure(tx, user ? LoginLimits::account_key(*user, "") : "passkey:unknown",
                               client.ip);
        audit_.record(tx, client, event::login_failed, user, {}, refused.code());
        if (refused.reason() == Reason::counter_regressed)
            audit_.record(tx, client, event::passkey_counter_regressed, user, {},
                          refused.passkey_id());
    });
    count(attempt                                          ? LoginCounters::Outcome::wrong_code
          : refused.reason() == Reason::unknown_credential ? LoginCounters::Outcome::unknown_account
          : refused.reason() == Reason::inactive_account ? LoginCounters::Outcome::inactive_account
                                                         : LoginCounters::Outcome::passkey_refused);
    throw_passkey_refused(refused);
}

LoginOutcome LoginFlow::passkey_step(const boost::json::value& credential,
                                     const ClientInfo& client) {
    const VerifiedAssertion assertion = verified_passkey(credential, nullptr, client);
    const store::User& user = assertion.user;
    LoginOutcome outcome;
    try {
        store_.write([&](store::Transaction& tx) {
            outcome = {};
            // Of two logins that read the same counter, the second is refused.
            if (!passkeys_.record_use(tx, assertion)) throw CodeAlreadySpent{};
            // UV is both factors; otherwise a factor other than this passkey, if one is ready.
            const bool other_passkey = tx.passkeys().of_user(user.id).size() > 1;
            if (!assertion.user_verified && second_factor_required(user, other_passkey)) {
                outcome.challenge =
                    two_factor_.challenge(tx, user, client, assertion.passkey.id, other_passkey);
                audit_.record(tx, client, event::second_factor_requested, user, {}, "passkey");
            } else {
                outcome.session = finish_login(tx, user, client, "passkey",
                                               LoginLimits::account_key(user, ""), "passkey");
            }
        });
    } catch (const CodeAlreadySpent&) {
        refuse_passkey(PasskeyRefused(PasskeyRefused::Reason::counter_regressed,
                                      "used twice at once", user, assertion.passkey.id),
                       nullptr, client);
    }
    count(outcome.challenge ? LoginCounters::Outcome::second_factor_required
                            : LoginCounters::Outcome::success);
    return outcome;
}

webauthn::RequestOptions LoginFlow::passkey_options(std::string_view ticket,
                                                    const ClientInfo& client) {
    const std::optional<TwoFactor::Attempt> attempt = two_factor_.ticket_attempt(ticket);
    if (!attempt) throw_invalid_ticket();
    return passkeys_.second_factor_options(attempt->user, *attempt->ticket_hash,
                                           attempt->first_passkey_id, client);
}

Sessions::LoginResult LoginFlow::passkey_second_step(std::string_view ticket,
                                                     const boost::json::value& credential,
                                                     const ClientInfo& client) {
    const std::optional<TwoFactor::Attempt> attempt = two_factor_.ticket_attempt(ticket);
    if (!attempt) throw_invalid_ticket();
    refuse_if_locked(attempt->user);
    if (!two_factor_.admit(*attempt)) throw_invalid_ticket();
    const VerifiedAssertion assertion = verified_passkey(credential, &*attempt, client);
    std::optional<Sessions::LoginResult> result;
    try {
        store_.write([&](store::Transaction& tx) {
            result.reset();
            TwoFactor::Match match;
            match.kind = TwoFactor::Match::Kind::passkey;
            const std::optional<store::User> user = two_factor_.spend(tx, *attempt, match, client);
            if (!user || !passkeys_.record_use(tx, assertion)) throw CodeAlreadySpent{};
            result = finish_login(tx, *user, client, "second_factor",
                                  LoginLimits::account_key(user, ""), "passkey");
        });
    } catch (const CodeAlreadySpent&) {
        // Another request spent the ticket or used the passkey first: a wrong code, as for a
        // code spent twice.
        refuse_passkey(PasskeyRefused(PasskeyRefused::Reason::invalid, "used twice at once",
                                      attempt->user, assertion.passkey.id),
                       &*attempt, client);
    }
    count(LoginCounters::Outcome::success);
    return std::move(*result);
}

}  // namespace authd::auth
