#include "app/config.h"

#include <stdexcept>

#include "util/log.h"

namespace authd::app {
namespace {

config::Settings<Config> all_settings() {
    using config::Environment, config::literal;
    config::Settings<Config> s;

    s.heading("The HTTP server");
    s.add(&Config::server, http::server_settings());
    s.add({"AUTH_LOG_LEVEL", literal("info"), "`debug`, `info`, `warn`, `error`",
           config::custom(
               [](const std::string& text, Config& c) {
                   log::Level level;
                   if (!log::parse_level(text, level))
                       throw std::invalid_argument("expected debug, info, warn or error, got \"" +
                                                   text + "\"");
                   c.log_level = text;
               },
               [](const Config& c) { return c.log_level; })});
    s.add(&Config::metrics, api::metrics_settings());

    s.heading("Storage");
    s.add({"AUTH_DATA_DIR", literal("./data"),
           "where the SQLite database and generated keys live (created 0700, its files 0600)",
           config::text(&Config::data_dir)});
    s.add(config::Rule<Config>([](Config& c, const Environment&) {
        c.database.data_dir = c.data_dir;
        c.database.request_threads = c.server.worker_threads;
        c.database.io_threads = c.server.io_threads;
    }));
    s.add(&Config::database, store::database_settings());

    s.heading("E-mail and links");
    s.add(&Config::mail, mail::mail_settings());
    s.add(&Config::email_flows, auth::email_flow_settings());
    s.add(config::Rule<Config>([](Config& c, const Environment&) {
        c.links.listen_host = c.server.host;
        c.links.listen_port = c.server.port;
    }));
    s.add(&Config::links, auth::link_settings());

    s.heading("Tokens and keys");
    s.add(
        config::Rule<Config>([](Config& c, const Environment&) { c.keys.data_dir = c.data_dir; }));
    s.add(&Config::keys, auth::signing_key_settings());
    s.add(&Config::tokens, auth::token_settings());
    s.add(&Config::services, auth::service_settings());
    s.add(&Config::keys, auth::secret_key_settings());

    s.heading("Two-factor authentication and re-authentication");
    s.add(&Config::two_factor, auth::two_factor_settings());
    s.add(&Config::reauthentication, auth::reauthentication_settings());

    s.heading("Passkeys");
    s.add(config::Rule<Config>(
        [](Config& c, const Environment&) { c.passkeys.public_url = c.links.public_url; }));
    s.add(&Config::passkeys, webauthn::passkey_settings());

    s.heading("Abuse limits and the audit log");
    s.add(&Config::login_limits, auth::login_limit_settings());
    s.add(&Config::registrations, auth::registration_settings());
    s.add(&Config::service_logins, auth::service_login_settings());
    s.add(&Config::maintenance, auth::maintenance_settings());

    s.heading("Password hashing");
    s.add(config::Rule<Config>([](Config& c, const Environment&) {
        c.hashing.request_threads = c.server.worker_threads;
    }));
    s.add(&Config::hashing, crypto::hashing_settings());

    s.heading("The platform's services");
    s.add(&Config::hooks, platform::hook_settings());

    s.heading("Password policy");
    s.add(&Config::passwords, auth::password_policy_settings());
    return s;
}

}  // namespace

const config::Settings<Config>& settings() {
    static const config::Settings<Config> settings = all_settings();
    return settings;
}

Config load(const config::Getenv& getenv) {
    Config config;
    settings().load(config::Environment(getenv), config);
    return config;
}

Config load_from_environment() {
    return load(config::process_environment());
}

std::vector<std::pair<std::string, std::string>> describe(const Config& config) {
    return settings().describe(config);
}

}  // namespace authd::app
