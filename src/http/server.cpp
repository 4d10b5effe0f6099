#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
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
#include "http/task_group.h"
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

using RequestParser = bhttp::request_parser<bhttp::string_body>;
using AnswerSerializer = bhttp::response_serializer<bhttp::string_body>;

// After refusing a request (413, 431, 400) the rest of what the client sends is read and
// dropped for a short while: closing with unread data would make the kernel send a reset that
// can destroy the answer before the client reads it.
constexpr std::size_t max_drain_bytes = 1024 * 1024;
constexpr std::chrono::seconds max_drain_time{2};

// After the grace period, how long the connections cut short get to unwind.
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
        Clock::time_point started;  // the request's first byte
        std::string request_id;
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

        // What the access log line and the server's own answers take from the request's head.
        void note_head(const Request& header) {
            method = std::string(header.method_string());
            path = std::string(target_path(header.target()));
            version = header.version();
            // Browsers send one; several cannot name one origin, so none is allowed.
            if (header.count(bhttp::field::origin) == 1)
                origin = std::string(header[bhttp::field::origin]);
            language = request_language(header);
        }

        // Who asks (the client behind trusted proxies) and the request id it chose, if usable.
        void note_client(const Request& request, const asio::ip::address& peer,
                         const TrustedProxies& trusted) {
            const std::string forwarded_for = joined_header(request, "X-Forwarded-For");
            const std::string forwarded = joined_header(request, "Forwarded");
            client_ip = resolve_client_address(
                peer, {forwarded_for, forwarded, request["X-Real-IP"]}, trusted);
            const auto client_request_id = request["X-Request-Id"];
            if (acceptable_request_id(client_request_id))
                request_id = std::string(client_request_id);
            head = request.method() == bhttp::verb::head;
        }
    };

    // What reading a request came to: a request to dispatch, a request refused (its answer is
    // ready, the connection closes after it), or the end of the connection.
    enum class Read { request, refused, ended };

    asio::awaitable<void> accept_loop();
    std::optional<RequestMetrics::Refusal> admit(const std::string& scope);
    void forget(const std::string& scope);
    std::size_t open_connection_count();
    asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
    asio::awaitable<void> serve_requests(Connection& connection);
    asio::awaitable<Read> read_request(Connection& connection, bool first, RequestParser& parser,
                                       Exchange& exchange, Response& refusal);
    std::optional<Response> head_refusal(const RequestParser& parser, const error_code& ec,
                                         std::size_t head_bytes, const Exchange& exchange) const;
    std::optional<Response> read_refusal(const error_code& ec, i18n::Language language) const;
    asio::awaitable<Response> dispatch(const Request& request, Exchange& exchange);
    Response run_handler(const Router::Route& route, RequestContext& context);
    void finish_answer(Response& response, const Exchange& exchange, bool keep_alive);
    void log_answer(const Exchange& exchange, const Response& response);
    asio::awaitable<void> drain(Connection& connection);
    void begin_shutdown();
    asio::awaitable<void> finish_shutdown();

    ServerOptions options;
    const Router& router;
    RequestMetrics* request_metrics;  // may be null
    TrustedProxies trusted;
    CorsPolicy cors;

    // Open connections, in all and by address_scope() of their peer (trusted proxies are not
    // counted by scope): the caps of accept.
    std::mutex counts_mutex;
    std::size_t open_connections = 0;
    std::unordered_map<std::string, std::size_t> connections_per_scope;

    std::atomic<bool> shutting_down{false};
    std::atomic<unsigned> requests_in_pool{0};
    unsigned short bound_port = 0;
    std::string listen_description;

    // The accept loop and every connection: stop cancels them and waits for them. Declared
    // before the io_context, whose destruction may end the last members.
    TaskGroup tasks;
    // Declared before the io_context so that it is destroyed after it: pending coroutine
    // frames, destroyed with the io_context, may still refer to the pool.
    asio::thread_pool workers;
    asio::io_context io;
    // The acceptor, the signals and shutdown all live on this strand.
    asio::strand<asio::io_context::executor_type> control{asio::make_strand(io)};
    tcp::acceptor acceptor{control};
    asio::signal_set signals{control};
};

// One client connection, served by one coroutine on the stream's strand.
struct Server::Impl::Connection {
    Connection(tcp::socket socket, Impl& server_impl, asio::ip::address peer_address,
               std::string peer_scope)
        : stream(std::move(socket)),
          owner(server_impl),
          peer(std::move(peer_address)),
          scope(std::move(peer_scope)),
          stop(server_impl.tasks.join(stream.get_executor())) {}
    ~Connection() { owner.forget(scope); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // The completion token of the operations on the stream, through which stop cancels them:
    // `total` cancellation cuts only the wait for a next request, which loses nothing by it
    // (Beast's HTTP reads and writes accept `terminal` alone); `terminal` cuts anything.
    auto stoppable() { return asio::bind_cancellation_slot(stop.slot(), use_tuple); }

    // Sends an answer that finish_answer() has completed: for HEAD its head alone, Content-Length
    // included. `serializer` must outlive the wait.
    auto send(AnswerSerializer& serializer, bool head) {
        // A fresh deadline: a slow handler must not cost the client an answer already computed.
        stream.expires_after(owner.options.request_timeout);
        return head ? bhttp::async_write_header(stream, serializer, stoppable())
                    : bhttp::async_write(stream, serializer, stoppable());
    }

    beast::tcp_stream stream;
    Impl& owner;
    asio::ip::address peer;
    std::string scope;          // its count in connections_per_scope; empty: not counted
    beast::flat_buffer buffer;  // what the client sent ahead of the request being read
    // Last, so destroyed first: its slot is cleared while the stream is still there.
    TaskGroup::Member stop;
};

asio::awaitable<void> Server::Impl::accept_loop() {
    // A member so that stop waits for this loop too: a socket it has just accepted is closed
    // before run() returns, not left to no one.
    const TaskGroup::Member member = tasks.join(control);
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
        auto peer = socket.remote_endpoint(endpoint_ec).address();
        if (endpoint_ec) continue;  // gone already: the socket closes as it goes
        // Proxies in front carry many clients each: only the total cap holds them.
        std::string scope =
            trusted.contains(peer) ? std::string() : address_scope(peer.to_string());
        if (const auto refusal = admit(scope)) {
            // Closed at once, before a byte is read: the connection costs nothing more.
            if (request_metrics) request_metrics->connection_refused(*refusal);
            error_code ignored;
            socket.close(ignored);
            continue;
        }
        auto connection =
            std::make_shared<Connection>(std::move(socket), *this, peer, std::move(scope));
        auto strand = connection->stream.get_executor();
        asio::co_spawn(strand, serve(std::move(connection)), log_coroutine_failure);
    }
}

// Counts a new connection in, unless it would pass a cap: then says which.
std::optional<RequestMetrics::Refusal> Server::Impl::admit(const std::string& scope) {
    std::lock_guard lock(counts_mutex);
    const auto counted = connections_per_scope.find(scope);
    const std::size_t from_scope = counted == connections_per_scope.end() ? 0 : counted->second;
    if (open_connections >= options.max_connections) return RequestMetrics::Refusal::server_full;
    if (!scope.empty() && from_scope >= options.max_connections_per_address)
        return RequestMetrics::Refusal::per_address;
    if (!scope.empty()) ++connections_per_scope[scope];
    ++open_connections;
    return std::nullopt;
}

void Server::Impl::forget(const std::string& scope) {
    std::lock_guard lock(counts_mutex);
    --open_connections;
    if (scope.empty()) return;
    auto counted = connections_per_scope.find(scope);
    if (counted != connections_per_scope.end() && --counted->second == 0)
        connections_per_scope.erase(counted);
}

std::size_t Server::Impl::open_connection_count() {
    std::lock_guard lock(counts_mutex);
    return open_connections;
}

asio::awaitable<void> Server::Impl::serve(std::shared_ptr<Connection> connection) {
    co_await serve_requests(*connection);
    error_code ignored;
    connection->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection->stream.close();
}

// The session loop, as in Beast's advanced_server_flex_awaitable: read a request, dispatch it,
// write the answer; again while the connection is kept alive. A request refused as it is read
// gets its answer the same way, then the connection closes.
asio::awaitable<void> Server::Impl::serve_requests(Connection& connection) {
    for (unsigned served = 0;;) {
        Exchange exchange;
        RequestParser parser;
        Response response;
        const Read read =
            co_await read_request(connection, served == 0, parser, exchange, response);
        if (read == Read::ended) co_return;
        if (read == Read::request) response = co_await dispatch(parser.get(), exchange);

        ++served;
        const bool keep_alive = read == Read::request && parser.get().keep_alive() &&
                                !shutting_down && served < options.max_requests_per_connection;
        finish_answer(response, exchange, keep_alive);
        AnswerSerializer serializer{response};
        auto [write_ec, written] = co_await connection.send(serializer, exchange.head);
        log_answer(exchange, response);
        if (read == Read::refused && !write_ec) co_await drain(connection);
        if (write_ec || !keep_alive) co_return;
    }
}

// Waits for the request's first byte (the one wait that stop cuts at once), then reads its head
// and body within their deadlines, or refuses it (`refusal`). `first`: the connection's first.
asio::awaitable<Server::Impl::Read> Server::Impl::read_request(Connection& connection, bool first,
                                                               RequestParser& parser,
                                                               Exchange& exchange,
                                                               Response& refusal) {
    auto& stream = connection.stream;
    auto& buffer = connection.buffer;
    // Between requests the idle timeout applies, until the first byte of the next one. A new
    // connection gets no more than the header timeout for its first byte: a client that
    // connects and sends nothing is as slow as one that sends a byte at a time.
    if (buffer.size() == 0) {
        // Stop sets the flag before it cancels: no wait can begin after the cancellation.
        if (shutting_down) co_return Read::ended;
        stream.expires_after(first ? std::min(options.header_timeout, options.idle_timeout)
                                   : options.idle_timeout);
        auto [wait_ec, read] =
            co_await stream.async_read_some(buffer.prepare(4096), connection.stoppable());
        if (wait_ec) co_return Read::ended;
        buffer.commit(read);
    }

    exchange.started = Clock::now();
    exchange.request_id = new_request_id();
    exchange.client_ip = resolve_client_address(connection.peer, {}, trusted);
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    // The outcome of a read that failed: a refusal when the client should hear of it.
    auto refused = [&refusal](std::optional<Response> answer) {
        if (!answer) return Read::ended;  // timeouts and vanished clients: close quietly
        refusal = std::move(*answer);
        return Read::refused;
    };

    // Deadlines count from the request's first byte, so dribbling bytes never extends them. On
    // expiry the stream closes the socket: there is no 408, the client just goes.
    const auto request_deadline = exchange.started + options.request_timeout;
    stream.expires_at(std::min(exchange.started + options.header_timeout, request_deadline));
    auto [head_ec, head_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, connection.stoppable());
    // A declared length over the limit fails after the last header, before the parser calls
    // the headers done: they are all there.
    if (parser.is_header_done() || head_ec == bhttp::error::body_limit)
        exchange.note_head(parser.get());
    if (auto answer = head_refusal(parser, head_ec, head_bytes, exchange))
        co_return refused(std::move(answer));
    if (head_ec) co_return Read::ended;

    stream.expires_at(request_deadline);
    if (!parser.is_done()) {
        // curl and others wait for this before sending a larger body.
        // Never to an HTTP/1.0 client, which knows no interim answers (RFC 9110 §10.1.1).
        const auto expect = parser.get()[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue") && parser.get().version() >= 11) {
            bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
            auto [continue_ec, written] =
                co_await bhttp::async_write(stream, go_on, connection.stoppable());
            if (continue_ec) co_return Read::ended;
        }
        auto [body_ec, body_read] =
            co_await bhttp::async_read(stream, buffer, parser, connection.stoppable());
        if (body_ec) co_return refused(read_refusal(body_ec, exchange.language));
    }
    exchange.note_client(parser.get(), connection.peer, trusted);
    co_return Read::request;
}

// Refuse: the answer to a request whose head is not served, for the connection to close after
// it (where its body ends cannot be known); nullopt when it may go on, or when the read failed
// with nothing to say (a timeout, a client gone).
std::optional<Response> Server::Impl::head_refusal(const RequestParser& parser,
                                                   const error_code& ec, std::size_t head_bytes,
                                                   const Exchange& exchange) const {
    // The parser bounds the request line and the header lines each by the limit, not
    // together: the whole head is measured here. In English: the headers, `lang` among them,
    // could not all be read.
    if (ec == bhttp::error::header_limit || (!ec && head_bytes > options.max_header_bytes))
        return header_too_large_response();
    const auto declared_length = parser.content_length();
    if (!ec && declared_length && *declared_length > options.max_body_bytes)
        return payload_too_large_response(options.max_body_bytes, exchange.language);
    if (ec) return read_refusal(ec, exchange.language);
    return framing_refusal(parser.get(), exchange.language);
}

// The answer to a read that failed in a way the client should hear of (a body over the limit,
// malformed HTTP); nullopt for the rest (timeouts, a client gone).
std::optional<Response> Server::Impl::read_refusal(const error_code& ec,
                                                   i18n::Language language) const {
    if (ec == bhttp::error::body_limit)
        return payload_too_large_response(options.max_body_bytes, language);
    if (is_http_syntax_error(ec))
        return error_response(
            Error(ErrorKind::bad_request, "bad_request", i18n::keys::malformed_request), language);
    return std::nullopt;
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

// Write, before the bytes leave: the headers every answer carries, and its count.
void Server::Impl::finish_answer(Response& response, const Exchange& exchange, bool keep_alive) {
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
    // Counted before the answer leaves, so a client that has it also sees it counted.
    if (request_metrics) {
        const std::chrono::duration<double> handled = Clock::now() - exchange.started;
        request_metrics->record(exchange.route, exchange.method, response.result_int(),
                                handled.count());
    }
}

// Write, once the bytes have left (or failed to): the access log line.
void Server::Impl::log_answer(const Exchange& exchange, const Response& response) {
    const std::size_t body_bytes = exchange.head ? 0 : response.body().size();
    log::RequestScope scope(exchange.request_id);
    const auto elapsed =
        std::chrono::duration<double, std::milli>(Clock::now() - exchange.started).count();
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.1f", elapsed);
    // The path without the secrets of mailed links (declared by their routes).
    log::info(exchange.client_ip + " \"" + log_safe(exchange.method) + " " +
              router.loggable_path(log_safe(exchange.path)) + "\" " +
              std::to_string(response.result_int()) + " " + std::to_string(body_bytes) + " " +
              duration + "ms route=" + exchange.route);
}

// After a refusal the client may still be sending (the body of a 413): the rest is read and
// dropped for a short while (max_drain_time) before the connection closes. Stop does not cut
// it: it is what lets the client read the refusal.
asio::awaitable<void> Server::Impl::drain(Connection& connection) {
    auto& stream = connection.stream;
    auto& buffer = connection.buffer;
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

// Stop: no more connections; the idle ones end now, the others after their answer.
void Server::Impl::begin_shutdown() {
    if (shutting_down.exchange(true)) return;
    log::info("shutting down");
    error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    tasks.cancel(asio::cancellation_type::total);
    asio::co_spawn(control, finish_shutdown(), log_coroutine_failure);
}

asio::awaitable<void> Server::Impl::finish_shutdown() {
    // Kept out of the `if`: g++ 12 miscompiles `if (!co_await tasks.wait_until(...))` (it crashes).
    const bool all_done = co_await tasks.wait_until(Clock::now() + options.shutdown_grace);
    if (!all_done) {
        if (const auto left = open_connection_count(); left > 0)
            log::warn("closing " + std::to_string(left) + " connections after the shutdown grace");
        tasks.cancel(asio::cancellation_type::terminal);
        co_await tasks.wait_until(Clock::now() + forced_close_wait);
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
