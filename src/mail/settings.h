#pragma once
// E-mail's AUTH_* settings (docs/CONFIGURATION.md), and the transport they name.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "mail/outbox.h"
#include "mail/transport.h"

namespace authd::mail {

struct MailSettings {
    std::string url = "console:";
    std::string from = "authd <no-reply@localhost>";
    std::optional<bool> require_tls;  // default: when the SMTP URL carries credentials
    std::int64_t timeout = 10;        // seconds of one delivery attempt
    SenderSettings sender;
};

const config::Settings<MailSettings>& mail_settings();

// `console:` or the SMTP server of the URL.
std::unique_ptr<Transport> make_transport(const MailSettings& settings);

}  // namespace authd::mail
