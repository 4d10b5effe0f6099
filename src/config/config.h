#pragma once
// The whole configuration, read once at start from AUTH_* environment variables and validated.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace authd::config {

struct ServiceCredential {
    std::string name;
    std::string secret;
};

struct Config {
    // Server
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8000;
    unsigned io_threads = 0;  // 0 before load(): the number of cores
    unsigned worker_threads = 16;
    unsigned worker_queue = 1024;
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_ip = 256;  // IPv6: per /64; trusted proxies not counted
    unsigned max_requests_per_connection = 1000;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_header_bytes = 8 * 1024;
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds idle_timeout{60};
    std::vector<std::string> trusted_proxies;
    std::vector<std::string> cors_origins;  // normalized origins, or {"*"}; empty: CORS off
    std::string log_level = "info";
    std::string metrics_token;  // empty: GET /metrics needs no token

    // Storage
    std::string data_dir = "./data";
    std::string database_url;              // default: sqlite://<data_dir>/auth.db
    unsigned db_pool_size = 0;             // default: worker_threads, at most 16
    std::int64_t db_startup_timeout = 30;  // how long start-up waits for the database

    // E-mail and links
    std::string email_url = "console:";
    std::string email_from = "authd <no-reply@localhost>";
    std::string public_url;                 // default: http://<listen>
    std::optional<bool> email_require_tls;  // default: when the SMTP URL carries credentials
    std::int64_t email_timeout = 10;
    std::int64_t email_retry_base = 30;
    std::int64_t email_give_up_after = 2 * 86400;
    std::int64_t password_reset_lifetime = 3600;
    std::int64_t email_verification_lifetime = 24 * 3600;
    int email_rate_limit = 3;  // reset, resend and export, per account or address
    std::int64_t email_rate_window = 3600;

    // Tokens
    std::string jwt_algorithm = "EdDSA";
    std::string jwt_private_key_file;  // default: <data_dir>/jwt-<alg>.pem (.key for HS256)
    bool jwt_key_generated = true;     // the default file is created on first start; a given
                                       // AUTH_JWT_PRIVATE_KEY_FILE must exist
    std::string jwt_issuer = "authd";
    std::string jwt_audience;  // empty: no "aud" claim
    std::int64_t access_token_lifetime = 15 * 60;
    std::int64_t refresh_token_lifetime = 24 * 3600;
    std::int64_t refresh_idle_timeout = 24 * 3600;
    std::int64_t refresh_grace_period = 10;
    std::int64_t service_token_lifetime = 12 * 3600;
    std::size_t token_cache_size = 10000;  // access/service tokens remembered as verified
    std::vector<ServiceCredential> services;
    std::string secret_key_file;  // default: <data_dir>/secret.key

    // Two-factor authentication and re-authentication
    std::string totp_issuer = "authd";
    std::int64_t login_ticket_lifetime = 300;
    int otp_max_attempts = 5;     // wrong codes that end a login ticket
    int otp_lockout_after = 100;  // consecutive wrong codes per account
    std::int64_t otp_lockout = 3600;
    int login_code_rate_limit = 5;  // e-mailed login codes per account per hour
    std::int64_t reauth_window = 15 * 60;

    // Abuse limits and the audit log
    int login_backoff_after = 5;  // failures of an account from one address before waits
    std::int64_t login_backoff_max = 15 * 60;
    int login_failures_per_ip = 100;               // per minute
    int login_failures_per_account = 50;           // per hour
    int registration_rate_limit = 30;              // registrations per address (IPv6: per /64) ...
    std::int64_t registration_rate_window = 3600;  // ... per this many seconds
    int service_login_failures_per_ip = 20;        // failed internal/auth per address per 10 min
    std::int64_t audit_retention = 90 * 86400;

    // The platform's other services (docs/HOOKS.md)
    std::string hooks_file;  // empty: no calls, no events
    std::string hooks_service_name = "auth";
    std::int64_t hooks_retry_base = 5;
    std::int64_t hooks_export_wait = 300;
    std::int64_t hooks_event_give_up_after = 3 * 86400;

    // Passwords
    std::uint64_t argon2_memory_kib = 19 * 1024;
    std::uint64_t argon2_iterations = 2;
    unsigned hash_threads = 0;  // 0 before load(): the number of cores
    unsigned hash_queue = 0;    // default: AUTH_WORKER_THREADS / 2 - AUTH_HASH_THREADS (at least 0)
    std::size_t password_min_length = 12;
    std::size_t password_max_length = 128;
};

// A bad value: the message names the variable and says what is wrong.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads the configuration through `getenv` (injected for tests). Throws ConfigError.
Config load(const std::function<std::optional<std::string>(const std::string&)>& getenv);
Config load_from_environment();

// "name = value" lines of the effective configuration, secrets masked.
std::vector<std::pair<std::string, std::string>> describe(const Config& config);

// Parses "900", "900s", "15m", "12h", "1d" into seconds; nullopt when malformed or negative.
std::optional<std::int64_t> parse_duration(const std::string& text);

// The URL (or libpq key=value string) with every credential replaced by "***", whatever its
// form: the password of the userinfo, and the values of the parameters `password`,
// `sslpassword` and `passfile` (names percent-decoded and in any case, in the query or as
// key=value words). Written for log lines: when in doubt it hides more.
std::string mask_url_password(const std::string& url);

}  // namespace authd::config
