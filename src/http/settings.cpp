#include "http/settings.h"

#include <stdexcept>

#include "http/client_address.h"
#include "http/cors.h"
#include "util/text.h"

namespace authd::http {
namespace {

void read_listen(const std::string& text, ServerOptions& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("expected host:port, got \"" + text + "\"");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    options.host = host;
    options.port = config::parse_integer<unsigned short>(text.substr(colon + 1), 0, 65535);
}

}  // namespace

const config::Settings<ServerOptions>& server_settings() {
    using config::computed, config::duration, config::integer, config::literal, config::none;
    static const config::Settings<ServerOptions> settings{
        {"AUTH_LISTEN", literal("127.0.0.1:8000"), "address and port to serve on",
         config::custom(read_listen,
                        [](const ServerOptions& options) {
                            return options.host + ":" + std::to_string(options.port);
                        })},
        {"AUTH_IO_THREADS", computed("cores"), "threads that run the network I/O",
         integer(&ServerOptions::io_threads, 1, 256),
         [](ServerOptions& options) { options.io_threads = config::cores(); }},
        {"AUTH_WORKER_THREADS", literal("16"),
         "threads that run request handlers (more measured worse: see "
         "[PERFORMANCE.md](PERFORMANCE.md), isolation)",
         integer(&ServerOptions::worker_threads, 1, 1024)},
        {"AUTH_WORKER_QUEUE", literal("1024"),
         "requests waiting for a handler thread at most; beyond, 503",
         integer(&ServerOptions::worker_queue, 1, 1'000'000)},
        {"AUTH_MAX_CONNECTIONS", literal("10000"), "open connections at most",
         integer(&ServerOptions::max_connections, 1, 1'000'000)},
        {"AUTH_MAX_CONNECTIONS_PER_IP", literal("256"),
         "open connections from one address (IPv6: one /64) at most; further ones are closed at "
         "accept",
         integer(&ServerOptions::max_connections_per_address, 1, 1'000'000)},
        {"AUTH_MAX_REQUESTS_PER_CONNECTION", literal("1000"),
         "requests served on one keep-alive connection; the last answer closes it",
         integer(&ServerOptions::max_requests_per_connection, 1, 1'000'000)},
        {"AUTH_MAX_BODY_BYTES", literal("65536"), "larger bodies get 413",
         integer(&ServerOptions::max_body_bytes, 1024, 16 << 20)},
        {"AUTH_MAX_HEADER_BYTES", literal("8192"),
         "a larger request line and headers (counted together) get 431",
         integer(&ServerOptions::max_header_bytes, 1024, 1 << 20)},
        {"AUTH_HEADER_TIMEOUT", literal("10s"), "time to send a request's headers",
         duration(&ServerOptions::header_timeout, 1)},
        {"AUTH_REQUEST_TIMEOUT", literal("30s"), "time for a whole request",
         duration(&ServerOptions::request_timeout, 1)},
        {"AUTH_IDLE_TIMEOUT", literal("60s"), "a keep-alive connection with no request is closed",
         duration(&ServerOptions::idle_timeout, 1)},
        {"AUTH_TRUSTED_PROXIES", none(),
         "addresses or CIDR blocks whose `X-Forwarded-For` / `Forwarded` / `X-Real-IP` are "
         "believed (not capped by `AUTH_MAX_CONNECTIONS_PER_IP`)",
         config::custom(
             [](const std::string& text, ServerOptions& options) {
                 options.trusted_proxies = config::parse_list(text);
                 TrustedProxies check(options.trusted_proxies);  // the server's own parser
             },
             [](const ServerOptions& options) {
                 return text::join(options.trusted_proxies, ",");
             })},
        {"AUTH_CORS_ORIGINS", none("none (CORS off)"),
         "origins whose pages may call the API, exactly as browsers send them: "
         "`https://game.example.com,http://localhost:5173` (no path, not even `/`), or `*` alone "
         "for any origin; credentials are never allowed",
         config::custom(
             [](const std::string& text, ServerOptions& options) {
                 // Kept normalized, as the server's own parser writes them.
                 options.cors_origins = CorsPolicy(config::parse_list(text)).origins();
             },
             [](const ServerOptions& options) { return text::join(options.cors_origins, ","); })},
    };
    return settings;
}

}  // namespace authd::http
