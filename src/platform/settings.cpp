#include "platform/settings.h"

#include <stdexcept>

namespace authd::platform {

const config::Settings<HookSettings>& hook_settings() {
    using config::duration, config::literal, config::none;
    static const config::Settings<HookSettings> settings{
        {"AUTH_HOOKS_FILE", none(),
         "the platform's services to keep in step and the event subscribers "
         "([HOOKS.md](HOOKS.md)); a bad file stops authd (status 2)",
         config::text(&HookSettings::file)},
        {"AUTH_HOOKS_SERVICE_NAME", literal("auth"),
         "`service_name` of the token authd calls the services with",
         config::custom(
             [](const std::string& text, HookSettings& s) {
                 if (text.empty()) throw std::invalid_argument("must not be empty");
                 s.service_name = text;
             },
             [](const HookSettings& s) { return s.service_name; })},
        {"AUTH_HOOKS_RETRY_BASE", literal("5s"),
         "first background retry of an undo, a deletion carried through, an export call or an "
         "event; then doubling to 10 minutes",
         config::custom(
             [](const std::string& text, HookSettings& s) {
                 s.changes.retry_base = s.events.retry_base = config::parse_seconds(text, 1);
             },
             [](const HookSettings& s) { return std::to_string(s.changes.retry_base) + "s"; })},
        {"AUTH_HOOKS_EXPORT_WAIT", literal("5m"),
         "how long a data export waits for a service that cannot be reached",
         duration(config::member(&HookSettings::changes, &ChangeSettings::export_wait), 0)},
        {"AUTH_HOOKS_EVENT_GIVE_UP_AFTER", literal("3d"),
         "an event a subscriber has not accepted by then is marked failed",
         duration(config::member(&HookSettings::events, &EventSettings::give_up_after), 60)},
    };
    return settings;
}

HooksFile load_hooks(const HookSettings& settings, const config::Getenv& getenv) {
    if (settings.file.empty()) return {};
    try {
        return load_hooks_file(settings.file, getenv);
    } catch (const HooksFileError& e) {
        throw config::ConfigError(std::string("AUTH_HOOKS_FILE ") + e.what());
    }
}

}  // namespace authd::platform
