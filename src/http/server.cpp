#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "http/client_address.h"
#include "http/cors.h"
#include "http/language.h"
#include "http/request_checks.h"
#include "http/request_metrics.h"
#include "http/responses.h"
#include "util/address_scope.h"
#include "util/log.h"

namespace authd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// Expected failures (timeouts, closed sockets) come back as error codes instead of exceptions.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// After refusing a request (413, 431, 400) the rest of what the client sends is read and
// dropped for a short while: closing with unread data would make the kernel send a reset that
// can destroy the answer before the client reads it.
constexpr std::size_t max_drain_bytes = 1024 * 1024;
constexpr std::chrono::seconds max_drain_time{2};

// How often shutdown checks whether the in-flight requests are done.
constexpr std::chrono::milliseconds shutdown_poll{10};
// After the grace period, how long the forcibly closed connections get to unwind.
constexpr std::chrono::milliseconds forced_close_wait{200};

constexpr std::string_view hsts_value = "max-age=31536000; includeSubDomains";

std::string new_request_id() {
    // Request ids only correlate log lines; they need to be unique, not unpredictable.
    thread_local std::mt19937_64 generator{std::random_device{}()};
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
    return text;
}

bool acceptable_request_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// The path as it may appear in a log line: no quotes, spaces or control bytes that could
// forge or split a line.
std::string log_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// Several lines of one header as one comma-separated list, in order.
std::string joined_header(const Request& request, std::string_view name) {
    std::string joined;
    auto [first, last] = request.equal_range(name);
    for (auto it = first; it != last; ++it) {
        if (it != first) joined += ',';
        joined += it->value();
    }
    return joined;
}

std::string format_host_port(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address().to_string();
    const auto host = endpoint.address().is_v6() ? "[" + address + "]" : address;
    return host + ":" + std::to_string(endpoint.port());
}

bool is_http_syntax_error(const error_code& ec) {
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) return false;
    // These two mean the client went away, not that it sent garbage.
    return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// The answer to a request whose framing cannot be taken (a transfer coding other than chunked:
// 501; chunked twice or in HTTP/1.0: 400) or whose `Host` is not the one RFC 9112 §3.2 asks
// for (400); nullopt when it can be served. The connection is closed after such an answer:
// where the body ends cannot be known.
std::optional<Response> framing_refusal(const bhttp::request_header<>& header,
                                        i18n::Language language) {
    const auto codings = transfer_codings(header);
    if (codings.verdict == TransferCodings::Verdict::unsupported)
        return transfer_coding_not_implemented_response(codings.coding, language);
    std::optional<i18n::Message> problem;
    if (codings.verdict == TransferCodings::Verdict::malformed)
        problem = i18n::keys::malformed_request;
    else if (!valid_host_headers(header))
        problem = i18n::keys::host_header_invalid;
    if (!problem) return std::nullopt;
    return error_response(Error(ErrorKind::bad_request, "bad_request", *problem), language);
}

void log_coroutine_failure(std::exception_ptr failure) {
    if (!failure) return;
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        log::error(std::string("connection failed: ") + e.what());
    } catch (...) {
        log::error("connection failed with an unknown exception");
    }
}

}  // namespace

struct Server::Impl {
    struct Connection;

    Impl(ServerOptions server_options, const Router& server_router, RequestMetrics* metrics)
        : options(std::move(server_options)),
          router(server_router),
          request_metrics(metrics),
          trusted(options.trusted_proxies),
          cors(options.cors_origins),
          workers(std::max(1u, options.worker_threads)) {}

    // What the access log line and the common headers need to know about one exchange.
    struct Exchange {
        Clock::time_point started = Clock::now();
        std::string request_id = new_request_id();
        std::string method = "-";
        std::string path = "-";
        std::string client_ip;
        std::string route = "-";
        bool head = false;
        unsigned version = 11;
        std::string origin;      // the request's one `Origin` header ("" when absent or repeated)
        bool preflight = false;  // the answer is a CORS preflight's, complete as it is
        // The language of the server's own answers (404, 405, 413, 503...), from the headers
        // once they are read; a handler's errors use request_language(context), which also
        // knows the authenticated user.
        i18n::Language language = i18n::Language::en;
    };

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
    asio::awaitable<void> serve_requests(Connection& connection);
    asio::awaitable<bool> write_answer(Connection& connection, Response& response,
                                       const Exchange& exchange, bool keep_alive);
    asio::awaitable<void> refuse_and_close(Connection& connection, beast::flat_buffer& buffer,
                                           Response response, Exchange& exchange);
    asio::awaitable<Response> dispatch(const Request& request, Exchange& exchange);
    Response run_handler(const Router::Route& route, RequestContext& context);
    void begin_shutdown();
    asio::awaitable<void> finish_shutdown();

    std::size_t live_connections() {
        std::lock_guard lock(registry_mutex);
        return connections.size();
    }
    void close_connections(bool only_idle);

    ServerOptions options;
    const Router& router;
    RequestMetrics* request_metrics;  // may be null
    TrustedProxies trusted;
    CorsPolicy cors;

    std::mutex registry_mutex;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
    // Open connections by address_scope() of their peer (trusted proxies are not counted).
    std::unordered_map<std::string, std::size_t> connections_per_scope;

    std::atomic<bool> shutting_down{false};
    // Until the accept loop has returned, an accept may have completed whose socket no
    // connection owns yet: shutdown waits for it so that socket is closed, not left open.
    std::atomic<bool> accept_loop_running{false};
    std::atomic<unsigned> requests_in_pool{0};
    unsigned short bound_port = 0;
    std::string listen_description;

    // Declared before the io_context so that it is destroyed after it: pending coroutine
    // frames, destroyed with the io_context, may still refer to the pool.
    asio::thread_pool workers;
    asio::io_context io;
    // The acceptor, the signals and shutdown all live on this strand.
    asio::strand<asio::io_context::executor_type> control{asio::make_strand(io)};
    tcp::acceptor acceptor{control};
    asio::signal_set signals{control};
};

// One client connection. Only its own strand touches the stream and the idle flag.
struct Server::Impl::Connection {
    Connection(tcp::socket socket, Impl& server_impl)
        : strand(socket.get_executor()), stream(std::move(socket)), owner(server_impl) {}
    ~Connection() {
        std::lock_guard lock(owner.registry_mutex);
        owner.connections.erase(this);
        if (scope.empty()) return;
        auto counted = owner.connections_per_scope.find(scope);
        if (counted != owner.connections_per_scope.end() && --counted->second == 0)
            owner.connections_per_scope.erase(counted);
    }

    asio::any_io_executor strand;
    beast::tcp_stream stream;
    Impl& owner;
    std::string scope;  // its count in connections_per_scope; empty: not counted
    bool idle = false;  // waiting for the next request: may be closed at once on shutdown
};

asio::awaitable<void> Server::Impl::accept_loop() {
    accept_loop_running = true;
    struct Finished {
        std::atomic<bool>& running;
        ~Finished() { running = false; }
    } finished{accept_loop_running};
    for (;;) {
        tcp::socket socket(asio::make_strand(io));
        auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
        if (shutting_down) co_return;
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            log::warn("accept failed: " + ec.message());
            // Typically out of file descriptors: back off rather than spin.
            asio::steady_timer pause(control, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        error_code endpoint_ec;
        const auto peer = socket.remote_endpoint(endpoint_ec).address();
        if (endpoint_ec) continue;  // gone already: the socket closes as it goes
        // Proxies in front carry many clients each: only the total cap holds them.
        std::string scope =
            trusted.contains(peer) ? std::string() : address_scope(peer.to_string());
        auto connection = std::make_shared<Connection>(std::move(socket), *this);
        std::optional<RequestMetrics::Refusal> refusal;
        {
            std::lock_guard lock(registry_mutex);
            const auto counted = connections_per_scope.find(scope);
            const std::size_t from_scope =
                counted == connections_per_scope.end() ? 0 : counted->second;
            if (connections.size() >= options.max_connections) {
                refusal = RequestMetrics::Refusal::server_full;
            } else if (!scope.empty() && from_scope >= options.max_connections_per_address) {
                refusal = RequestMetrics::Refusal::per_address;
            } else {
                if (!scope.empty()) ++connections_per_scope[scope];
                connection->scope = std::move(scope);
                connections.emplace(connection.get(), connection);
            }
        }
        if (refusal) {
            // Closed at once, before a byte is read: the connection costs nothing more.
            if (request_metrics) request_metrics->connection_refused(*refusal);
            error_code ignored;
            connection->stream.socket().close(ignored);
            continue;
        }
        auto strand = connection->strand;
        asio::co_spawn(strand, serve(std::move(connection)), log_coroutine_failure);
    }
}

asio::awaitable<void> Server::Impl::serve(std::shared_ptr<Connection> connection) {
    co_await serve_requests(*connection);
    error_code ignored;
    connection->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection->stream.close();
}

asio::awaitable<void> Server::Impl::serve_requests(Connection& connection) {
    auto& stream = connection.stream;
    error_code ec;
    const auto peer = stream.socket().remote_endpoint(ec).address();
    if (ec) co_return;

    beast::flat_buffer buffer;
    unsigned served = 0;
    for (;;) {
        // Between requests the idle timeout applies, until the first byte of the next one. A
        // new connection gets no more than the header timeout for its first byte: a client
        // that connects and sends nothing is as slow as one that sends a byte at a time.
        if (buffer.size() == 0) {
            connection.idle = true;
            if (shutting_down) co_return;
            stream.expires_after(served == 0
                                     ? std::min(options.header_timeout, options.idle_timeout)
                                     : options.idle_timeout);
            auto [read_ec, read] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
            connection.idle = false;
            if (read_ec) co_return;
            buffer.commit(read);
        }

        Exchange exchange;
        exchange.client_ip = resolve_client_address(peer, {}, trusted);
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(options.max_body_bytes);

        // Deadlines count from the request's first byte, so dribbling bytes never extends
        // them. On expiry the stream closes the socket: there is no 408, the client just goes.
        const auto request_deadline = exchange.started + options.request_timeout;
        stream.expires_at(std::min(exchange.started + options.header_timeout, request_deadline));
        auto [header_ec, header_read] =
            co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
        // A declared length over the limit fails after the last header, before the parser
        // calls the headers done: they are all there.
        if (parser.is_header_done() || header_ec == bhttp::error::body_limit) {
            const auto& header = parser.get();
            exchange.method = std::string(header.method_string());
            exchange.path = std::string(target_path(header.target()));
            exchange.version = header.version();
            // Browsers send one; several cannot name one origin, so none is allowed.
            if (header.count(bhttp::field::origin) == 1)
                exchange.origin = std::string(header[bhttp::field::origin]);
            exchange.language = request_language(header);
        }
        // The parser bounds the request line and the header lines each by the limit, not
        // together: the whole head is measured here.
        if (header_ec == bhttp::error::header_limit ||
            (!header_ec && header_read > options.max_header_bytes)) {
            // In English: the headers, `lang` among them, could not all be read.
            co_await refuse_and_close(connection, buffer, header_too_large_response(), exchange);
            co_return;
        }
        const auto declared_length = parser.content_length();
        if (header_ec == bhttp::error::body_limit ||
            (!header_ec && declared_length && *declared_length > options.max_body_bytes)) {
            co_await refuse_and_close(
                connection, buffer,
                payload_too_large_response(options.max_body_bytes, exchange.language), exchange);
            co_return;
        }
        if (header_ec) {
            if (is_http_syntax_error(header_ec)) {
                co_await refuse_and_close(
                    connection, buffer,
                    error_response(
                        Error(ErrorKind::bad_request, "bad_request", i18n::keys::malformed_request),
                        exchange.language),
                    exchange);
            }
            co_return;  // timeouts and vanished clients: close quietly
        }
        if (auto refusal = framing_refusal(parser.get(), exchange.language)) {
            co_await refuse_and_close(connection, buffer, std::move(*refusal), exchange);
            co_return;
        }

        stream.expires_at(request_deadline);
        if (!parser.is_done()) {
            // curl and others wait for this before sending a larger body.
            // Never to an HTTP/1.0 client, which knows no interim answers (RFC 9110 §10.1.1).
            const auto expect = parser.get()[bhttp::field::expect];
            if (beast::iequals(expect, "100-continue") && parser.get().version() >= 11) {
                bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
                auto [continue_ec, written] = co_await bhttp::async_write(stream, go_on, use_tuple);
                if (continue_ec) co_return;
            }
            auto [body_ec, body_read] =
                co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (body_ec == bhttp::error::body_limit) {
                co_await refuse_and_close(
                    connection, buffer,
                    payload_too_large_response(options.max_body_bytes, exchange.language),
                    exchange);
                co_return;
            }
            if (body_ec) {
                if (is_http_syntax_error(body_ec)) {
                    co_await refuse_and_close(
                        connection, buffer,
                        error_response(Error(ErrorKind::bad_request, "bad_request",
                                             i18n::keys::malformed_request),
                                       exchange.language),
                        exchange);
                }
                co_return;
            }
        }

        Request request = parser.release();
        const std::string forwarded_for = joined_header(request, "X-Forwarded-For");
        const std::string forwarded = joined_header(request, "Forwarded");
        exchange.client_ip =
            resolve_client_address(peer, {forwarded_for, forwarded, request["X-Real-IP"]}, trusted);
        const auto client_request_id = request["X-Request-Id"];
        if (acceptable_request_id(client_request_id))
            exchange.request_id = std::string(client_request_id);
        exchange.head = request.method() == bhttp::verb::head;

        Response response = co_await dispatch(request, exchange);

        ++served;
        const bool keep_alive =
            request.keep_alive() && !shutting_down && served < options.max_requests_per_connection;
        if (!co_await write_answer(connection, response, exchange, keep_alive)) co_return;
        if (!keep_alive) co_return;
    }
}

asio::awaitable<Response> Server::Impl::dispatch(const Request& request, Exchange& exchange) {
    const std::string_view path = target_path(request.target());
    auto match = router.match(request.method(), path);
    if (match.outcome == Router::Outcome::not_found)
        co_return not_found_response(exchange.language);
    if (request.method() == bhttp::verb::options) {
        // Answered here for every path that exists, without authentication: a CORS preflight
        // (Origin + Access-Control-Request-Method) when CORS is on, else a plain OPTIONS.
        if (cors.enabled() && !exchange.origin.empty() &&
            request.count(bhttp::field::access_control_request_method) > 0) {
            exchange.route = "cors_preflight";
            exchange.preflight = true;
            co_return cors.preflight(exchange.origin, match.allow, exchange.language);
        }
        exchange.route = "options";
        co_return options_response(match.allow);
    }
    if (match.outcome == Router::Outcome::method_not_allowed)
        co_return method_not_allowed_response(request.method_string(), match.allow,
                                              exchange.language);

    exchange.route = match.route->name;
    const Router::Route& route = *match.route;
    if (route.execution == Router::Execution::io_thread ||
        (route.execution == Router::Execution::io_thread_if_local_reads &&
         options.local_store_reads)) {
        RequestContext context{request, path, std::move(match.params), exchange.client_ip,
                               exchange.request_id};
        co_return run_handler(route, context);
    }
    // Bounded: requests beyond the pool's threads plus its queue are refused, not queued.
    const unsigned capacity = std::max(1u, options.worker_threads) + options.worker_queue;
    if (requests_in_pool.fetch_add(1) >= capacity) {
        requests_in_pool.fetch_sub(1);
        co_return error_response(
            Error(ErrorKind::unavailable, "server_busy", i18n::keys::server_busy, 1),
            exchange.language);
    }
    RequestContext context{request, path, std::move(match.params), exchange.client_ip,
                           exchange.request_id};
    // The handler may block; it runs on the pool while this connection's coroutine waits.
    co_return co_await asio::co_spawn(
        workers,
        [this, &route, &context]() -> asio::awaitable<Response> {
            Response response = run_handler(route, context);
            requests_in_pool.fetch_sub(1);
            co_return response;
        },
        asio::use_awaitable);
}

Response Server::Impl::run_handler(const Router::Route& route, RequestContext& context) {
    log::RequestScope scope(context.request_id);
    // Typed errors become answers here, in the request's language (the handler may have
    // learned the user's on the way: context.user_language).
    try {
        return route.handler(context);
    } catch (const Error& error) {
        return error_response(error, request_language(context));
    } catch (const ValidationError& error) {
        return validation_response(error, request_language(context));
    } catch (const std::exception& e) {
        log::error("unhandled exception in route " + route.name + ": " + e.what());
    } catch (...) {
        log::error("unhandled non-standard exception in route " + route.name);
    }
    return internal_error_response(request_language(context));
}

asio::awaitable<bool> Server::Impl::write_answer(Connection& connection, Response& response,
                                                 const Exchange& exchange, bool keep_alive) {
    const auto status = response.result_int();
    // 204 and 304 carry no body and, per RFC 9110, no Content-Length either.
    const bool bodiless_status = status == 204 || status == 304;
    if (bodiless_status && !response.body().empty()) {
        log::RequestScope scope(exchange.request_id);
        log::error("route " + exchange.route + " answered " + std::to_string(status) +
                   " with a body");
        response = internal_error_response(exchange.language);
    }
    // The version this server speaks, whatever the request's (RFC 9110 §6.2): an HTTP/1.0
    // client reads an HTTP/1.1 answer as it would a 1.0 one.
    response.version(11);
    response.set(bhttp::field::server, "authd");
    response.set("X-Request-Id", exchange.request_id);
    add_safety_headers(response);
    if (options.hsts) response.set(bhttp::field::strict_transport_security, hsts_value);
    if (!exchange.preflight) cors.add_headers(response, exchange.origin);
    response.keep_alive(keep_alive);
    // HTTP/1.0 keeps a connection open only when the answer says so in words.
    if (keep_alive && exchange.version < 11) response.set(bhttp::field::connection, "keep-alive");
    if (response.result_int() == 204 || response.result_int() == 304) {
        response.erase(bhttp::field::content_length);
        response.erase(bhttp::field::transfer_encoding);
    } else {
        response.prepare_payload();
    }
    std::size_t body_bytes = response.body().size();
    // Counted before the answer leaves, so a client that has it also sees it counted.
    if (request_metrics) {
        const std::chrono::duration<double> handled = Clock::now() - exchange.started;
        request_metrics->record(exchange.route, exchange.method, response.result_int(),
                                handled.count());
    }

    auto& stream = connection.stream;
    // A fresh deadline: a slow handler must not cost the client an answer already computed.
    stream.expires_after(options.request_timeout);
    const auto response_status = response.result_int();
    error_code ec;
    if (exchange.head) {
        // Same headers (Content-Length included), no body.
        bhttp::response<bhttp::empty_body> head{std::move(response.base())};
        std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, head, use_tuple);
        body_bytes = 0;
    } else {
        std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, response, use_tuple);
    }

    {
        log::RequestScope scope(exchange.request_id);
        const auto elapsed =
            std::chrono::duration<double, std::milli>(Clock::now() - exchange.started).count();
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.1f", elapsed);
        // The path without the secrets of mailed links (declared by their routes).
        log::info(exchange.client_ip + " \"" + log_safe(exchange.method) + " " +
                  router.loggable_path(log_safe(exchange.path)) + "\" " +
                  std::to_string(response_status) + " " + std::to_string(body_bytes) + " " +
                  duration + "ms route=" + exchange.route);
    }
    co_return !ec;
}

asio::awaitable<void> Server::Impl::refuse_and_close(Connection& connection,
                                                     beast::flat_buffer& buffer, Response response,
                                                     Exchange& exchange) {
    if (!co_await write_answer(connection, response, exchange, false)) co_return;
    auto& stream = connection.stream;
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::min<Clock::duration>(max_drain_time, options.request_timeout));
    std::size_t drained = 0;
    while (drained < max_drain_bytes && !shutting_down) {
        buffer.consume(buffer.size());
        auto [ec, read] = co_await stream.async_read_some(buffer.prepare(16 * 1024), use_tuple);
        if (ec) break;
        drained += read;
    }
}

void Server::Impl::close_connections(bool only_idle) {
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(registry_mutex);
        for (auto& [raw, weak] : connections)
            if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
    for (auto& connection : live) {
        auto strand = connection->strand;
        asio::post(strand, [connection = std::move(connection), only_idle] {
            if (only_idle && !connection->idle) return;
            error_code ignored;
            connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            connection->stream.close();
        });
    }
}

void Server::Impl::begin_shutdown() {
    if (shutting_down.exchange(true)) return;
    log::info("shutting down");
    error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    // Connections check the flag before they wait again, so none can slip into idleness
    // after this sweep.
    close_connections(true);
    asio::co_spawn(control, finish_shutdown(), log_coroutine_failure);
}

asio::awaitable<void> Server::Impl::finish_shutdown() {
    asio::steady_timer timer(control);
    auto wait_until = [&](Clock::time_point deadline) -> asio::awaitable<void> {
        while ((live_connections() > 0 || accept_loop_running) && Clock::now() < deadline) {
            timer.expires_after(shutdown_poll);
            co_await timer.async_wait(use_tuple);
        }
    };
    co_await wait_until(Clock::now() + options.shutdown_grace);
    if (const auto left = live_connections(); left > 0) {
        log::warn("closing " + std::to_string(left) + " connections after the shutdown grace");
        close_connections(false);
        co_await wait_until(Clock::now() + forced_close_wait);
    }
    io.stop();
}

Server::Server(ServerOptions options, const Router& router, RequestMetrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

void Server::listen() {
    auto& impl = *impl_;
    const std::string wanted = impl.options.host + ":" + std::to_string(impl.options.port);
    error_code ec;
    tcp::resolver resolver(impl.io);
    const auto endpoints =
        resolver.resolve(impl.options.host, std::to_string(impl.options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) throw std::runtime_error("cannot listen on " + wanted + ": " + ec.message());
    for (const auto& entry : endpoints) {
        ec.clear();
        error_code ignored;
        impl.acceptor.close(ignored);
        impl.acceptor.open(entry.endpoint().protocol(), ec);
        if (ec) continue;
        impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (ec) continue;
        impl.acceptor.bind(entry.endpoint(), ec);
        if (ec) continue;
        impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) continue;
        const auto local = impl.acceptor.local_endpoint(ec);
        if (ec) continue;
        impl.bound_port = local.port();
        impl.listen_description = format_host_port(local);
        return;
    }
    error_code ignored;
    impl.acceptor.close(ignored);
    if (!ec) ec = asio::error::host_not_found;
    throw std::runtime_error("cannot listen on " + wanted + ": " + ec.message());
}

unsigned short Server::port() const {
    return impl_->bound_port;
}

void Server::run() {
    auto& impl = *impl_;
    if (!impl.acceptor.is_open()) listen();

    impl.signals.add(SIGINT);
    impl.signals.add(SIGTERM);
    impl.signals.async_wait([&impl](const error_code& ec, int signal_number) {
        if (ec) return;
        log::info("received signal " + std::to_string(signal_number));
        impl.begin_shutdown();
    });
    asio::co_spawn(impl.control, impl.accept_loop(), log_coroutine_failure);
    log::info("listening on http://" + impl.listen_description);

    auto run_io = [&impl] {
        for (;;) {
            try {
                impl.io.run();
                return;
            } catch (const std::exception& e) {
                // One failed completion handler must not take the server down.
                log::error(std::string("I/O thread: ") + e.what());
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < std::max(1u, impl.options.io_threads); ++i)
        threads.emplace_back(run_io);
    run_io();
    for (auto& thread : threads)
        thread.join();
    // Handlers still running finish; their answers go nowhere since the I/O has stopped.
    impl.workers.join();
    log::info("stopped");
}

void Server::stop() {
    asio::post(impl_->control, [impl = impl_.get()] { impl->begin_shutdown(); });
}

}  // namespace authd::http
