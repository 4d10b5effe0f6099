#include "auth/notices.h"

#include "mail/outbox.h"
#include "mail/templates.h"
#include "util/time_text.h"
#include "util/utf8.h"

namespace authd::auth {
namespace {

// Notices are in the language the user chose.
i18n::Language language_of(const store::User& user) {
    return i18n::from_code_or_english(user.lang);
}

// An address or user agent as a notice shows it: "?" when unknown, at most 200 bytes, cut
// between characters.
std::string_view shown(std::string_view text) {
    constexpr std::size_t kMaxLength = 200;
    return text.empty() ? "?" : utf8::prefix(text, kMaxLength);
}

}  // namespace

Notices::Notices(mail::Outbox& outbox) : outbox_(outbox) {}

void Notices::password_changed(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx,
                    mail::password_changed_notice(language_of(user), user.email, user.username));
}

void Notices::password_reset(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx, mail::password_reset_notice(language_of(user), user.email, user.username));
}

void Notices::email_changed(store::Transaction& tx, const store::User& user,
                            const std::string& old_email) {
    outbox_.enqueue(
        tx, mail::email_changed_notice(language_of(user), old_email, user.username, user.email));
}

void Notices::two_factor_enabled(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx,
                    mail::two_factor_enabled_notice(language_of(user), user.email, user.username));
}

void Notices::two_factor_disabled(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx,
                    mail::two_factor_disabled_notice(language_of(user), user.email, user.username));
}

void Notices::authenticator_removed(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(
        tx, mail::authenticator_removed_notice(language_of(user), user.email, user.username));
}

void Notices::authenticator_added(store::Transaction& tx, const store::User& user, std::int64_t at,
                                  std::string_view address, std::string_view user_agent) {
    outbox_.enqueue(
        tx, mail::authenticator_added_notice(language_of(user), user.email, user.username,
                                             util::iso8601(at), shown(address), shown(user_agent)));
}

void Notices::passkey_added(store::Transaction& tx, const store::User& user, std::string_view name,
                            std::int64_t at, const ClientInfo& client) {
    outbox_.enqueue(tx, mail::passkey_added_notice(language_of(user), user.email, user.username,
                                                   name, util::iso8601(at), shown(client.ip),
                                                   shown(client.user_agent)));
}

void Notices::passkey_removed(store::Transaction& tx, const store::User& user,
                              std::string_view name) {
    outbox_.enqueue(
        tx, mail::passkey_removed_notice(language_of(user), user.email, user.username, name));
}

void Notices::password_removed(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx,
                    mail::password_removed_notice(language_of(user), user.email, user.username));
}

void Notices::recovery_code_used(store::Transaction& tx, const store::User& user, int remaining) {
    outbox_.enqueue(tx, mail::recovery_code_used_notice(language_of(user), user.email,
                                                        user.username, remaining));
}

}  // namespace authd::auth
