#include "auth/notices.h"

#include "mail/mailer.h"
#include "util/log.h"

namespace authd::auth {

Notices::Notices(mail::Mailer& mailer) : mailer_(mailer) {}

// A failed notice must not undo the change that caused it: it is logged, not thrown.
namespace {
void send_quietly(mail::Mailer& mailer, const mail::Message& message) {
    try {
        mailer.send(message);
    } catch (const std::exception& e) {
        log::error(std::string("sending a notice failed: ") + e.what());
    }
}
}  // namespace

void Notices::account_created(const store::User& user) {
    send_quietly(mailer_,
                 {user.email, "Welcome, " + user.username,
                  "Your account " + user.username +
                      " was created. A link to confirm this address will follow once e-mail "
                      "verification is enabled on this server."});
}

void Notices::email_changed(const store::User& user, const std::string& old_email) {
    send_quietly(mailer_,
                 {old_email, "Your e-mail address was changed",
                  "The e-mail address of the account " + user.username + " was changed to " +
                      user.email + ". If you did not do this, reset your password now."});
    send_quietly(mailer_, {user.email, "Confirm your new e-mail address",
                           "This address is now the one of the account " + user.username + "."});
}

void Notices::password_changed(const store::User& user) {
    send_quietly(mailer_, {user.email, "Your password was changed",
                           "The password of the account " + user.username +
                               " was changed, and its other sessions were ended. If you did not "
                               "do this, reset your password now."});
}

}  // namespace authd::auth
