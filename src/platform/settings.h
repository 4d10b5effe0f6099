#pragma once
// The AUTH_* settings of the platform's services (docs/CONFIGURATION.md, docs/HOOKS.md).
#include <string>

#include "config/config.h"
#include "platform/account_changes.h"
#include "platform/events.h"
#include "platform/hooks_file.h"

namespace authd::platform {

struct HookSettings {
    std::string file;                   // empty: no calls, no events
    std::string service_name = "auth";  // of the token authd calls the services with
    ChangeSettings changes;
    EventSettings events;
};

const config::Settings<HookSettings>& hook_settings();

// The hooks file the settings name, read and checked (empty when none is named). A bad one is
// a ConfigError naming AUTH_HOOKS_FILE.
HooksFile load_hooks(const HookSettings& settings, const config::Getenv& getenv);

}  // namespace authd::platform
