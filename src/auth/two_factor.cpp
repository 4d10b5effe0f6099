#include "auth/two_factor.h"

#include <sodium.h>

#include "auth/user_rules.h"
#include "crypto/constant_time.h"
#include "crypto/password_hasher.h"
#include "mail/outbox.h"
#include "mail/templates.h"
#include "otp/qr_svg.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::auth {
namespace {

constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
constexpr std::size_t kTicketBytes = 32;
constexpr std::size_t kIdentifierBytes = 16;
constexpr int kEmailCodeDigits = 6;
// Recovery codes: 10 characters of base32 (50 bits), shown as "xxxxx-xxxxx".
constexpr std::size_t kRecoveryCodeLength = 10;
constexpr std::string_view kRecoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

// What a person may type around a code: spaces and dashes go, letters are compared in lower
// case.
std::string normalise_code(std::string_view code) {
    std::string normal;
    for (char c : code) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        normal += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return normal;
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

bool ticket_usable(const store::LoginTicket& ticket, const store::User& user, std::int64_t now,
                   int max_failures) {
    return store::live(ticket, now, max_failures) &&
           // A password changed since the password step ends the login.
           user.password_changed_at <= ticket.created_at && user.is_active;
}

// Spends the step of a code from an app (of concurrent uses of one code, one wins); returns
// whether it did. The first code of an app confirms it, and an app confirmed replaces the one
// confirmed before it.
bool use_app_code(store::Transaction& tx, const std::string& user_id, const std::string& device_id,
                  std::int64_t step, bool confirms, std::int64_t now) {
    store::SecondFactors& factors = tx.second_factors();
    if (!factors.use_totp_step(device_id, step)) return false;
    if (confirms) {
        factors.confirm_totp_device(device_id, now);
        factors.delete_other_confirmed_totp(user_id, device_id);
    }
    return true;
}

}  // namespace

void throw_invalid_ticket() {
    throw Error(ErrorKind::unauthenticated, "invalid_ticket", i18n::keys::ticket_invalid);
}

TwoFactor::TwoFactor(store::Store& store, crypto::PasswordHasher& hasher, mail::Outbox& outbox,
                     RateLimiter& limiter, Notices& notices,
                     const Reauthentication& reauthentication, Audit& audit, const Secrets& secrets,
                     const Clock& clock, Random& random, TwoFactorSettings settings)
    : store_(store),
      hasher_(hasher),
      outbox_(outbox),
      limiter_(limiter),
      notices_(notices),
      reauthentication_(reauthentication),
      audit_(audit),
      secrets_(secrets),
      sealed_box_(secrets.key_for("totp")),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)) {}

bool TwoFactor::enrolment_open(const store::TotpDevice& device) const {
    return clock_.now() - device.created_at < settings_.unconfirmed_app_lifetime;
}

void TwoFactor::notify_app_confirmed(store::Transaction& tx, const store::User& user,
                                     const ClientInfo& client) {
    notices_.authenticator_added(tx, user, clock_.now(), client.ip, client.user_agent);
}

TotpEnrolment TwoFactor::new_app(const store::User& user, store::TotpDevice& device) {
    std::string secret(kSecretBytes, '\0');
    random_.fill(reinterpret_cast<unsigned char*>(secret.data()), secret.size());
    device = store::TotpDevice{};
    device.id = random_.token(kIdentifierBytes);
    device.user_id = user.id;
    // Bound to its owner: a sealed secret copied to another user's row does not open.
    device.secret_sealed = sealed_box_.seal(secret, user.id, random_);
    device.created_at = clock_.now();
    const otp::TotpParameters parameters{device.digits, device.step, device.t0};

    TotpEnrolment enrolment;
    enrolment.secret = otp::base32_encode(secret);
    enrolment.otp_uri = otp::otpauth_uri(settings_.issuer, user.username, secret, parameters);
    enrolment.qr_svg = otp::qr_svg(enrolment.otp_uri);
    sodium_memzero(secret.data(), secret.size());
    return enrolment;
}

std::vector<std::string> TwoFactor::new_recovery_codes(const store::User& user,
                                                       std::vector<store::RecoveryCode>& rows,
                                                       const ClientInfo& client) {
    std::vector<std::string> codes;
    rows.clear();
    const std::int64_t now = clock_.now();
    for (int i = 0; i < settings_.recovery_code_count; ++i) {
        unsigned char bytes[kRecoveryCodeLength];
        random_.fill(bytes, sizeof bytes);
        std::string code;
        for (unsigned char byte : bytes)
            code += kRecoveryAlphabet[byte % kRecoveryAlphabet.size()];
        store::RecoveryCode row;
        row.id = random_.token(kIdentifierBytes);
        row.user_id = user.id;
        row.code_hash = hasher_.hash(code, {client.ip});
        row.created_at = now;
        rows.push_back(std::move(row));
        codes.push_back(code.substr(0, kRecoveryCodeLength / 2) + "-" +
                        code.substr(kRecoveryCodeLength / 2));
    }
    return codes;
}

TwoFactorSetup TwoFactor::prepare_setup(const store::User& user, const ClientInfo& client) {
    TwoFactorSetup setup;
    setup.app = new_app(user, setup.device);
    setup.recovery_codes = new_recovery_codes(user, setup.recovery_rows, client);
    return setup;
}

void TwoFactor::store_setup(store::Transaction& tx, const store::User& user,
                            const TwoFactorSetup& setup, const ClientInfo& client) {
    tx.second_factors().delete_totp_devices(user.id, true);
    tx.second_factors().insert_totp_device(setup.device);
    tx.second_factors().replace_recovery_codes(user.id, setup.recovery_rows);
    notices_.two_factor_enabled(tx, user);
    audit_.record(tx, client, event::two_factor_enabled, user);
}

TotpEnrolment TwoFactor::begin_totp(const Principal& caller,
                                    const std::optional<std::string>& password,
                                    const ClientInfo& client) {
    // A new app is a lasting second factor (it survives a password reset): as sensitive as
    // removing one, so a stolen access token alone cannot plant one.
    reauthentication_.require(caller, password, client);
    store::TotpDevice device;
    TotpEnrolment enrolment = new_app(caller.user, device);
    store_.write([&](store::Transaction& tx) {
        tx.second_factors().delete_totp_devices(caller.user.id, true);
        tx.second_factors().insert_totp_device(device);
    });
    return enrolment;
}

void TwoFactor::confirm_totp(const Principal& caller, std::string_view code,
                             const ClientInfo& client) {
    if (const std::int64_t wait = lockout_wait(caller.user)) throw_rate_limited(wait);
    std::optional<store::TotpDevice> pending;
    bool replaces = false;
    store_.read([&](store::Transaction& tx) {
        for (store::TotpDevice& device : tx.second_factors().totp_devices(caller.user.id)) {
            if (device.confirmed_at)
                replaces = true;
            else if (enrolment_open(device))
                pending = std::move(device);
        }
    });
    if (!pending) throw Error(ErrorKind::bad_request, "no_pending_app", i18n::keys::no_pending_app);
    Candidates candidates;
    candidates.devices.push_back(*pending);
    const Match match = find_match(candidates, code, client.ip);
    bool confirmed = false;
    store_.write([&](store::Transaction& tx) {
        const std::int64_t now = clock_.now();
        if (match.kind == Match::Kind::totp &&
            use_app_code(tx, caller.user.id, match.device_id, match.step, true, now)) {
            tx.users().reset_second_factor_failures(caller.user.id);
            audit_.record(tx, client, event::authenticator_confirmed, caller.user,
                          caller.session.id);
            notify_app_confirmed(tx, caller.user, client);
            if (replaces) notices_.authenticator_removed(tx, caller.user);
            confirmed = true;
            return;
        }
        tx.users().record_second_factor_failure(caller.user.id, now);
    });
    if (!confirmed) throw ValidationError("code", i18n::keys::code_invalid_for_new_app);
}

void TwoFactor::remove_totp(const Principal& caller, const std::optional<std::string>& password,
                            const ClientInfo& client) {
    reauthentication_.require(caller, password, client);
    bool removed = false;
    store_.write([&](store::Transaction& tx) {
        if (tx.second_factors().totp_devices(caller.user.id).empty()) return;
        tx.second_factors().delete_totp_devices(caller.user.id, false);
        notices_.authenticator_removed(tx, caller.user);
        audit_.record(tx, client, event::authenticator_removed, caller.user, caller.session.id);
        removed = true;
    });
    if (!removed) throw Error(ErrorKind::not_found, "not_found", i18n::keys::no_authenticator_app);
}

std::vector<std::string> TwoFactor::regenerate_recovery_codes(const Principal& caller,
                                                              const std::string& password,
                                                              const ClientInfo& client) {
    reauthentication_.require(caller, password, client);
    std::vector<store::RecoveryCode> rows;
    std::vector<std::string> codes = new_recovery_codes(caller.user, rows, client);
    store_.write([&](store::Transaction& tx) {
        tx.second_factors().replace_recovery_codes(caller.user.id, rows);
        audit_.record(tx, client, event::recovery_codes_regenerated, caller.user,
                      caller.session.id);
    });
    return codes;
}

std::string TwoFactor::email_code_hash(const std::string& ticket_hash,
                                       std::string_view code) const {
    // Keyed with the installation's secret: six digits stored under a plain hash would be
    // read back from a copy of the database at once.
    return secrets_.derive("login_code", ticket_hash + ":" + std::string(code));
}

void TwoFactor::mail_code(store::Transaction& tx, const store::User& user,
                          const std::string& ticket_hash, std::int64_t expires_at) {
    // Uniform over 000000-999999: 4,294,000,000 is the largest multiple of 10^6 below 2^32.
    std::uint32_t value = 0;
    do {
        random_.fill(reinterpret_cast<unsigned char*>(&value), sizeof value);
    } while (value >= 4'294'000'000U);
    std::string code = std::to_string(value % 1'000'000);
    code.insert(0, kEmailCodeDigits - code.size(), '0');
    tx.login_tickets().set_email_code(ticket_hash, email_code_hash(ticket_hash, code),
                                      clock_.now());
    // The code lives as long as its ticket: say how long that is from now.
    const std::int64_t minutes = std::max<std::int64_t>(1, (expires_at - clock_.now() + 59) / 60);
    outbox_.enqueue(tx, mail::login_code_email(i18n::from_code_or_english(user.lang), user.email,
                                               user.username, code, minutes));
}

LoginChallenge TwoFactor::challenge(store::Transaction& tx, const store::User& user,
                                    const ClientInfo& client, const std::string& first_passkey_id,
                                    bool other_passkey) {
    LoginChallenge challenge;
    challenge.ticket = random_.token(kTicketBytes);
    challenge.methods = ready_second_factors(user, other_passkey);
    store::LoginTicket ticket;
    ticket.ticket_hash = hash_identifier(challenge.ticket);
    ticket.user_id = user.id;
    ticket.created_at = clock_.now();
    ticket.expires_at = ticket.created_at + settings_.ticket_lifetime;
    ticket.ip = client.ip;
    ticket.user_agent = client.user_agent;
    ticket.first_passkey_id = first_passkey_id;
    tx.login_tickets().insert(ticket);
    // An app is the factor of choice once it is ready; until then the code comes by mail.
    // Past the limit no code is mailed, silently: the client may ask for one explicitly.
    if (!user.totp_ready && user.email_verified &&
        !limiter_.hit(tx, client, "login_code:" + user.id, settings_.email_code_limit))
        mail_code(tx, user, ticket.ticket_hash, ticket.expires_at);
    return challenge;
}

void TwoFactor::send_email_code(std::string_view ticket, const ClientInfo& client) {
    const std::string ticket_hash = hash_identifier(ticket);
    std::optional<std::int64_t> retry_after;
    bool sent = false;
    store_.write([&](store::Transaction& tx) {
        auto found = tx.login_tickets().find(ticket_hash);
        if (!found) return;
        auto user = tx.users().find_by_id(found->user_id);
        if (!user || !ticket_usable(*found, *user, clock_.now(), settings_.ticket_max_failures))
            return;
        if (!user->email_verified)
            throw Error(ErrorKind::bad_request, "email_not_verified",
                        i18n::keys::no_verified_email_for_code);
        retry_after =
            limiter_.hit(tx, client, "login_code:" + user->id, settings_.email_code_limit);
        if (retry_after) return;
        mail_code(tx, *user, ticket_hash, found->expires_at);
        sent = true;
    });
    if (retry_after) throw_rate_limited(*retry_after);
    if (!sent) throw_invalid_ticket();
}

std::int64_t TwoFactor::lockout_wait(const store::User& user) const {
    if (user.second_factor_failures < settings_.max_consecutive_failures ||
        !user.last_second_factor_failure)
        return 0;
    const std::int64_t until = *user.last_second_factor_failure + settings_.lockout;
    return std::max<std::int64_t>(0, until - clock_.now());
}

TwoFactor::Candidates TwoFactor::load_candidates(store::Transaction& tx, const store::User& user,
                                                 const std::optional<store::LoginTicket>& ticket,
                                                 bool all_tickets) {
    Candidates candidates;
    candidates.devices = tx.second_factors().totp_devices(user.id);
    if (ticket && ticket->email_code_hash) candidates.email_tickets.push_back(*ticket);
    if (all_tickets)
        for (store::LoginTicket& live :
             tx.login_tickets().live_of_user(user.id, clock_.now(), settings_.ticket_max_failures))
            if (live.email_code_hash && user.password_changed_at <= live.created_at)
                candidates.email_tickets.push_back(std::move(live));
    candidates.recovery_codes = tx.second_factors().unused_recovery_codes(user.id);
    return candidates;
}

TwoFactor::Match TwoFactor::find_match(const Candidates& candidates, std::string_view typed,
                                       std::string_view address) {
    const std::string code = normalise_code(typed);
    Match match;
    if (all_digits(code)) {
        const std::int64_t now = clock_.now();
        for (const store::TotpDevice& device : candidates.devices) {
            if (!device.confirmed_at && !enrolment_open(device)) continue;
            const auto secret = sealed_box_.open(device.secret_sealed, device.user_id);
            if (!secret) {
                log::error("an authenticator secret does not decrypt: wrong secret key file?");
                continue;
            }
            const otp::TotpParameters parameters{device.digits, device.step, device.t0};
            // An app imported from django-otp may carry a clock drift, in steps.
            const std::int64_t expected = otp::time_step(now, parameters) + device.drift;
            const auto step =
                otp::match_totp(*secret, code, expected, settings_.totp_window, parameters);
            // A step at or before the last one used is a replay: refused.
            if (step && (!device.last_used_step || *step > *device.last_used_step)) {
                match.kind = Match::Kind::totp;
                match.device_id = device.id;
                match.step = *step;
                match.confirms_app = !device.confirmed_at;
                for (const store::TotpDevice& other : candidates.devices)
                    if (other.id != device.id && other.confirmed_at) match.replaces_app = true;
                match.replaces_app = match.replaces_app && match.confirms_app;
                return match;
            }
        }
        for (const store::LoginTicket& ticket : candidates.email_tickets) {
            if (crypto::equal_in_constant_time(*ticket.email_code_hash,
                                               email_code_hash(ticket.ticket_hash, code))) {
                match.kind = Match::Kind::email;
                match.ticket_hash = ticket.ticket_hash;
                return match;
            }
        }
        // A recovery code may, rarely, be all digits: it is tried below.
    }
    if (code.size() != kRecoveryCodeLength) return match;
    for (const store::RecoveryCode& recovery : candidates.recovery_codes) {
        if (hasher_.verify(recovery.code_hash, code, {address})) {
            match.kind = Match::Kind::recovery;
            match.recovery_id = recovery.id;
            return match;
        }
    }
    return match;
}

TwoFactor::Match TwoFactor::match(const Attempt& attempt, std::string_view code,
                                  const ClientInfo& client) {
    return find_match(attempt.candidates, code, client.ip);
}

std::optional<store::User> TwoFactor::spend(store::Transaction& tx, const Attempt& attempt,
                                            const Match& match, const ClientInfo& client) {
    const std::int64_t now = clock_.now();
    // The attempt's own ticket counted it as a failure when it was admitted.
    const auto max_failures = [&](const std::string& hash) {
        return settings_.ticket_max_failures +
               (attempt.ticket_hash && hash == *attempt.ticket_hash);
    };
    bool used = false;
    switch (match.kind) {
        case Match::Kind::totp:
            used = use_app_code(tx, attempt.user.id, match.device_id, match.step,
                                match.confirms_app, now);
            break;
        case Match::Kind::email:
            used = tx.login_tickets().use(match.ticket_hash, now, max_failures(match.ticket_hash));
            break;
        case Match::Kind::recovery:
            used = tx.second_factors().use_recovery_code(match.recovery_id, now);
            break;
        case Match::Kind::passkey:
            used = true;
            break;
        case Match::Kind::none:
            break;
    }
    if (used && attempt.ticket_hash && *attempt.ticket_hash != match.ticket_hash)
        used =
            tx.login_tickets().use(*attempt.ticket_hash, now, max_failures(*attempt.ticket_hash));
    if (!used) return std::nullopt;
    std::optional<store::User> current = tx.users().find_by_id(attempt.user.id);
    if (!current || current->password_hash != attempt.user.password_hash) return std::nullopt;
    tx.users().reset_second_factor_failures(current->id);
    if (match.confirms_app) {
        audit_.record(tx, client, event::authenticator_confirmed, *current);
        notify_app_confirmed(tx, *current, client);
    }
    if (match.replaces_app) notices_.authenticator_removed(tx, *current);
    if (match.kind == Match::Kind::recovery) {
        notices_.recovery_code_used(
            tx, *current,
            static_cast<int>(tx.second_factors().unused_recovery_codes(current->id).size()));
        audit_.record(tx, client, event::recovery_code_used, *current);
    }
    return current;
}

void TwoFactor::record_wrong_code(store::Transaction& tx, const Attempt& attempt) {
    if (!attempt.ticket_hash)
        for (const store::LoginTicket& ticket : attempt.candidates.email_tickets)
            tx.login_tickets().count_failure(ticket.ticket_hash);
    tx.users().record_second_factor_failure(attempt.user.id, clock_.now());
}

std::optional<TwoFactor::Attempt> TwoFactor::ticket_attempt(std::string_view ticket) {
    const std::string ticket_hash = hash_identifier(ticket);
    std::optional<Attempt> attempt;
    store_.read([&](store::Transaction& tx) {
        attempt.reset();
        auto found = tx.login_tickets().find(ticket_hash);
        if (!found) return;
        auto user = tx.users().find_by_id(found->user_id);
        if (!user || !ticket_usable(*found, *user, clock_.now(), settings_.ticket_max_failures))
            return;
        attempt = Attempt{*user, ticket_hash, found->first_passkey_id,
                          load_candidates(tx, *user, found, false)};
    });
    return attempt;
}

bool TwoFactor::admit(const Attempt& attempt) {
    bool admitted = false;
    store_.write([&](store::Transaction& tx) {
        admitted = tx.login_tickets().admit_attempt(*attempt.ticket_hash, clock_.now(),
                                                    settings_.ticket_max_failures);
    });
    return admitted;
}

TwoFactor::Attempt TwoFactor::password_attempt(const store::User& user) {
    Attempt attempt{user, std::nullopt, {}, {}};
    store_.read([&](store::Transaction& tx) {
        attempt.candidates = load_candidates(tx, user, std::nullopt, true);
    });
    return attempt;
}

}  // namespace authd::auth
