#pragma once
// The routes' AUTH_* settings (docs/CONFIGURATION.md).
#include <string>

#include "config/config.h"

namespace authd::api {

struct MetricsSettings {
    std::string token;  // empty: GET /metrics needs no token
};

const config::Settings<MetricsSettings>& metrics_settings();

}  // namespace authd::api
