#pragma once
// The HTTP/1.1 server: Boost.Beast on Asio with one coroutine per connection on `io_threads`,
// handlers on a separate bounded worker pool.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/router.h"

namespace authd::http {

class RequestMetrics;

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8000;
    unsigned io_threads = 2;
    unsigned worker_threads = 16;
    unsigned worker_queue = 1024;             // requests waiting for a worker; beyond: 503
    std::size_t max_body_bytes = 64 * 1024;   // 413 beyond
    std::size_t max_header_bytes = 8 * 1024;  // 431 beyond (request line and headers together)
    std::size_t max_connections = 10000;      // further connections are closed at accept
    // Open connections from one peer address (IPv6: one /64), further ones closed at accept so
    // that one client cannot take all of max_connections. Counted by the peer, before any
    // forwarding header is read; trusted proxies carry many clients and are not capped.
    std::size_t max_connections_per_address = 256;
    // Then the connection is closed after the answer (spreads clients over instances).
    unsigned max_requests_per_connection = 1000;
    // From the first byte of a request to its last header; also how long a new connection may
    // stay silent (at most idle_timeout).
    std::chrono::seconds header_timeout{10};
    // Headers and body from the request's first byte; writing the answer gets as long again.
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds idle_timeout{60};    // keep-alive connection with no request under way
    std::chrono::seconds shutdown_grace{10};  // in-flight requests get this long after SIGTERM
    // Peers whose X-Forwarded-For / Forwarded / X-Real-IP are believed: addresses or CIDR
    // blocks (http/client_address.h).
    std::vector<std::string> trusted_proxies;
    // Origins whose pages may read the answers (http/cors.h): "https://host[:port]" entries or
    // the single "*"; empty: CORS off. The constructor throws std::invalid_argument on a bad one.
    std::vector<std::string> cors_origins;
    // `Strict-Transport-Security` on every answer (the public URL is https).
    bool hsts = false;
    // The store's reads are in-process and never wait for a writer (SQLite in WAL mode, with a
    // connection for each I/O thread beyond the workers'): routes marked
    // Execution::io_thread_if_local_reads then run on the I/O thread.
    bool local_store_reads = false;
};

class Server {
  public:
    // `metrics`, when given, counts every answer (it must outlive the server).
    Server(ServerOptions options, const Router& router, RequestMetrics* metrics = nullptr);
    ~Server();

    // Binds and listens; throws std::runtime_error with a clear message when it cannot.
    void listen();
    // The bound port (useful with port 0).
    unsigned short port() const;
    // Serves until SIGTERM/SIGINT or stop(): then stops accepting, closes idle connections,
    // lets in-flight requests finish (at most shutdown_grace), and returns.
    void run();
    // Asks run() to return as a signal would. Thread-safe.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace authd::http
