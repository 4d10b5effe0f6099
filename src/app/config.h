#pragma once
// authd's whole configuration: the settings of every module, read once at start from the
// AUTH_* variables through one list (settings()), which also gives the start-up lines and the
// tables of docs/CONFIGURATION.md.
#include <string>
#include <utility>
#include <vector>

#include "api/settings.h"
#include "auth/settings.h"
#include "config/config.h"
#include "crypto/password_settings.h"
#include "http/settings.h"
#include "mail/settings.h"
#include "platform/settings.h"
#include "store/settings.h"
#include "webauthn/settings.h"

namespace authd::app {

struct Config {
    http::ServerOptions server;
    std::string log_level = "info";
    api::MetricsSettings metrics;
    std::string data_dir = "./data";  // the keys and, by default, the SQLite database
    store::DatabaseSettings database;
    mail::MailSettings mail;
    auth::EmailFlowSettings email_flows;
    auth::LinkSettings links;
    auth::KeySettings keys;
    auth::TokenSettings tokens;
    std::vector<auth::ServiceSecret> services;
    auth::TwoFactorSettings two_factor;
    auth::ReauthenticationSettings reauthentication;
    webauthn::PasskeySettings passkeys;
    auth::LoginLimitSettings login_limits;
    auth::RegistrationSettings registrations;
    auth::ServiceLoginSettings service_logins;
    auth::MaintenanceSettings maintenance;
    crypto::HashingSettings hashing;
    platform::HookSettings hooks;
    auth::PasswordPolicyConfig passwords;
};

// Every setting, in the order it is read, logged and documented.
const config::Settings<Config>& settings();

// Reads the configuration through `getenv` (injected for tests). Throws config::ConfigError.
Config load(const config::Getenv& getenv);
Config load_from_environment();

// "name = value" of every setting, secrets masked: logged at start.
std::vector<std::pair<std::string, std::string>> describe(const Config& config);

}  // namespace authd::app
