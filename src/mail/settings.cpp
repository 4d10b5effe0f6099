#include "mail/settings.h"

#include <stdexcept>

#include "mail/message.h"

namespace authd::mail {
namespace {

constexpr const char* kConsole = "console:";

void read_url(const std::string& text, MailSettings& settings) {
    if (text != kConsole) {
        config::check_url(text, {"smtp", "smtps"});
        make_smtp_transport(text, false, 10);  // the transport's own, stricter check
    }
    settings.url = text;
}

void read_require_tls(const std::string& text, MailSettings& settings) {
    if (text == "true" || text == "1")
        settings.require_tls = true;
    else if (text == "false" || text == "0")
        settings.require_tls = false;
    else
        throw std::invalid_argument("expected true or false, got \"" + text + "\"");
}

void read_from(const std::string& text, MailSettings& settings) {
    try {
        bare_address(text);  // the renderer's own check
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("expected an address or \"Name <address>\": ") +
                                    e.what());
    }
    settings.from = text;
}

}  // namespace

const config::Settings<MailSettings>& mail_settings() {
    using config::duration, config::literal;
    static const config::Settings<MailSettings> settings{
        {"AUTH_EMAIL_URL", literal(kConsole),
         "`console:` prints e-mails on standard output; `smtp://[user:pass@]host:port` (STARTTLS "
         "when offered) or `smtps://[user:pass@]host:port` (TLS from the start)",
         config::custom(read_url,
                        [](const MailSettings& s) { return config::mask_url_password(s.url); })},
        {"AUTH_EMAIL_FROM", literal("authd <no-reply@localhost>"),
         "sender of e-mails (`Name <address>` or an address)",
         config::custom(read_from, [](const MailSettings& s) { return s.from; })},
        {"AUTH_EMAIL_REQUIRE_TLS", config::computed("`true` when the URL has credentials"),
         "refuse to send over a connection that is not encrypted",
         config::custom(read_require_tls,
                        [](const MailSettings& s) -> std::string {
                            if (!s.require_tls) return "auto";
                            return *s.require_tls ? "true" : "false";
                        })},
        {"AUTH_EMAIL_TIMEOUT", literal("10s"), "one SMTP delivery attempt at most",
         duration(&MailSettings::timeout, 1)},
        {"AUTH_EMAIL_RETRY_BASE", literal("30s"),
         "first retry of a failed delivery; each next waits twice as long, at most an hour",
         duration(config::member(&MailSettings::sender, &SenderSettings::retry_base), 1)},
        {"AUTH_EMAIL_GIVE_UP_AFTER", literal("2d"),
         "a message still undelivered this long after it was queued is marked failed",
         duration(config::member(&MailSettings::sender, &SenderSettings::give_up_after), 1)},
    };
    return settings;
}

std::unique_ptr<Transport> make_transport(const MailSettings& settings) {
    if (settings.url == kConsole) return make_console_transport();
    // Credentials never travel in clear unless explicitly allowed.
    const bool has_credentials = settings.url.find('@') != std::string::npos;
    return make_smtp_transport(settings.url, settings.require_tls.value_or(has_credentials),
                               static_cast<long>(settings.timeout));
}

}  // namespace authd::mail
