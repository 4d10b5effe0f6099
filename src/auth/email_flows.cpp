#include "auth/email_flows.h"

#include <boost/json.hpp>

#include "auth/password_change.h"
#include "auth/user_rules.h"
#include "crypto/password_hasher.h"
#include "mail/outbox.h"
#include "mail/templates.h"
#include "util/errors.h"
#include "util/json_text.h"
#include "util/text.h"

namespace authd::auth {

namespace json = boost::json;

void throw_invalid_reset_link() {
    throw Error(ErrorKind::bad_request, "invalid_link", i18n::keys::reset_link_invalid);
}

EmailVerification::EmailVerification(store::Store& store, OneTimeLinks& links, mail::Outbox& outbox,
                                     RateLimiter& limiter, Audit& audit, EmailFlowSettings settings)
    : store_(store),
      links_(links),
      outbox_(outbox),
      limiter_(limiter),
      audit_(audit),
      settings_(settings) {}

void EmailVerification::send(store::Transaction& tx, const store::User& user) {
    const std::string link = links_.create(tx, store::TokenPurpose::email_verification, user,
                                           settings_.verification_lifetime, "verify_email");
    outbox_.enqueue(tx,
                    mail::verification_email(i18n::from_code_or_english(user.lang), user.email,
                                             user.username, link, settings_.verification_lifetime));
}

bool EmailVerification::link_valid(std::string_view uidb64, std::string_view token) {
    return link_user(uidb64, token).has_value();
}

std::optional<store::User> EmailVerification::link_user(std::string_view uidb64,
                                                        std::string_view token) {
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        user = links_.check(tx, store::TokenPurpose::email_verification, uidb64, token);
    });
    return user;
}

std::optional<store::User> EmailVerification::verify(std::string_view uidb64,
                                                     std::string_view token,
                                                     const ClientInfo& client) {
    std::optional<store::User> verified;
    store_.write([&](store::Transaction& tx) {
        verified.reset();  // a retried transaction starts over
        auto user = links_.use(tx, store::TokenPurpose::email_verification, uidb64, token);
        if (!user) return;
        tx.users().set_email_verified(user->id, true);
        audit_.record(tx, client, event::email_verified, *user);
        verified = std::move(user);
    });
    return verified;
}

void EmailVerification::resend(const Principal& caller, const ClientInfo& client) {
    if (caller.user.email_verified)
        throw Error(ErrorKind::bad_request, "already_verified", i18n::keys::email_already_verified);
    std::optional<std::int64_t> retry_after;
    store_.write([&](store::Transaction& tx) {
        retry_after = limiter_.hit(tx, client, "verify_email:" + caller.user.id, settings_.limit);
        if (!retry_after) send(tx, caller.user);
    });
    if (retry_after) throw_rate_limited(*retry_after);
}

PasswordReset::PasswordReset(store::Store& store, OneTimeLinks& links, mail::Outbox& outbox,
                             RateLimiter& limiter, const PasswordPolicy& policy,
                             crypto::PasswordHasher& hasher, Notices& notices, Audit& audit,
                             const Clock& clock, EmailFlowSettings settings)
    : store_(store),
      links_(links),
      outbox_(outbox),
      limiter_(limiter),
      policy_(policy),
      hasher_(hasher),
      notices_(notices),
      audit_(audit),
      clock_(clock),
      settings_(settings) {}

void PasswordReset::request(std::string_view email, const ClientInfo& client) {
    if (auto problem = email_problem(email)) throw ValidationError("email", *problem);
    store_.write([&](store::Transaction& tx) {
        // Counted for every address, known or not, so both paths do the same work.
        if (limiter_.hit(tx, client, "password_reset:" + text::ascii_lower(email), settings_.limit))
            return;
        auto user = tx.users().find_by_email(email);
        if (!user || !user->is_active) return;
        const std::string link = links_.create(tx, store::TokenPurpose::password_reset, *user,
                                               settings_.reset_lifetime, "reset");
        outbox_.enqueue(
            tx, mail::password_reset_email(i18n::from_code_or_english(user->lang), user->email,
                                           user->username, link, settings_.reset_lifetime));
    });
}

bool PasswordReset::link_valid(std::string_view uidb64, std::string_view token) {
    return link_user(uidb64, token).has_value();
}

std::optional<store::User> PasswordReset::link_user(std::string_view uidb64,
                                                    std::string_view token) {
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        user = links_.check(tx, store::TokenPurpose::password_reset, uidb64, token);
    });
    return user;
}

void PasswordReset::complete(std::string_view uidb64, std::string_view token,
                             const std::string& password, const std::string& password2,
                             const ClientInfo& client) {
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        user = links_.check(tx, store::TokenPurpose::password_reset, uidb64, token);
    });
    if (!user) throw_invalid_reset_link();

    FieldErrors errors;
    for (i18n::Message& message : policy_.check(password, user->username, user->email))
        errors.add("new_password", std::move(message));
    if (password != password2) errors.add("new_password2", i18n::keys::passwords_do_not_match);
    errors.throw_if_any();

    const std::string hash = hasher_.hash(password, {client.ip});
    bool done = false;
    store_.write([&](store::Transaction& tx) {
        auto current = links_.use(tx, store::TokenPurpose::password_reset, uidb64, token);
        if (!current) return;  // spent by a concurrent request meanwhile
        const std::int64_t now = clock_.now();
        store_new_password(tx, current->id, hash, now);
        tx.sessions().revoke_all_of_user(current->id, now, "password_reset", "");
        notices_.password_reset(tx, *current);
        audit_.record(tx, client, event::password_reset, *current);
        done = true;
    });
    if (!done) throw_invalid_reset_link();
}

DataExport::DataExport(store::Store& store, mail::Outbox& outbox, RateLimiter& limiter,
                       EmailFlowSettings settings)
    : store_(store), outbox_(outbox), limiter_(limiter), settings_(settings) {}

namespace {

json::value optional_time(const std::optional<std::int64_t>& t) {
    if (t) return *t;
    return nullptr;
}

}  // namespace

std::string DataExport::build(store::Transaction& tx, const store::User& user,
                              const json::object& services,
                              const std::vector<std::string>& unavailable) {
    json::object account{
        {"username", user.username},
        {"email", user.email},
        {"email_verified", user.email_verified},
        {"two_fa_enable", user.two_fa_enable},
        {"lang", user.lang},
        {"is_active", user.is_active},
        {"date_joined", user.date_joined},
        {"last_login", optional_time(user.last_login)},
        {"password_changed_at", user.password_changed_at},
        {"has_password", !user.password_hash.empty()},
    };
    // Passkeys as their owner knows them; never their keys or credential ids.
    json::array passkeys;
    for (const store::Passkey& p : tx.passkeys().of_user(user.id)) {
        json::array transports;
        for (const std::string_view transport : text::split(p.transports, ','))
            transports.emplace_back(transport);
        passkeys.push_back(json::object{
            {"name", p.name},
            {"created", p.created_at},
            {"last_used", optional_time(p.last_used_at)},
            {"transports", std::move(transports)},
            {"backup_eligible", p.backup_eligible},
            {"backed_up", p.backed_up},
            {"aaguid", p.aaguid},
        });
    }
    json::array sessions;
    for (const store::Session& s : tx.sessions().all_of_user(user.id)) {
        const std::optional<std::string> reason =
            s.revoked_at ? tx.sessions().revoke_reason(s.id) : std::nullopt;
        sessions.push_back(json::object{
            {"created", s.created_at},
            {"last_used", s.last_used_at},
            {"expires", s.expires_at},
            {"ended", optional_time(s.revoked_at)},
            {"end_reason", reason ? json::value(*reason) : json::value(nullptr)},
            {"ip", s.ip},
            {"user_agent", s.user_agent},
        });
    }
    // The audit log's events about the user (kept for AUTH_AUDIT_RETENTION).
    constexpr int kMaxEvents = 10'000;
    json::array events;
    for (const store::SecurityEvent& e : tx.audit().of_user(user.id, kMaxEvents))
        events.push_back(json::object{{"event", e.kind},
                                      {"at", e.at},
                                      {"ip", e.ip},
                                      {"user_agent", e.user_agent},
                                      {"detail", e.detail}});
    json::object document{
        {"format", "authd-export-1"},      {"times", "Unix seconds, UTC"},
        {"account", std::move(account)},   {"sessions", std::move(sessions)},
        {"passkeys", std::move(passkeys)}, {"security_events", std::move(events)},
    };
    for (const auto& [key, answer] : services)
        document[key] = answer;
    for (const std::string& key : unavailable)
        document[key] =
            json::object{{"unavailable", true},
                         {"detail", i18n::translate(i18n::from_code_or_english(user.lang),
                                                    i18n::keys::export_service_unavailable)}};
    return json_text(document);
}

void DataExport::request(const Principal& caller, const ClientInfo& client) {
    std::optional<std::int64_t> retry_after;
    std::optional<HeldChange> held;
    store_.write([&](store::Transaction& tx) {
        retry_after = limiter_.hit(tx, client, "dump_data:" + caller.user.id, settings_.limit);
        if (retry_after) return;
        auto user = tx.users().find_by_id(caller.user.id);
        if (!user) return;
        if (platform_ && platform_->has_calls(PlatformChange::export_data)) {
            held = platform_->begin(
                tx, PlatformChange::export_data,
                {user->id, user->username, "", user->email, user->lang, caller.session.id});
            return;
        }
        send(tx, *user);
    });
    if (retry_after) throw_rate_limited(*retry_after);
    if (held) platform_->run(*held, client);
}

void DataExport::send(store::Transaction& tx, const store::User& user, const json::object& services,
                      const std::vector<std::string>& unavailable) {
    outbox_.enqueue(tx, mail::data_export_email(
                            i18n::from_code_or_english(user.lang), user.email, user.username,
                            build(tx, user, services, unavailable), unavailable));
}

}  // namespace authd::auth
