#pragma once
// Delivering one rendered message. The outbox calls a Transport from its own thread.
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "mail/message.h"

namespace authd::mail {

class DeliveryError : public std::runtime_error {
  public:
    DeliveryError(const std::string& message, bool permanent)
        : std::runtime_error(message), permanent_(permanent) {}
    // A 5xx answer: retrying will not help.
    bool permanent() const { return permanent_; }

  private:
    bool permanent_;
};

// The delivery was given up because `stop` was requested (shutdown): not an attempt.
class DeliveryCancelled : public std::runtime_error {
  public:
    DeliveryCancelled() : std::runtime_error("e-mail delivery cancelled by shutdown") {}
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Returns once the server accepted the message; throws DeliveryError otherwise, or
    // DeliveryCancelled soon after `stop` is requested (a slow server does not hold up a
    // shutdown until its timeout).
    virtual void deliver(const Envelope& envelope, const std::string& mime,
                         std::stop_token stop) = 0;
};

// `console:`: writes each message's subject and decoded text to standard output.
std::unique_ptr<Transport> make_console_transport();

// `smtp://[user:pass@]host:port` (STARTTLS when the server offers it; required when
// `require_tls`) or `smtps://[user:pass@]host:port` (TLS from the start), through libcurl.
// User and password are percent-decoded. Throws std::invalid_argument for another URL.
std::unique_ptr<Transport> make_smtp_transport(const std::string& url, bool require_tls,
                                               long timeout_seconds);

}  // namespace authd::mail
