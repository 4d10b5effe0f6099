#include "config/config.h"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include "http/client_address.h"
#include "http/cors.h"
#include "mail/message.h"
#include "mail/transport.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

namespace authd::config {
namespace {

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

[[noreturn]] void fail(const std::string& variable, const std::string& reason) {
    throw ConfigError(variable + ": " + reason);
}

template <class Integer>
Integer parse_integer(const std::string& variable, const std::string& text, Integer min,
                      Integer max) {
    Integer value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty())
        fail(variable, "expected a whole number, got \"" + text + "\"");
    if (value < min || value > max)
        fail(variable, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + text);
    return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == separator) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

unsigned cores() {
    return std::max(1u, std::thread::hardware_concurrency());
}

class Reader {
  public:
    explicit Reader(const Getenv& getenv) : getenv_(getenv) {}

    std::optional<std::string> text(const std::string& variable) const {
        auto value = getenv_(variable);
        if (value && value->empty()) return std::nullopt;  // empty means "default"
        return value;
    }

    template <class Integer>
    void integer(const std::string& variable, Integer& out, Integer min, Integer max) const {
        if (auto value = text(variable)) out = parse_integer<Integer>(variable, *value, min, max);
    }

    void duration(const std::string& variable, std::int64_t& out, std::int64_t min) const {
        if (auto value = text(variable)) {
            auto seconds = parse_duration(*value);
            if (!seconds)
                fail(variable, "expected a duration such as 900, 900s, 15m, 12h or 1d, got \"" +
                                   *value + "\"");
            if (*seconds < min)
                fail(variable, "must be at least " + std::to_string(min) + " seconds");
            out = *seconds;
        }
    }

    void duration(const std::string& variable, std::chrono::seconds& out, std::int64_t min) const {
        std::int64_t seconds = out.count();
        duration(variable, seconds, min);
        out = std::chrono::seconds(seconds);
    }

  private:
    const Getenv& getenv_;
};

void parse_listen(const std::string& text, Config& config) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        fail("AUTH_LISTEN", "expected host:port, got \"" + text + "\"");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    config.listen_host = host;
    config.listen_port =
        parse_integer<unsigned short>("AUTH_LISTEN", text.substr(colon + 1), 0, 65535);
}

void parse_services(const std::string& text, Config& config) {
    for (const std::string& entry : split(text, ',')) {
        const std::string item = trim(entry);
        if (item.empty()) continue;
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
            fail("AUTH_SERVICES",
                 "expected name:secret[,name:secret...], got an entry without "
                 "a name or a secret");
        const std::string name = item.substr(0, colon);
        const std::string secret = item.substr(colon + 1);
        if (secret.size() < 12)
            fail("AUTH_SERVICES",
                 "the secret of service \"" + name + "\" is shorter than 12 characters");
        for (const auto& existing : config.services)
            if (existing.name == name)
                fail("AUTH_SERVICES", "service \"" + name + "\" is listed twice");
        config.services.push_back({name, secret});
    }
}

void check_url(const std::string& variable, const std::string& url,
               std::initializer_list<std::string_view> schemes) {
    const auto parsed = boost::urls::parse_absolute_uri(url);
    bool ok = parsed.has_value();
    if (ok) {
        ok = false;
        for (auto scheme : schemes)
            if (parsed->scheme() == scheme) ok = true;
    }
    if (!ok) {
        std::string list;
        for (auto scheme : schemes)
            list += (list.empty() ? "" : ", ") + std::string(scheme);
        fail(variable,
             "expected a URL with scheme " + list + ", got \"" + mask_url_password(url) + "\"");
    }
}

}  // namespace

std::optional<std::int64_t> parse_duration(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::int64_t multiplier = 1;
    std::string digits = text;
    switch (text.back()) {
        case 's':
            multiplier = 1;
            digits.pop_back();
            break;
        case 'm':
            multiplier = 60;
            digits.pop_back();
            break;
        case 'h':
            multiplier = 3600;
            digits.pop_back();
            break;
        case 'd':
            multiplier = 86400;
            digits.pop_back();
            break;
        default:
            break;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
        value < 0 || value > 100LL * 365 * 86400 / multiplier)
        return std::nullopt;
    return value * multiplier;
}

namespace {

using Range = std::pair<std::size_t, std::size_t>;  // [begin, end) of text to hide

// The password of `scheme://user:password@host`. The last '@' of the whole text ends it: a
// password typed without percent-encoding may hold '/', '?', '#' or '@'.
std::optional<Range> userinfo_password(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const auto authority_start = scheme_end + 3;
    const auto at = url.rfind('@');
    if (at == std::string_view::npos || at < authority_start) return std::nullopt;
    const auto colon = url.find(':', authority_start);
    if (colon == std::string_view::npos || colon > at) return std::nullopt;
    return Range{colon + 1, at};
}

// libpq percent-decodes parameter names too: "p%61ssword" is "password".
bool is_credential_parameter(std::string_view encoded_name) {
    const auto decoded = boost::urls::make_pct_string_view(encoded_name);
    std::string name = decoded ? decoded->decode() : std::string(encoded_name);
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name == "password" || name == "sslpassword" || name == "passfile";
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The values of credential parameters: `?name=value` and `&name=value` in a query, and the
// `name=value` (or `name = 'quoted value'`) words of a libpq key=value string.
std::vector<Range> credential_parameters(std::string_view text) {
    std::vector<Range> ranges;
    for (std::size_t start = 0; start < text.size(); ++start) {
        const bool parameter_start = start == 0 || text[start - 1] == '?' ||
                                     text[start - 1] == '&' || text[start - 1] == ';' ||
                                     is_space(text[start - 1]);
        if (!parameter_start) continue;
        const std::size_t equals = text.find('=', start);
        if (equals == std::string_view::npos) break;
        std::size_t name_end = equals;
        while (name_end > start && is_space(text[name_end - 1]))
            --name_end;
        const std::string_view name = text.substr(start, name_end - start);
        if (name.empty() || name.find_first_of("?&;/ \t") != std::string_view::npos ||
            !is_credential_parameter(name))
            continue;
        std::size_t begin = equals + 1;
        while (begin < text.size() && is_space(text[begin]))
            ++begin;
        std::size_t end = begin;
        if (begin < text.size() && text[begin] == '\'') {
            // A quoted value ends at its closing quote (\' escapes one).
            for (end = begin + 1; end < text.size() && text[end] != '\''; ++end)
                if (text[end] == '\\') ++end;
            end = std::min(end + 1, text.size());
        } else {
            while (end < text.size() && text[end] != '&' && text[end] != '#' &&
                   !is_space(text[end]))
                ++end;
        }
        ranges.emplace_back(begin, end);
    }
    return ranges;
}

}  // namespace

std::string mask_url_password(const std::string& url) {
    std::vector<Range> ranges = credential_parameters(url);
    if (const auto password = userinfo_password(url)) ranges.push_back(*password);
    std::sort(ranges.begin(), ranges.end());
    std::vector<Range> hidden;  // the same, overlaps merged
    for (const Range& range : ranges) {
        if (!hidden.empty() && range.first <= hidden.back().second)
            hidden.back().second = std::max(hidden.back().second, range.second);
        else
            hidden.push_back(range);
    }
    std::string out;
    std::size_t copied = 0;
    for (const auto& [begin, end] : hidden) {
        out.append(url, copied, begin - copied);
        out += "***";
        copied = end;
    }
    out.append(url, copied);
    return out;
}

Config load(const Getenv& getenv) {
    Config config;
    const Reader env(getenv);
    config.io_threads = cores();
    config.hash_threads = cores();

    if (auto listen = env.text("AUTH_LISTEN")) parse_listen(*listen, config);
    env.integer<unsigned>("AUTH_IO_THREADS", config.io_threads, 1, 256);
    env.integer<unsigned>("AUTH_WORKER_THREADS", config.worker_threads, 1, 1024);
    env.integer<unsigned>("AUTH_WORKER_QUEUE", config.worker_queue, 1, 1'000'000);
    env.integer<std::size_t>("AUTH_MAX_CONNECTIONS", config.max_connections, 1, 1'000'000);
    env.integer<std::size_t>("AUTH_MAX_CONNECTIONS_PER_IP", config.max_connections_per_ip, 1,
                             1'000'000);
    env.integer<unsigned>("AUTH_MAX_REQUESTS_PER_CONNECTION", config.max_requests_per_connection, 1,
                          1'000'000);
    env.integer<std::size_t>("AUTH_MAX_BODY_BYTES", config.max_body_bytes, 1024, 16 << 20);
    env.integer<std::size_t>("AUTH_MAX_HEADER_BYTES", config.max_header_bytes, 1024, 1 << 20);
    env.duration("AUTH_HEADER_TIMEOUT", config.header_timeout, 1);
    env.duration("AUTH_REQUEST_TIMEOUT", config.request_timeout, 1);
    env.duration("AUTH_IDLE_TIMEOUT", config.idle_timeout, 1);
    if (auto proxies = env.text("AUTH_TRUSTED_PROXIES")) {
        for (const std::string& entry : split(*proxies, ','))
            if (!trim(entry).empty()) config.trusted_proxies.push_back(trim(entry));
        try {
            http::TrustedProxies check(config.trusted_proxies);  // the server's own parser
        } catch (const std::invalid_argument& e) {
            fail("AUTH_TRUSTED_PROXIES", e.what());
        }
    }
    if (auto origins = env.text("AUTH_CORS_ORIGINS")) {
        std::vector<std::string> entries;
        for (const std::string& entry : split(*origins, ','))
            if (!trim(entry).empty()) entries.push_back(trim(entry));
        try {
            config.cors_origins = http::CorsPolicy(entries).origins();  // the server's own parser
        } catch (const std::invalid_argument& e) {
            fail("AUTH_CORS_ORIGINS", e.what());
        }
    }
    if (auto level = env.text("AUTH_LOG_LEVEL")) {
        if (*level != "debug" && *level != "info" && *level != "warn" && *level != "error")
            fail("AUTH_LOG_LEVEL", "expected debug, info, warn or error, got \"" + *level + "\"");
        config.log_level = *level;
    }

    if (auto token = env.text("AUTH_METRICS_TOKEN")) {
        if (token->size() < 12) fail("AUTH_METRICS_TOKEN", "must be at least 12 characters");
        for (unsigned char c : *token)
            if (c <= 0x20 || c >= 0x7f)
                fail("AUTH_METRICS_TOKEN",
                     "must be printable ASCII without spaces (it is sent as a bearer token)");
        config.metrics_token = *token;
    }

    if (auto dir = env.text("AUTH_DATA_DIR")) config.data_dir = *dir;
    config.database_url = "sqlite://" + config.data_dir + "/auth.db";
    if (auto url = env.text("AUTH_DATABASE_URL")) {
        if (url->rfind("sqlite://", 0) == 0) {
            if (url->size() == 9) fail("AUTH_DATABASE_URL", "sqlite:// needs a file path");
        } else {
            check_url("AUTH_DATABASE_URL", *url, {"postgresql", "postgres"});
        }
        config.database_url = *url;
    }
    // Half the request threads may be waiting on the hash pool, not the database; 16 connections
    // keep several instances under PostgreSQL's default max_connections.
    config.db_pool_size = std::min(config.worker_threads, 16u);
    env.integer<unsigned>("AUTH_DB_POOL_SIZE", config.db_pool_size, 1, 1024);
    env.duration("AUTH_DB_STARTUP_TIMEOUT", config.db_startup_timeout, 0);

    if (auto url = env.text("AUTH_EMAIL_URL")) {
        if (*url != "console:") {
            check_url("AUTH_EMAIL_URL", *url, {"smtp", "smtps"});
            try {
                mail::make_smtp_transport(*url, false, 10);  // the transport's own, stricter check
            } catch (const std::invalid_argument& e) {
                fail("AUTH_EMAIL_URL", e.what());
            }
        }
        config.email_url = *url;
    }
    if (auto require_tls = env.text("AUTH_EMAIL_REQUIRE_TLS")) {
        if (*require_tls == "true" || *require_tls == "1")
            config.email_require_tls = true;
        else if (*require_tls == "false" || *require_tls == "0")
            config.email_require_tls = false;
        else
            fail("AUTH_EMAIL_REQUIRE_TLS", "expected true or false, got \"" + *require_tls + "\"");
    }
    env.duration("AUTH_EMAIL_TIMEOUT", config.email_timeout, 1);
    env.duration("AUTH_EMAIL_RETRY_BASE", config.email_retry_base, 1);
    env.duration("AUTH_EMAIL_GIVE_UP_AFTER", config.email_give_up_after, 1);
    env.duration("AUTH_PASSWORD_RESET_LIFETIME", config.password_reset_lifetime, 1);
    env.duration("AUTH_EMAIL_VERIFICATION_LIFETIME", config.email_verification_lifetime, 1);
    env.integer<int>("AUTH_EMAIL_RATE_LIMIT", config.email_rate_limit, 1, 1'000'000);
    env.duration("AUTH_EMAIL_RATE_WINDOW", config.email_rate_window, 1);
    if (auto from = env.text("AUTH_EMAIL_FROM")) {
        try {
            mail::bare_address(*from);  // the renderer's own check
        } catch (const std::invalid_argument& e) {
            fail("AUTH_EMAIL_FROM",
                 std::string("expected an address or \"Name <address>\": ") + e.what());
        }
        config.email_from = *from;
    }
    config.public_url = "http://" + config.listen_host + ":" + std::to_string(config.listen_port);
    if (auto url = env.text("AUTH_PUBLIC_URL")) {
        check_url("AUTH_PUBLIC_URL", *url, {"http", "https"});
        config.public_url = *url;
        while (!config.public_url.empty() && config.public_url.back() == '/')
            config.public_url.pop_back();
    }

    if (auto algorithm = env.text("AUTH_JWT_ALGORITHM")) {
        static const std::vector<std::string> known = {"EdDSA", "RS256", "RS512", "ES256", "HS256"};
        if (std::find(known.begin(), known.end(), *algorithm) == known.end())
            fail("AUTH_JWT_ALGORITHM",
                 "expected EdDSA, RS256, RS512, ES256 or HS256, got \"" + *algorithm + "\"");
        config.jwt_algorithm = *algorithm;
    }
    {
        std::string lower = config.jwt_algorithm;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        config.jwt_private_key_file =
            config.data_dir + "/jwt-" + lower + (lower == "hs256" ? ".key" : ".pem");
    }
    if (auto file = env.text("AUTH_JWT_PRIVATE_KEY_FILE")) {
        config.jwt_private_key_file = *file;
        config.jwt_key_generated = false;
    }
    if (auto issuer = env.text("AUTH_JWT_ISSUER")) config.jwt_issuer = *issuer;
    if (auto audience = env.text("AUTH_JWT_AUDIENCE")) config.jwt_audience = *audience;
    env.duration("AUTH_ACCESS_TOKEN_LIFETIME", config.access_token_lifetime, 1);
    env.duration("AUTH_REFRESH_TOKEN_LIFETIME", config.refresh_token_lifetime, 1);
    env.duration("AUTH_REFRESH_IDLE_TIMEOUT", config.refresh_idle_timeout, 1);
    env.duration("AUTH_REFRESH_GRACE_PERIOD", config.refresh_grace_period, 0);
    env.duration("AUTH_SERVICE_TOKEN_LIFETIME", config.service_token_lifetime, 1);
    env.integer<std::size_t>("AUTH_TOKEN_CACHE_SIZE", config.token_cache_size, 0, 10'000'000);
    if (auto services = env.text("AUTH_SERVICES")) parse_services(*services, config);
    config.secret_key_file = config.data_dir + "/secret.key";
    if (auto file = env.text("AUTH_SECRET_KEY_FILE")) config.secret_key_file = *file;

    if (auto issuer = env.text("AUTH_TOTP_ISSUER")) {
        if (issuer->empty() || issuer->find(':') != std::string::npos)
            fail("AUTH_TOTP_ISSUER", "must be a non-empty name without ':'");
        config.totp_issuer = *issuer;
    }
    env.duration("AUTH_LOGIN_TICKET_LIFETIME", config.login_ticket_lifetime, 1);
    env.integer<int>("AUTH_OTP_MAX_ATTEMPTS", config.otp_max_attempts, 1, 1000);
    env.integer<int>("AUTH_OTP_LOCKOUT_AFTER", config.otp_lockout_after, 1, 1'000'000);
    env.duration("AUTH_OTP_LOCKOUT", config.otp_lockout, 1);
    env.integer<int>("AUTH_LOGIN_CODE_RATE_LIMIT", config.login_code_rate_limit, 1, 1'000'000);
    env.duration("AUTH_REAUTH_WINDOW", config.reauth_window, 0);
    env.integer<int>("AUTH_LOGIN_BACKOFF_AFTER", config.login_backoff_after, 1, 1'000'000);
    env.duration("AUTH_LOGIN_BACKOFF_MAX", config.login_backoff_max, 1);
    env.integer<int>("AUTH_LOGIN_FAILURES_PER_IP", config.login_failures_per_ip, 1, 100'000'000);
    env.integer<int>("AUTH_LOGIN_FAILURES_PER_ACCOUNT", config.login_failures_per_account, 1,
                     100'000'000);
    env.integer<int>("AUTH_REGISTRATION_RATE_LIMIT", config.registration_rate_limit, 1,
                     100'000'000);
    env.duration("AUTH_REGISTRATION_RATE_WINDOW", config.registration_rate_window, 1);
    env.integer<int>("AUTH_SERVICE_LOGIN_FAILURES_PER_IP", config.service_login_failures_per_ip, 1,
                     100'000'000);
    env.duration("AUTH_AUDIT_RETENTION", config.audit_retention, 3600);

    // libsodium's Argon2id needs at least 8 KiB; beyond 4 GiB is surely a typo.
    env.integer<std::uint64_t>("AUTH_ARGON2_MEMORY_KIB", config.argon2_memory_kib, 8,
                               4ULL * 1024 * 1024);
    env.integer<std::uint64_t>("AUTH_ARGON2_ITERATIONS", config.argon2_iterations, 1, 100);
    env.integer<unsigned>("AUTH_HASH_THREADS", config.hash_threads, 1, 256);
    // Every hash in the pool or its queue holds a worker thread while it waits, so hashing may
    // hold at most half of them: the other half keep serving token checks through a login flood.
    const unsigned hashing_share = std::max(1u, config.worker_threads / 2);
    if (!env.text("AUTH_HASH_THREADS")) config.hash_threads = std::min(cores(), hashing_share);
    config.hash_queue =
        hashing_share > config.hash_threads ? hashing_share - config.hash_threads : 0;
    env.integer<unsigned>("AUTH_HASH_QUEUE", config.hash_queue, 0, 100'000);
    const bool hashing_configured = env.text("AUTH_HASH_THREADS") || env.text("AUTH_HASH_QUEUE");
    if (hashing_configured && config.hash_threads + config.hash_queue >= config.worker_threads)
        fail("AUTH_HASH_QUEUE",
             "AUTH_HASH_THREADS + AUTH_HASH_QUEUE must stay below "
             "AUTH_WORKER_THREADS (" +
                 std::to_string(config.worker_threads) +
                 "), or a login flood would hold every request thread");
    if (auto file = env.text("AUTH_HOOKS_FILE")) config.hooks_file = *file;
    if (auto name = env.text("AUTH_HOOKS_SERVICE_NAME")) {
        if (name->empty()) fail("AUTH_HOOKS_SERVICE_NAME", "must not be empty");
        config.hooks_service_name = *name;
    }
    env.duration("AUTH_HOOKS_RETRY_BASE", config.hooks_retry_base, 1);
    env.duration("AUTH_HOOKS_EXPORT_WAIT", config.hooks_export_wait, 0);
    env.duration("AUTH_HOOKS_EVENT_GIVE_UP_AFTER", config.hooks_event_give_up_after, 60);
    env.integer<std::size_t>("AUTH_PASSWORD_MIN_LENGTH", config.password_min_length, 1, 1024);
    env.integer<std::size_t>("AUTH_PASSWORD_MAX_LENGTH", config.password_max_length, 1, 4096);
    if (config.password_max_length < config.password_min_length)
        fail("AUTH_PASSWORD_MAX_LENGTH", "must not be below AUTH_PASSWORD_MIN_LENGTH");
    return config;
}

Config load_from_environment() {
    return load([](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    });
}

std::vector<std::pair<std::string, std::string>> describe(const Config& c) {
    auto seconds = [](std::int64_t s) { return std::to_string(s) + "s"; };
    std::string services;
    for (const auto& service : c.services)
        services += (services.empty() ? "" : ",") + service.name + ":***";
    std::string proxies;
    for (const auto& proxy : c.trusted_proxies)
        proxies += (proxies.empty() ? "" : ",") + proxy;
    std::string origins;
    for (const auto& origin : c.cors_origins)
        origins += (origins.empty() ? "" : ",") + origin;
    return {
        {"AUTH_LISTEN", c.listen_host + ":" + std::to_string(c.listen_port)},
        {"AUTH_IO_THREADS", std::to_string(c.io_threads)},
        {"AUTH_WORKER_THREADS", std::to_string(c.worker_threads)},
        {"AUTH_WORKER_QUEUE", std::to_string(c.worker_queue)},
        {"AUTH_MAX_CONNECTIONS", std::to_string(c.max_connections)},
        {"AUTH_MAX_CONNECTIONS_PER_IP", std::to_string(c.max_connections_per_ip)},
        {"AUTH_MAX_REQUESTS_PER_CONNECTION", std::to_string(c.max_requests_per_connection)},
        {"AUTH_MAX_BODY_BYTES", std::to_string(c.max_body_bytes)},
        {"AUTH_MAX_HEADER_BYTES", std::to_string(c.max_header_bytes)},
        {"AUTH_HEADER_TIMEOUT", seconds(c.header_timeout.count())},
        {"AUTH_REQUEST_TIMEOUT", seconds(c.request_timeout.count())},
        {"AUTH_IDLE_TIMEOUT", seconds(c.idle_timeout.count())},
        {"AUTH_TRUSTED_PROXIES", proxies},
        {"AUTH_CORS_ORIGINS", origins},
        {"AUTH_LOG_LEVEL", c.log_level},
        {"AUTH_METRICS_TOKEN", c.metrics_token.empty() ? "" : "***"},
        {"AUTH_DATA_DIR", c.data_dir},
        {"AUTH_DATABASE_URL", mask_url_password(c.database_url)},
        {"AUTH_DB_POOL_SIZE", std::to_string(c.db_pool_size)},
        {"AUTH_DB_STARTUP_TIMEOUT", seconds(c.db_startup_timeout)},
        {"AUTH_EMAIL_URL", mask_url_password(c.email_url)},
        {"AUTH_EMAIL_FROM", c.email_from},
        {"AUTH_EMAIL_REQUIRE_TLS",
         c.email_require_tls ? (*c.email_require_tls ? "true" : "false") : "auto"},
        {"AUTH_EMAIL_TIMEOUT", seconds(c.email_timeout)},
        {"AUTH_EMAIL_RETRY_BASE", seconds(c.email_retry_base)},
        {"AUTH_EMAIL_GIVE_UP_AFTER", seconds(c.email_give_up_after)},
        {"AUTH_PASSWORD_RESET_LIFETIME", seconds(c.password_reset_lifetime)},
        {"AUTH_EMAIL_VERIFICATION_LIFETIME", seconds(c.email_verification_lifetime)},
        {"AUTH_EMAIL_RATE_LIMIT", std::to_string(c.email_rate_limit)},
        {"AUTH_EMAIL_RATE_WINDOW", seconds(c.email_rate_window)},
        {"AUTH_PUBLIC_URL", mask_url_password(c.public_url)},
        {"AUTH_JWT_ALGORITHM", c.jwt_algorithm},
        {"AUTH_JWT_PRIVATE_KEY_FILE", c.jwt_private_key_file},
        {"AUTH_JWT_ISSUER", c.jwt_issuer},
        {"AUTH_JWT_AUDIENCE", c.jwt_audience},
        {"AUTH_ACCESS_TOKEN_LIFETIME", seconds(c.access_token_lifetime)},
        {"AUTH_REFRESH_TOKEN_LIFETIME", seconds(c.refresh_token_lifetime)},
        {"AUTH_REFRESH_IDLE_TIMEOUT", seconds(c.refresh_idle_timeout)},
        {"AUTH_REFRESH_GRACE_PERIOD", seconds(c.refresh_grace_period)},
        {"AUTH_SERVICE_TOKEN_LIFETIME", seconds(c.service_token_lifetime)},
        {"AUTH_TOKEN_CACHE_SIZE", std::to_string(c.token_cache_size)},
        {"AUTH_SERVICES", services},
        {"AUTH_SECRET_KEY_FILE", c.secret_key_file},
        {"AUTH_TOTP_ISSUER", c.totp_issuer},
        {"AUTH_LOGIN_TICKET_LIFETIME", seconds(c.login_ticket_lifetime)},
        {"AUTH_OTP_MAX_ATTEMPTS", std::to_string(c.otp_max_attempts)},
        {"AUTH_OTP_LOCKOUT_AFTER", std::to_string(c.otp_lockout_after)},
        {"AUTH_OTP_LOCKOUT", seconds(c.otp_lockout)},
        {"AUTH_LOGIN_CODE_RATE_LIMIT", std::to_string(c.login_code_rate_limit)},
        {"AUTH_REAUTH_WINDOW", seconds(c.reauth_window)},
        {"AUTH_LOGIN_BACKOFF_AFTER", std::to_string(c.login_backoff_after)},
        {"AUTH_LOGIN_BACKOFF_MAX", seconds(c.login_backoff_max)},
        {"AUTH_LOGIN_FAILURES_PER_IP", std::to_string(c.login_failures_per_ip)},
        {"AUTH_LOGIN_FAILURES_PER_ACCOUNT", std::to_string(c.login_failures_per_account)},
        {"AUTH_REGISTRATION_RATE_LIMIT", std::to_string(c.registration_rate_limit)},
        {"AUTH_REGISTRATION_RATE_WINDOW", seconds(c.registration_rate_window)},
        {"AUTH_SERVICE_LOGIN_FAILURES_PER_IP", std::to_string(c.service_login_failures_per_ip)},
        {"AUTH_AUDIT_RETENTION", seconds(c.audit_retention)},
        {"AUTH_ARGON2_MEMORY_KIB", std::to_string(c.argon2_memory_kib)},
        {"AUTH_ARGON2_ITERATIONS", std::to_string(c.argon2_iterations)},
        {"AUTH_HASH_THREADS", std::to_string(c.hash_threads)},
        {"AUTH_HASH_QUEUE", std::to_string(c.hash_queue)},
        {"AUTH_HOOKS_FILE", c.hooks_file},
        {"AUTH_HOOKS_SERVICE_NAME", c.hooks_service_name},
        {"AUTH_HOOKS_RETRY_BASE", seconds(c.hooks_retry_base)},
        {"AUTH_HOOKS_EXPORT_WAIT", seconds(c.hooks_export_wait)},
        {"AUTH_HOOKS_EVENT_GIVE_UP_AFTER", seconds(c.hooks_event_give_up_after)},
        {"AUTH_PASSWORD_MIN_LENGTH", std::to_string(c.password_min_length)},
        {"AUTH_PASSWORD_MAX_LENGTH", std::to_string(c.password_max_length)},
    };
}

}  // namespace authd::config
