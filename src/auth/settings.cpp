#include "auth/settings.h"

#include <stdexcept>

#include "util/text.h"

namespace authd::auth {

using config::computed, config::duration, config::integer, config::literal, config::none;

const config::Settings<EmailFlowSettings>& email_flow_settings() {
    static const config::Settings<EmailFlowSettings> settings{
        {"AUTH_PASSWORD_RESET_LIFETIME", literal("1h"),
         "a password reset link works this long (and once)",
         duration(&EmailFlowSettings::reset_lifetime, 1)},
        {"AUTH_EMAIL_VERIFICATION_LIFETIME", literal("1d"),
         "an e-mail verification link works this long (and once)",
         duration(&EmailFlowSettings::verification_lifetime, 1)},
        {"AUTH_EMAIL_RATE_LIMIT", literal("3"),
         "reset requests per address, verification resends and data exports per account, per "
         "`AUTH_EMAIL_RATE_WINDOW`",
         integer(config::member(&EmailFlowSettings::limit, &Limit::attempts), 1, 1'000'000)},
        {"AUTH_EMAIL_RATE_WINDOW", literal("1h"), "the window of `AUTH_EMAIL_RATE_LIMIT`",
         duration(config::member(&EmailFlowSettings::limit, &Limit::window), 1)},
    };
    return settings;
}

const config::Settings<LinkSettings>& link_settings() {
    static const config::Settings<LinkSettings> settings{
        {"AUTH_PUBLIC_URL", computed("`http://<AUTH_LISTEN>`"),
         "base of links in e-mails (never taken from `Host`); `https://` also marks cookies "
         "`Secure` and sends `Strict-Transport-Security`",
         config::custom(
             [](const std::string& text, LinkSettings& s) {
                 config::check_url(text, {"http", "https"});
                 s.public_url = text;
                 while (!s.public_url.empty() && s.public_url.back() == '/')
                     s.public_url.pop_back();
             },
             [](const LinkSettings& s) { return config::mask_url_password(s.public_url); }),
         [](LinkSettings& s) {
             s.public_url = "http://" + s.listen_host + ":" + std::to_string(s.listen_port);
         }},
    };
    return settings;
}

const config::Settings<KeySettings>& signing_key_settings() {
    static const config::Settings<KeySettings> settings{
        {"AUTH_JWT_ALGORITHM", literal("EdDSA"), "`EdDSA`, `RS256`, `RS512`, `ES256` or `HS256`",
         config::custom(
             [](const std::string& text, KeySettings& s) {
                 const auto algorithm = crypto::parse_jwt_algorithm(text);
                 if (!algorithm)
                     throw std::invalid_argument(
                         "expected EdDSA, RS256, RS512, ES256 or HS256, got \"" + text + "\"");
                 s.jwt_algorithm = *algorithm;
             },
             [](const KeySettings& s) { return crypto::to_string(s.jwt_algorithm); })},
        {"AUTH_JWT_PRIVATE_KEY_FILE", computed("`<data dir>/jwt-<alg>.pem`"),
         "PEM private key (PKCS#8 or traditional RSA); HS256: the secret (default "
         "`<data dir>/jwt-hs256.key`). The default file is generated on first start and reused; "
         "a file you name must exist",
         config::custom(
             [](const std::string& text, KeySettings& s) {
                 s.jwt_key_file = text;
                 s.create_jwt_key = false;
             },
             [](const KeySettings& s) { return s.jwt_key_file; }),
         [](KeySettings& s) {
             const std::string lower = text::ascii_lower(crypto::to_string(s.jwt_algorithm));
             s.jwt_key_file = s.data_dir + "/jwt-" + lower + (lower == "hs256" ? ".key" : ".pem");
         }},
    };
    return settings;
}

const config::Settings<TokenSettings>& token_settings() {
    static const config::Settings<TokenSettings> settings{
        {"AUTH_JWT_ISSUER", literal("authd"), "the `iss` claim",
         config::text(&TokenSettings::issuer)},
        {"AUTH_JWT_AUDIENCE", none(), "when set, the `aud` claim (and required on verification)",
         config::text(&TokenSettings::audience)},
        {"AUTH_ACCESS_TOKEN_LIFETIME", literal("15m"), "access token lifetime",
         duration(&TokenSettings::access_lifetime, 1)},
        {"AUTH_REFRESH_TOKEN_LIFETIME", literal("1d"), "a session's absolute lifetime",
         duration(&TokenSettings::refresh_lifetime, 1)},
        {"AUTH_REFRESH_IDLE_TIMEOUT", literal("1d"), "a session unused this long ends",
         duration(&TokenSettings::refresh_idle_timeout, 1)},
        {"AUTH_REFRESH_GRACE_PERIOD", literal("10s"),
         "a spent refresh token returns the same new pair within this window",
         duration(&TokenSettings::refresh_grace_period, 0)},
        {"AUTH_SERVICE_TOKEN_LIFETIME", literal("12h"), "service token lifetime",
         duration(&TokenSettings::service_lifetime, 1)},
        {"AUTH_TOKEN_CACHE_SIZE", literal("10000"),
         "access and service tokens whose signature is remembered as checked (a BLAKE2b digest of "
         "the whole token; claims and the session are still checked at every request), `0` for "
         "none",
         integer(&TokenSettings::verified_cache_size, 0, 10'000'000)},
    };
    return settings;
}

namespace {

void read_services(const std::string& text, std::vector<ServiceSecret>& services) {
    for (const std::string& item : config::parse_list(text)) {
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
            throw std::invalid_argument(
                "expected name:secret[,name:secret...], got an entry without a name or a secret");
        const std::string name = item.substr(0, colon);
        const std::string secret = item.substr(colon + 1);
        if (secret.size() < 12)
            throw std::invalid_argument("the secret of service \"" + name +
                                        "\" is shorter than 12 characters");
        for (const auto& existing : services)
            if (existing.name == name)
                throw std::invalid_argument("service \"" + name + "\" is listed twice");
        services.push_back({name, secret});
    }
}

std::string show_services(const std::vector<ServiceSecret>& services) {
    std::string out;
    for (const auto& service : services)
        out += (out.empty() ? "" : ",") + service.name + ":***";
    return out;
}

}  // namespace

const config::Settings<std::vector<ServiceSecret>>& service_settings() {
    static const config::Settings<std::vector<ServiceSecret>> settings{
        {"AUTH_SERVICES", none(),
         "microservice credentials: `name:secret,name:secret` (secrets ≥ 12 characters)",
         config::custom(read_services, show_services)},
    };
    return settings;
}

const config::Settings<KeySettings>& secret_key_settings() {
    static const config::Settings<KeySettings> settings{
        {"AUTH_SECRET_KEY_FILE", computed("`<data dir>/secret.key`"),
         "32-byte installation secret, generated on first start (share it between instances)",
         config::text(&KeySettings::secret_key_file),
         [](KeySettings& s) { s.secret_key_file = s.data_dir + "/secret.key"; }},
    };
    return settings;
}

const config::Settings<TwoFactorSettings>& two_factor_settings() {
    static const config::Settings<TwoFactorSettings> settings{
        {"AUTH_TOTP_ISSUER", literal("authd"), "the issuer name authenticator apps show",
         config::custom(
             [](const std::string& text, TwoFactorSettings& s) {
                 if (text.empty() || text.find(':') != std::string::npos)
                     throw std::invalid_argument("must be a non-empty name without ':'");
                 s.issuer = text;
             },
             [](const TwoFactorSettings& s) { return s.issuer; })},
        {"AUTH_LOGIN_TICKET_LIFETIME", literal("5m"),
         "time from a login's password step to its second factor",
         duration(&TwoFactorSettings::ticket_lifetime, 1)},
        {"AUTH_OTP_MAX_ATTEMPTS", literal("5"), "wrong codes that end a login ticket",
         integer(&TwoFactorSettings::ticket_max_failures, 1, 1000)},
        {"AUTH_OTP_LOCKOUT_AFTER", literal("100"),
         "consecutive wrong codes per account, then the wait of `AUTH_OTP_LOCKOUT`",
         integer(&TwoFactorSettings::max_consecutive_failures, 1, 1'000'000)},
        {"AUTH_OTP_LOCKOUT", literal("1h"), "the wait once `AUTH_OTP_LOCKOUT_AFTER` is reached",
         duration(&TwoFactorSettings::lockout, 1)},
        {"AUTH_LOGIN_CODE_RATE_LIMIT", literal("5"), "login codes mailed per account per hour",
         integer(config::member(&TwoFactorSettings::email_code_limit, &Limit::attempts), 1,
                 1'000'000)},
    };
    return settings;
}

const config::Settings<ReauthenticationSettings>& reauthentication_settings() {
    static const config::Settings<ReauthenticationSettings> settings{
        {"AUTH_REAUTH_WINDOW", literal("15m"),
         "a login this recent confirms a sensitive change (e-mail, 2FA off, app removal, a "
         "passkey added or removed, deletion) without the password; removing the password needs "
         "a login this recent with a passkey",
         duration(&ReauthenticationSettings::window, 0)},
    };
    return settings;
}

const config::Settings<LoginLimitSettings>& login_limit_settings() {
    static const config::Settings<LoginLimitSettings> settings{
        {"AUTH_LOGIN_BACKOFF_AFTER", literal("5"),
         "failed logins of an account from one address before it waits",
         integer(&LoginLimitSettings::backoff_after, 1, 1'000'000)},
        {"AUTH_LOGIN_BACKOFF_MAX", literal("15m"), "the longest of those waits",
         duration(&LoginLimitSettings::backoff_max, 1)},
        {"AUTH_LOGIN_FAILURES_PER_IP", literal("100"), "failed logins per address per minute",
         integer(config::member(&LoginLimitSettings::per_address, &Limit::attempts), 1,
                 100'000'000)},
        {"AUTH_LOGIN_FAILURES_PER_ACCOUNT", literal("50"), "failed logins per account per hour",
         integer(config::member(&LoginLimitSettings::per_account, &Limit::attempts), 1,
                 100'000'000)},
    };
    return settings;
}

const config::Settings<RegistrationSettings>& registration_settings() {
    static const config::Settings<RegistrationSettings> settings{
        {"AUTH_REGISTRATION_RATE_LIMIT", literal("30"),
         "registrations per address (IPv6: per /64) per `AUTH_REGISTRATION_RATE_WINDOW`, counted "
         "before the password is hashed",
         integer(config::member(&RegistrationSettings::per_address, &Limit::attempts), 1,
                 100'000'000)},
        {"AUTH_REGISTRATION_RATE_WINDOW", literal("1h"),
         "the window of `AUTH_REGISTRATION_RATE_LIMIT`",
         duration(config::member(&RegistrationSettings::per_address, &Limit::window), 1)},
    };
    return settings;
}

const config::Settings<ServiceLoginSettings>& service_login_settings() {
    static const config::Settings<ServiceLoginSettings> settings{
        {"AUTH_SERVICE_LOGIN_FAILURES_PER_IP", literal("20"),
         "failed service logins (`internal/auth`) per address in 10 minutes, counted before the "
         "secret is checked",
         integer(config::member(&ServiceLoginSettings::failures_per_address, &Limit::attempts), 1,
                 100'000'000)},
    };
    return settings;
}

const config::Settings<MaintenanceSettings>& maintenance_settings() {
    static const config::Settings<MaintenanceSettings> settings{
        {"AUTH_AUDIT_RETENTION", literal("90d"), "how long audit events are kept",
         duration(&MaintenanceSettings::audit_retention, 3600)},
    };
    return settings;
}

const config::Settings<PasswordPolicyConfig>& password_policy_settings() {
    static const config::Settings<PasswordPolicyConfig> settings{
        {
            {"AUTH_PASSWORD_MIN_LENGTH", literal("12"), "code points",
             integer(&PasswordPolicyConfig::min_length, 1, 1024)},
            {"AUTH_PASSWORD_MAX_LENGTH", literal("128"),
             "code points; not below `AUTH_PASSWORD_MIN_LENGTH`",
             integer(&PasswordPolicyConfig::max_length, 1, 4096)},
        },
        [](PasswordPolicyConfig& policy, const config::Environment&) {
            if (policy.max_length < policy.min_length)
                config::fail("AUTH_PASSWORD_MAX_LENGTH",
                             "must not be below AUTH_PASSWORD_MIN_LENGTH");
        }};
    return settings;
}

}  // namespace authd::auth
