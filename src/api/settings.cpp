#include "api/settings.h"

#include <stdexcept>

namespace authd::api {

const config::Settings<MetricsSettings>& metrics_settings() {
    static const config::Settings<MetricsSettings> settings{
        {"AUTH_METRICS_TOKEN", config::none("none (`GET /metrics` is open)"),
         "when set (at least 12 printable characters, no spaces), `GET /metrics` answers only "
         "`Authorization: Bearer <token>` with this token (compared in constant time), else 401; "
         "keep the endpoint off the public internet either way",
         config::custom(
             [](const std::string& text, MetricsSettings& s) {
                 if (text.size() < 12)
                     throw std::invalid_argument("must be at least 12 characters");
                 for (unsigned char c : text)
                     if (c <= 0x20 || c >= 0x7f)
                         throw std::invalid_argument(
                             "must be printable ASCII without spaces (it is sent as a bearer "
                             "token)");
                 s.token = text;
             },
             [](const MetricsSettings& s) { return s.token.empty() ? "" : "***"; })},
    };
    return settings;
}

}  // namespace authd::api
