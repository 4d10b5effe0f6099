// The HTTP floor of `make bench`: the least a Boost.Beast server in authd's style can do per
// request. Same Asio coroutines (one per connection, on its own strand), the same number of I/O
// threads as authd (AUTH_IO_THREADS, read by authd's own configuration loader), keep-alive, and a
// fixed small JSON body: no routing, no worker pool, no database, no logging.
//
// usage: bench_http_floor [PORT]   (default 0: any free port). Prints "listening on PORT".
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kBody = R"({"status": "ok"})";

asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        bhttp::request<bhttp::string_body> request;
        auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, request, use_tuple);
        if (read_ec) break;
        bhttp::response<bhttp::string_body> response{bhttp::status::ok, request.version()};
        response.set(bhttp::field::server, "bench_http_floor");
        response.set(bhttp::field::content_type, "application/json");
        response.keep_alive(request.keep_alive());
        response.body() = kBody;
        response.prepare_payload();
        auto [write_ec, written] = co_await bhttp::async_write(stream, response, use_tuple);
        if (write_ec || !response.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(asio::io_context& io, tcp::acceptor& acceptor) {
    for (;;) {
        tcp::socket socket(asio::make_strand(io));
        auto [ec] = co_await acceptor.async_accept(socket, use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;
        auto strand = socket.get_executor();
        asio::co_spawn(strand, serve(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    authd::app::Config config;
    try {
        config = authd::app::load_from_environment();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_http_floor: %s\n", e.what());
        return 2;
    }
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);

    asio::io_context io;
    tcp::acceptor acceptor(asio::make_strand(io),
                           tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        io.stop();
    });
    asio::co_spawn(acceptor.get_executor(), accept_loop(io, acceptor), asio::detached);
    std::printf("listening on %u with %u I/O threads\n", acceptor.local_endpoint().port(),
                config.server.io_threads);
    std::fflush(stdout);

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < std::max(1u, config.server.io_threads); ++i)
        threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& thread : threads)
        thread.join();
    return 0;
}
