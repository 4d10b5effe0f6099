#include "auth/notices.h"

#include "mail/outbox.h"
#include "mail/templates.h"

namespace authd::auth {

Notices::Notices(mail::Outbox& outbox) : outbox_(outbox) {}

void Notices::password_changed(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx, mail::password_changed_notice(user.email, user.username));
}

void Notices::password_reset(store::Transaction& tx, const store::User& user) {
    outbox_.enqueue(tx, mail::password_reset_notice(user.email, user.username));
}

void Notices::email_changed(store::Transaction& tx, const store::User& user,
                            const std::string& old_email) {
    outbox_.enqueue(tx, mail::email_changed_notice(old_email, user.username, user.email));
}

}  // namespace authd::auth
