#pragma once
// The domain's AUTH_* settings (docs/CONFIGURATION.md): each list reads into the settings of
// the part of auth/ that uses them.
#include <cstdint>
#include <string>
#include <vector>

#include "auth/email_flows.h"
#include "auth/login_limits.h"
#include "auth/maintenance.h"
#include "auth/password_policy.h"
#include "auth/rate_limits.h"
#include "auth/service_accounts.h"
#include "auth/tokens.h"
#include "auth/two_factor.h"
#include "config/config.h"
#include "crypto/jwt.h"

namespace authd::auth {

// The base of the links mailed to users (OneTimeLinks), never taken from `Host`.
struct LinkSettings {
    std::string public_url;  // default: http://<listen_host>:<listen_port>
    // Handed over by the wiring from AUTH_LISTEN, before these are read.
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8000;

    // Behind TLS: cookies get `Secure` and answers `Strict-Transport-Security`.
    bool https() const { return public_url.rfind("https://", 0) == 0; }
};

// The key files: the tokens' signing key and the installation secret (auth::Secrets).
struct KeySettings {
    crypto::JwtAlgorithm jwt_algorithm = crypto::JwtAlgorithm::EdDSA;
    std::string jwt_key_file;  // default: <data_dir>/jwt-<alg>.pem (.key for HS256)
    // The default file is created on first start; a file the configuration names must exist.
    bool create_jwt_key = true;
    std::string secret_key_file;  // default: <data_dir>/secret.key
    // Handed over by the wiring from AUTH_DATA_DIR, before these are read.
    std::string data_dir = "./data";
};

// Registrations per client address (its /64 for IPv6), counted before the password is hashed.
struct RegistrationSettings {
    Limit per_address{30, 3600};
};

// How recent a login confirms a sensitive change without the password (Reauthentication).
struct ReauthenticationSettings {
    std::int64_t window = 15 * 60;
};

const config::Settings<EmailFlowSettings>& email_flow_settings();
const config::Settings<LinkSettings>& link_settings();
const config::Settings<KeySettings>& signing_key_settings();
const config::Settings<TokenSettings>& token_settings();
const config::Settings<std::vector<ServiceSecret>>& service_settings();
const config::Settings<KeySettings>& secret_key_settings();
const config::Settings<TwoFactorSettings>& two_factor_settings();
const config::Settings<ReauthenticationSettings>& reauthentication_settings();
const config::Settings<LoginLimitSettings>& login_limit_settings();
const config::Settings<RegistrationSettings>& registration_settings();
const config::Settings<ServiceLoginSettings>& service_login_settings();
const config::Settings<MaintenanceSettings>& maintenance_settings();
const config::Settings<PasswordPolicyConfig>& password_policy_settings();

}  // namespace authd::auth
