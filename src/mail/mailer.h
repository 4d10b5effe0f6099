#pragma once
// Sending e-mail. The console mailer prints messages (the zero-configuration run); SMTP
// delivery from a durable outbox comes behind the same interface.
#include <mutex>
#include <string>

namespace authd::mail {

struct Message {
    std::string to;
    std::string subject;
    std::string text;
};

class Mailer {
  public:
    virtual ~Mailer() = default;
    virtual void send(const Message& message) = 0;
};

// Writes each message to standard output, whole, one at a time.
class ConsoleMailer final : public Mailer {
  public:
    explicit ConsoleMailer(std::string from);
    void send(const Message& message) override;

  private:
    std::string from_;
    std::mutex mutex_;
};

}  // namespace authd::mail
