#include <cstdio>

#include "mail/mailer.h"

namespace authd::mail {

ConsoleMailer::ConsoleMailer(std::string from) : from_(std::move(from)) {}

void ConsoleMailer::send(const Message& message) {
    std::lock_guard lock(mutex_);
    std::printf(
        "----- e-mail -----\nFrom: %s\nTo: %s\nSubject: %s\n\n%s\n----- end of e-mail -----\n",
        from_.c_str(), message.to.c_str(), message.subject.c_str(), message.text.c_str());
    std::fflush(stdout);
}

}  // namespace authd::mail
