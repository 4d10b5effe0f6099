#include "auth/notices.h"

#include "mail/outbox.h"
#include "mail/templates.h"

namespace authd::auth {
namespace {

// Notices are in the language the user chose.
i18n::Language language_of(const store::User& user) {
    return i18n::from_code_or_english(user.lang);
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

void Notices::recovery_code_used(store::Transaction& tx, const store::User& user, int remaining) {
    outbox_.enqueue(tx, mail::recovery_code_used_notice(language_of(user), user.email,
                                                        user.username, remaining));
}

}  // namespace authd::auth
