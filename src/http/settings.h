#pragma once
// The HTTP server's AUTH_* settings (docs/CONFIGURATION.md), read into its ServerOptions.
#include "config/config.h"
#include "http/server.h"

namespace authd::http {

const config::Settings<ServerOptions>& server_settings();

}  // namespace authd::http
