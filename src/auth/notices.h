#pragma once
// The messages the account routes send. Kept apart from the routes so that delivery (console
// now, the durable outbox later) can change without touching them.
#include <string>

#include "store/store.h"

namespace authd::mail {
class Mailer;
}

namespace authd::auth {

class Notices {
  public:
    explicit Notices(mail::Mailer& mailer);

    void account_created(const store::User& user);
    void email_changed(const store::User& user, const std::string& old_email);
    void password_changed(const store::User& user);

  private:
    mail::Mailer& mailer_;
};

}  // namespace authd::auth
