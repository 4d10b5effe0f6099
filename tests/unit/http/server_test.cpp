#include "http/server.h"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <future>
#include <optional>
#include <thread>

#include "http/json_body.h"
#include "http/request_metrics.h"
#include "http/responses.h"

namespace authd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using error_code = boost::system::error_code;

// A small blocking client; every operation has a deadline so that a bug fails, not hangs.
class Client {
  public:
    explicit Client(unsigned short port) {
        stream_.expires_after(2s);
        error_code ec;
        stream_.async_connect({asio::ip::make_address("127.0.0.1"), port},
                              [&](error_code e) { ec = e; });
        run();
        if (ec) throw boost::system::system_error(ec);
    }

    void send_raw(const std::string& text) {
        stream_.expires_after(2s);
        error_code ec;
        asio::async_write(stream_, asio::buffer(text), [&](error_code e, std::size_t) { ec = e; });
        run();
        if (ec) throw boost::system::system_error(ec);
    }

    Response read_response(bool head = false) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.skip(head);
        stream_.expires_after(3s);
        error_code ec;
        bhttp::async_read(stream_, buffer_, parser, [&](error_code e, std::size_t) { ec = e; });
        run();
        if (ec) throw boost::system::system_error(ec);
        return parser.release();
    }

    Response request(bhttp::verb method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = "") {
        Request request{method, target, 11};
        request.set(bhttp::field::host, "localhost");
        for (const auto& [name, value] : headers)
            request.insert(name, value);  // a name given twice is sent twice
        request.body() = body;
        if (!body.empty() || method == bhttp::verb::post) request.prepare_payload();
        stream_.expires_after(2s);
        error_code ec;
        bhttp::async_write(stream_, request, [&](error_code e, std::size_t) { ec = e; });
        run();
        if (ec) throw boost::system::system_error(ec);
        return read_response(method == bhttp::verb::head);
    }

    // Waits for the server to close the connection; false when it stays open past `limit`.
    bool closed_by_server(std::chrono::milliseconds limit) {
        stream_.expires_after(limit);
        error_code ec;
        char byte;
        stream_.async_read_some(asio::buffer(&byte, 1), [&](error_code e, std::size_t) { ec = e; });
        run();
        return ec && ec != beast::error::timeout;
    }

  private:
    void run() {
        io_.restart();
        io_.run();
    }

    asio::io_context io_;
    beast::tcp_stream stream_{io_};
    beast::flat_buffer buffer_;
};

// Connects, sends `prefix` at once, then `text` one byte every `interval`, as a slowloris client
// does. Returns how long after the first byte the server closed the connection, or nullopt when
// it was still open after the last byte and `linger` more.
std::optional<std::chrono::milliseconds> dribble(unsigned short port, const std::string& prefix,
                                                 const std::string& text,
                                                 std::chrono::milliseconds interval,
                                                 std::chrono::milliseconds linger = 0ms) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    const int fd = socket.native_handle();
    const auto started = std::chrono::steady_clock::now();
    if (!prefix.empty() && ::send(fd, prefix.data(), prefix.size(), MSG_NOSIGNAL) !=
                               static_cast<ssize_t>(prefix.size()))
        return std::chrono::milliseconds(0);
    auto closed_within = [fd](std::chrono::milliseconds wait) {
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(wait.count())) <= 0) return false;
        char byte;
        return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;  // the server sends nothing first
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (::send(fd, text.data() + i, 1, MSG_NOSIGNAL) != 1 ||
            closed_within(i + 1 < text.size() ? interval : linger))
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
    }
    return std::nullopt;
}

bool has_cors_header(const Response& response) {
    for (const auto& field : response)
        if (field.name_string().starts_with("Access-Control-")) return true;
    return false;
}

std::string header(const Response& response, std::string_view name) {
    auto it = response.find(name);
    return it == response.end() ? std::string("<absent>") : std::string(it->value());
}

class ServerTest : public ::testing::Test {
  protected:
    ServerTest() {
        add_route(bhttp::verb::get, "/hello", "hello", [](RequestContext& context) {
            boost::json::object body;
            body["hello"] = "world";
            body["ip"] = context.client_ip;
            body["request_id"] = context.request_id;
            return json_response(bhttp::status::ok, body);
        });
        add_route(bhttp::verb::post, "/echo", "echo", [](RequestContext& context) {
            return json_response(bhttp::status::ok, parse_json_body(context.request));
        });
        add_route(bhttp::verb::get, "/users/{name}", "user", [](RequestContext& context) {
            boost::json::object body;
            body["name"] = context.param("name");
            return json_response(bhttp::status::ok, body);
        });
        add_route(bhttp::verb::delete_, "/users/{name}", "user_delete",
                  [](RequestContext&) { return no_content_response(); });
        add_route(bhttp::verb::get, "/forbidden", "forbidden", [](RequestContext&) -> Response {
            throw Error(ErrorKind::forbidden, "permission_denied", i18n::keys::permission_denied);
        });
        add_route(bhttp::verb::get, "/invalid", "invalid", [](RequestContext&) -> Response {
            throw ValidationError("email", i18n::keys::email_invalid);
        });
        add_route(bhttp::verb::get, "/crash", "crash",
                  [](RequestContext&) -> Response { throw std::runtime_error("boom"); });
        add_route(bhttp::verb::get, "/slow", "slow", [](RequestContext&) {
            std::this_thread::sleep_for(400ms);
            return json_response(bhttp::status::ok, boost::json::object{{"slow", true}});
        });
    }

    ~ServerTest() override { stop_and_join(); }

    // The routes of these tests are open to anyone and read no body.
    void add_route(bhttp::verb method, std::string pattern, std::string name, Handler handler,
                   Router::Execution execution = Router::Execution::worker_pool) {
        router.add(method, std::move(pattern), std::move(name), Access::anyone, no_body, execution,
                   std::move(handler));
    }

    void start(ServerOptions options = {}) {
        options.host = "127.0.0.1";
        options.port = 0;
        options.io_threads = 2;
        options.worker_threads = options.worker_threads == 16 ? 4 : options.worker_threads;
        server = std::make_unique<Server>(options, router, counted.get());
        server->listen();
        ASSERT_NE(server->port(), 0);
        finished = std::async(std::launch::async, [this] { server->run(); });
    }

    // Stops the server; returns how long run() took to return.
    std::chrono::milliseconds stop_and_join() {
        if (!server || !finished.valid()) return {};
        const auto started = std::chrono::steady_clock::now();
        server->stop();
        if (finished.wait_for(10s) != std::future_status::ready) {
            ADD_FAILURE() << "run() did not return";
            std::abort();
        }
        finished.get();
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
    }

    Router router;
    std::unique_ptr<RequestMetrics> counted;  // set before start() to count the answers
    std::unique_ptr<Server> server;
    std::future<void> finished;
};

TEST_F(ServerTest, AnswersAndKeepsTheConnectionAlive) {
    start();
    Client client(server->port());
    auto first = client.request(bhttp::verb::get, "/hello?secret=1");
    EXPECT_EQ(first.result_int(), 200);
    EXPECT_EQ(header(first, "Content-Type"), "application/json; charset=utf-8");
    EXPECT_EQ(header(first, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(first, "Server"), "authd");
    EXPECT_TRUE(first.keep_alive());
    const auto request_id = header(first, "X-Request-Id");
    EXPECT_EQ(request_id.size(), 16u);
    EXPECT_EQ(request_id.find_first_not_of("0123456789abcdef"), std::string::npos);
    auto body = boost::json::parse(first.body()).as_object();
    EXPECT_EQ(body.at("hello"), "world");
    EXPECT_EQ(body.at("ip"), "127.0.0.1");
    EXPECT_EQ(body.at("request_id").as_string(), request_id);

    auto second = client.request(bhttp::verb::get, "/hello", {{"X-Request-Id", "client-id_1.2"}});
    EXPECT_EQ(second.result_int(), 200);
    EXPECT_EQ(header(second, "X-Request-Id"), "client-id_1.2");

    auto third = client.request(bhttp::verb::get, "/hello", {{"X-Request-Id", "bad id!"}});
    EXPECT_EQ(header(third, "X-Request-Id").size(), 16u);
}

TEST_F(ServerTest, PostsJsonAndTrailingSlash) {
    start();
    Client client(server->port());
    auto echoed = client.request(bhttp::verb::post, "/echo/",
                                 {{"Content-Type", "application/json"}}, R"({"a":[1,2]})");
    EXPECT_EQ(echoed.result_int(), 200);
    EXPECT_EQ(echoed.body(), R"({"a":[1,2]})");

    auto user = client.request(bhttp::verb::get, "/users/b%C3%B8b/");
    EXPECT_EQ(user.result_int(), 200);
    EXPECT_EQ(user.body(),
              "{\"name\":\"b\xC3\xB8"
              "b\"}");

    auto form = client.request(bhttp::verb::post, "/echo",
                               {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=1");
    EXPECT_EQ(form.result_int(), 415);

    auto deleted = client.request(bhttp::verb::delete_, "/users/bob");
    EXPECT_EQ(deleted.result_int(), 204);
    EXPECT_EQ(header(deleted, "Content-Length"), "<absent>");
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
    start();
    Client client(server->port());
    auto missing = client.request(bhttp::verb::get, "/nope");
    EXPECT_EQ(missing.result_int(), 404);
    EXPECT_EQ(missing.body(), R"({"detail":"Not found.","code":"not_found"})");

    auto wrong = client.request(bhttp::verb::patch, "/hello");
    EXPECT_EQ(wrong.result_int(), 405);
    EXPECT_EQ(header(wrong, "Allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(wrong.body(),
              R"({"detail":"Method \"PATCH\" not allowed.","code":"method_not_allowed"})");
    EXPECT_TRUE(wrong.keep_alive());
}

TEST_F(ServerTest, HeadHasHeadersWithoutBody) {
    start();
    Client client(server->port());
    auto get = client.request(bhttp::verb::get, "/users/alice");
    auto head = client.request(bhttp::verb::head, "/users/alice");
    EXPECT_EQ(head.result_int(), 200);
    EXPECT_EQ(header(head, "Content-Length"), header(get, "Content-Length"));
    EXPECT_TRUE(head.body().empty());
    // The connection is still in sync after the bodiless answer.
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, AnswersAreInTheRequestsLanguage) {
    start();
    Client client(server->port());
    auto forbidden = client.request(bhttp::verb::get, "/forbidden", {{"lang", "fr"}});
    EXPECT_EQ(forbidden.body(),
              R"({"detail":"Vous n'avez pas la permission d'effectuer cette action.",)"
              R"("code":"permission_denied"})");
    auto invalid =
        client.request(bhttp::verb::get, "/invalid", {{"Accept-Language", "de, es;q=0.5"}});
    EXPECT_EQ(invalid.body(),
              R"({"email":["Introduzca una dirección de correo electrónico válida."]})");
    // `lang` comes before Accept-Language; an unknown `lang` is no choice.
    invalid =
        client.request(bhttp::verb::get, "/invalid", {{"lang", "es"}, {"Accept-Language", "fr"}});
    EXPECT_EQ(invalid.body(),
              R"({"email":["Introduzca una dirección de correo electrónico válida."]})");
    invalid = client.request(bhttp::verb::get, "/invalid",
                             {{"lang", "de"}, {"Accept-Language", "fr-CA"}});
    EXPECT_EQ(invalid.body(), R"({"email":["Saisissez une adresse e-mail valide."]})");
    // The server's own answers too.
    auto missing = client.request(bhttp::verb::get, "/nowhere", {{"lang", "es"}});
    EXPECT_EQ(missing.body(), R"({"detail":"No encontrado.","code":"not_found"})");
    auto wrong_method = client.request(bhttp::verb::put, "/hello", {{"lang", "fr"}});
    EXPECT_EQ(wrong_method.result_int(), 405);
    EXPECT_EQ(boost::json::parse(wrong_method.body()).at("detail"),
              "Méthode «\u00a0PUT\u00a0» non autorisée.");
    auto crash = client.request(bhttp::verb::get, "/crash", {{"Accept-Language", "es"}});
    EXPECT_EQ(crash.body(), R"({"detail":"Error interno del servidor.","code":"internal_error"})");
}

TEST_F(ServerTest, HandlerErrorsBecomeAnswers) {
    start();
    Client client(server->port());
    auto forbidden = client.request(bhttp::verb::get, "/forbidden");
    EXPECT_EQ(forbidden.result_int(), 403);
    EXPECT_EQ(forbidden.body(), R"({"detail":"You do not have permission to perform this action.",)"
                                R"("code":"permission_denied"})");

    auto invalid = client.request(bhttp::verb::get, "/invalid");
    EXPECT_EQ(invalid.result_int(), 400);
    EXPECT_EQ(invalid.body(), R"({"email":["Enter a valid email address."]})");

    auto crash = client.request(bhttp::verb::get, "/crash");
    EXPECT_EQ(crash.result_int(), 500);
    EXPECT_EQ(crash.body(), R"({"detail":"Internal server error.","code":"internal_error"})");

    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
    Client other(server->port());
    EXPECT_EQ(other.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, BodyOverLimitIs413) {
    start();
    Client client(server->port());
    client.send_raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 65537\r\n\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_EQ(
        response.body(),
        R"({"detail":"Request body is too large (limit 65536 bytes).","code":"payload_too_large"})");
    EXPECT_FALSE(response.keep_alive());
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
    ServerOptions options;
    options.max_body_bytes = 100;
    start(options);
    Client client(server->port());
    client.send_raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n50\r\n" +
        std::string(80, ' ') + "\r\n50\r\n" + std::string(80, ' ') + "\r\n0\r\n\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_EQ(
        response.body(),
        R"({"detail":"Request body is too large (limit 100 bytes).","code":"payload_too_large"})");
}

TEST_F(ServerTest, HeaderOverLimitIs431) {
    start();
    Client client(server->port());
    client.send_raw("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                    "\r\n\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 431);
    EXPECT_EQ(response.body(),
              R"({"detail":"Request headers are too large.","code":"headers_too_large"})");
    EXPECT_FALSE(response.keep_alive());
}

TEST_F(ServerTest, MalformedRequestIs400) {
    start();
    Client client(server->port());
    client.send_raw("GET /hello HTTP/1.1\r\nHost x\r\n\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 400);
    EXPECT_EQ(response.body(), R"({"detail":"Malformed HTTP request.","code":"bad_request"})");
    EXPECT_TRUE(client.closed_by_server(2000ms));
}

TEST_F(ServerTest, TrustedProxyForwardsClientAddress) {
    ServerOptions options;
    options.trusted_proxies = {"127.0.0.0/8"};
    start(options);
    Client client(server->port());
    auto response = client.request(bhttp::verb::get, "/hello",
                                   {{"X-Forwarded-For", "198.51.100.1, 203.0.113.7"}});
    EXPECT_EQ(boost::json::parse(response.body()).at("ip"), "203.0.113.7");
}

TEST_F(ServerTest, LastRequestOfConnectionClosesIt) {
    ServerOptions options;
    options.max_requests_per_connection = 2;
    start(options);
    Client client(server->port());
    EXPECT_TRUE(client.request(bhttp::verb::get, "/hello").keep_alive());
    EXPECT_FALSE(client.request(bhttp::verb::get, "/hello").keep_alive());
    EXPECT_TRUE(client.closed_by_server(2000ms));
}

TEST_F(ServerTest, ClientConnectionCloseIsHonoured) {
    start();
    Client client(server->port());
    auto response = client.request(bhttp::verb::get, "/hello", {{"Connection", "close"}});
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(client.closed_by_server(2000ms));
}

TEST_F(ServerTest, BusyPoolAnswers503) {
    ServerOptions options;
    options.worker_threads = 1;
    options.worker_queue = 0;
    start(options);
    Client slow(server->port());
    slow.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(100ms);
    Client other(server->port());
    auto busy = other.request(bhttp::verb::get, "/hello");
    EXPECT_EQ(busy.result_int(), 503);
    EXPECT_EQ(header(busy, "Retry-After"), "1");
    EXPECT_EQ(busy.body(),
              R"({"detail":"The server is busy, try again shortly.","code":"server_busy"})");
    EXPECT_EQ(slow.read_response().result_int(), 200);
    EXPECT_EQ(other.request(bhttp::verb::get, "/hello").result_int(), 200);
}

// Routes run on the I/O thread do not need a worker: they are answered while the only worker is
// held (and its queue has no place), where a worker-pool route gets 503.
class ExecutionTest : public ServerTest {
  protected:
    ExecutionTest() {
        add_route(bhttp::verb::get, "/hold", "hold", [this](RequestContext&) {
            entered.set_value();
            release.wait();
            return json_response(bhttp::status::ok, boost::json::object{});
        });
        auto answer = [](RequestContext&) {
            return json_response(bhttp::status::ok, boost::json::object{});
        };
        add_route(bhttp::verb::get, "/memory", "memory", answer, Router::Execution::io_thread);
        add_route(bhttp::verb::get, "/reads", "reads", answer,
                  Router::Execution::io_thread_if_local_reads);
    }

    // The status of `target` while the worker is held.
    void hold_the_worker(bool local_store_reads) {
        ServerOptions options;
        options.worker_threads = 1;
        options.worker_queue = 0;
        options.local_store_reads = local_store_reads;
        start(options);
        holder.emplace(server->port());
        holder->send_raw("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
        entered.get_future().wait();
    }

    void let_go() {
        released = true;
        release_promise.set_value();
        EXPECT_EQ(holder->read_response().result_int(), 200);
    }

    // A failed expectation must not leave the worker held, or stopping would wait for it.
    ~ExecutionTest() override {
        if (!released) release_promise.set_value();
    }

    std::promise<void> entered;
    std::promise<void> release_promise;
    std::shared_future<void> release = release_promise.get_future().share();
    std::optional<Client> holder;
    bool released = false;
};

TEST_F(ExecutionTest, IoThreadRoutesNeedNoWorker) {
    hold_the_worker(false);
    Client other(server->port());
    EXPECT_EQ(other.request(bhttp::verb::get, "/hello").result_int(), 503);
    EXPECT_EQ(other.request(bhttp::verb::get, "/memory").result_int(), 200);
    // Store reads are not known to be local: the pool's, so busy.
    EXPECT_EQ(other.request(bhttp::verb::get, "/reads").result_int(), 503);
    let_go();
}

TEST_F(ExecutionTest, ReadRoutesRunOnTheIoThreadWhenReadsAreLocal) {
    hold_the_worker(true);
    Client other(server->port());
    EXPECT_EQ(other.request(bhttp::verb::get, "/hello").result_int(), 503);
    EXPECT_EQ(other.request(bhttp::verb::get, "/reads").result_int(), 200);
    EXPECT_EQ(other.request(bhttp::verb::get, "/memory").result_int(), 200);
    let_go();
}

TEST_F(ServerTest, ConnectionsBeyondTheCapAreClosed) {
    ServerOptions options;
    options.max_connections = 1;
    start(options);
    Client first(server->port());
    EXPECT_EQ(first.request(bhttp::verb::get, "/hello").result_int(), 200);
    Client second(server->port());
    EXPECT_TRUE(second.closed_by_server(2000ms));
    EXPECT_EQ(first.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, IdleConnectionTimesOut) {
    ServerOptions options;
    options.idle_timeout = 1s;
    start(options);
    Client client(server->port());
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.closed_by_server(3000ms));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndReturnsQuickly) {
    ServerOptions options;
    options.shutdown_grace = 5s;
    start(options);
    Client client(server->port());
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
    Client silent(server->port());  // connected, never sent a byte: maybe not accepted yet
    const auto took = stop_and_join();
    EXPECT_LT(took, 1000ms);
    EXPECT_TRUE(client.closed_by_server(1000ms));
    EXPECT_TRUE(silent.closed_by_server(1000ms));
}

TEST_F(ServerTest, StopLetsInFlightRequestsFinish) {
    ServerOptions options;
    options.shutdown_grace = 5s;
    start(options);
    Client client(server->port());
    client.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(100ms);
    auto stopping = std::async(std::launch::async, [this] { return stop_and_join(); });
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_LT(stopping.get(), 2000ms);
}

TEST_F(ServerTest, StopLetsARequestBeingReadFinish) {
    ServerOptions options;
    options.shutdown_grace = 5s;
    start(options);
    Client client(server->port());
    client.send_raw("GET /hello HTTP/1.1\r\nHost: x\r\n");  // the head is not complete yet
    std::this_thread::sleep_for(100ms);
    auto stopping = std::async(std::launch::async, [this] { return stop_and_join(); });
    std::this_thread::sleep_for(100ms);
    client.send_raw("\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_LT(stopping.get(), 2000ms);
}

TEST_F(ServerTest, RequestsStillUnderWayAreCutAfterTheGrace) {
    ServerOptions options;
    options.shutdown_grace = 1s;
    start(options);
    Client client(server->port());
    client.send_raw("GET /hello HTTP/1.1\r\nHost: x\r\n");  // and nothing more
    std::this_thread::sleep_for(100ms);
    const auto took = stop_and_join();
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 3000ms);
    EXPECT_TRUE(client.closed_by_server(1000ms));
}

TEST_F(ServerTest, EveryAnswerCarriesNosniffAndNoHstsByDefault) {
    start();
    Client client(server->port());
    for (auto [method, target] :
         std::vector<std::pair<bhttp::verb, std::string>>{{bhttp::verb::get, "/hello"},
                                                          {bhttp::verb::get, "/nope"},
                                                          {bhttp::verb::patch, "/hello"},
                                                          {bhttp::verb::delete_, "/users/bob"},
                                                          {bhttp::verb::get, "/crash"},
                                                          {bhttp::verb::options, "/hello"}}) {
        auto response = client.request(method, target);
        EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff") << target;
        EXPECT_EQ(header(response, "Strict-Transport-Security"), "<absent>") << target;
        EXPECT_FALSE(has_cors_header(response)) << target;
        EXPECT_EQ(header(response, "Vary"), "<absent>") << target;
        if (!response.body().empty()) {
            EXPECT_EQ(header(response, "Content-Type"), "application/json; charset=utf-8")
                << target;
        }
    }
}

TEST_F(ServerTest, HstsOnEveryAnswerWhenAsked) {
    ServerOptions options;
    options.hsts = true;
    start(options);
    Client client(server->port());
    for (auto [method, target] :
         std::vector<std::pair<bhttp::verb, std::string>>{{bhttp::verb::get, "/hello"},
                                                          {bhttp::verb::get, "/nope"},
                                                          {bhttp::verb::delete_, "/users/bob"},
                                                          {bhttp::verb::options, "/hello"}}) {
        auto response = client.request(method, target);
        EXPECT_EQ(header(response, "Strict-Transport-Security"),
                  "max-age=31536000; includeSubDomains")
            << target;
    }
    Client big(server->port());
    big.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
    auto refused = big.read_response();
    EXPECT_EQ(refused.result_int(), 413);
    EXPECT_EQ(header(refused, "Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
    EXPECT_EQ(header(refused, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(refused, "Content-Type"), "application/json; charset=utf-8");
}

TEST_F(ServerTest, PlainOptionsListsTheMethods) {
    start();
    Client client(server->port());
    auto response = client.request(bhttp::verb::options, "/users/bob/");
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD, DELETE, OPTIONS");
    EXPECT_EQ(header(response, "Content-Length"), "<absent>");
    EXPECT_TRUE(response.keep_alive());
    // Needs no authentication and never reaches a handler.
    EXPECT_EQ(header(client.request(bhttp::verb::options, "/crash"), "Allow"),
              "GET, HEAD, OPTIONS");
    EXPECT_EQ(client.request(bhttp::verb::options, "/nope").result_int(), 404);
    // CORS off: a preflight is a plain OPTIONS, and the browser will refuse the answer.
    auto preflight = client.request(
        bhttp::verb::options, "/echo",
        {{"Origin", "https://game.example.com"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(preflight.result_int(), 204);
    EXPECT_EQ(header(preflight, "Allow"), "POST, OPTIONS");
    EXPECT_FALSE(has_cors_header(preflight));
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
}

class CorsServerTest : public ServerTest {
  protected:
    static constexpr const char* front_end = "https://game.example.com";

    void start_cors(ServerOptions options = {}) {
        options.cors_origins = {front_end, "http://localhost:5173"};
        start(options);
    }

    static void expect_cors(const Response& response, const std::string& what) {
        EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), front_end) << what;
        EXPECT_EQ(header(response, "Access-Control-Expose-Headers"),
                  "Retry-After, X-Request-Id, WWW-Authenticate")
            << what;
        EXPECT_EQ(header(response, "Vary"), "Origin") << what;
        EXPECT_EQ(header(response, "Access-Control-Allow-Credentials"), "<absent>") << what;
    }
};

TEST_F(CorsServerTest, AllowedOriginOnEveryAnswer) {
    start_cors();
    Client client(server->port());
    const std::vector<std::pair<std::string, std::string>> origin = {{"Origin", front_end}};
    struct Case {
        bhttp::verb method;
        std::string target;
        int status;
    };
    for (const auto& c : std::vector<Case>{{bhttp::verb::get, "/hello", 200},
                                           {bhttp::verb::delete_, "/users/bob", 204},
                                           {bhttp::verb::get, "/forbidden", 403},
                                           {bhttp::verb::get, "/invalid", 400},
                                           {bhttp::verb::get, "/crash", 500},
                                           {bhttp::verb::get, "/nope", 404},
                                           {bhttp::verb::patch, "/hello", 405},
                                           {bhttp::verb::head, "/hello", 200},
                                           {bhttp::verb::options, "/hello", 204}}) {
        auto response = client.request(c.method, c.target, origin);
        EXPECT_EQ(response.result_int(), c.status) << c.target;
        expect_cors(response, c.target);
    }

    Client big(server->port());
    big.send_raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nOrigin: https://game.example.com\r\n"
        "Content-Length: 99999999\r\n\r\n");
    auto refused = big.read_response();
    EXPECT_EQ(refused.result_int(), 413);
    expect_cors(refused, "413");

    Client malformed(server->port());
    malformed.send_raw("GET /hello HTTP/1.1\r\nOrigin: https://game.example.com\r\nHost x\r\n\r\n");
    EXPECT_EQ(malformed.read_response().result_int(), 400);
}

TEST_F(CorsServerTest, BusyAnswerCarriesCors) {
    ServerOptions options;
    options.worker_threads = 1;
    options.worker_queue = 0;
    start_cors(options);
    Client slow(server->port());
    slow.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(100ms);
    Client other(server->port());
    // A preflight needs no worker: it is answered even when the pool is full.
    auto preflight =
        other.request(bhttp::verb::options, "/hello",
                      {{"Origin", front_end}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(preflight.result_int(), 204);
    auto busy = other.request(bhttp::verb::get, "/hello", {{"Origin", front_end}});
    EXPECT_EQ(busy.result_int(), 503);
    EXPECT_EQ(header(busy, "Retry-After"), "1");
    expect_cors(busy, "503");
    EXPECT_EQ(slow.read_response().result_int(), 200);
}

TEST_F(CorsServerTest, PreflightFromAllowedOrigin) {
    start_cors();
    Client client(server->port());
    auto response = client.request(bhttp::verb::options, "/echo/",
                                   {{"Origin", front_end},
                                    {"Access-Control-Request-Method", "POST"},
                                    {"Access-Control-Request-Headers", "content-type, lang"}});
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(header(response, "Content-Length"), "<absent>");
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), front_end);
    EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "POST, OPTIONS");
    EXPECT_EQ(header(response, "Access-Control-Allow-Headers"),
              "Authorization, Content-Type, lang, X-Request-Id");
    EXPECT_EQ(header(response, "Access-Control-Max-Age"), "600");
    EXPECT_EQ(header(response, "Vary"), "Origin");
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(response.keep_alive());

    // The route's methods, whatever the method asked: the browser decides.
    response = client.request(
        bhttp::verb::options, "/users/bob",
        {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "PUT"}});
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "http://localhost:5173");
    EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "GET, HEAD, DELETE, OPTIONS");

    // An unknown path is a 404 (with CORS headers, so the page could read it; the browser
    // reports a failed preflight).
    response = client.request(bhttp::verb::options, "/nope",
                              {{"Origin", front_end}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(response.result_int(), 404);
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), front_end);
    EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "<absent>");

    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(CorsServerTest, PreflightFromOtherOriginIs403WithoutCors) {
    start_cors();
    Client client(server->port());
    for (auto origin : {"https://evil.example.com", "https://game.example.com:8443", "null",
                        "http://game.example.com"}) {
        auto response =
            client.request(bhttp::verb::options, "/echo",
                           {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}});
        EXPECT_EQ(response.result_int(), 403) << origin;
        EXPECT_FALSE(has_cors_header(response)) << origin;
        EXPECT_EQ(header(response, "Content-Type"), "application/json; charset=utf-8");
        EXPECT_EQ(boost::json::parse(response.body()).at("code"), "cors_forbidden") << origin;
        EXPECT_TRUE(response.keep_alive());
    }
    // Two Origin headers name no single origin.
    client.send_raw(
        "OPTIONS /echo HTTP/1.1\r\nHost: x\r\nOrigin: https://game.example.com\r\n"
        "Origin: https://game.example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n");
    EXPECT_EQ(client.read_response().result_int(), 204);  // no Origin: a plain OPTIONS
}

TEST_F(CorsServerTest, OtherOriginIsServedWithoutCors) {
    start_cors();
    Client client(server->port());
    auto response =
        client.request(bhttp::verb::get, "/hello", {{"Origin", "https://evil.example.com"}});
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_FALSE(has_cors_header(response));
    EXPECT_EQ(header(response, "Vary"), "Origin");
    response = client.request(bhttp::verb::get, "/hello");
    EXPECT_FALSE(has_cors_header(response));
    EXPECT_EQ(header(response, "Vary"), "Origin");
}

TEST_F(ServerTest, AnyOriginAnswersStar) {
    ServerOptions options;
    options.cors_origins = {"*"};
    start(options);
    Client client(server->port());
    auto response =
        client.request(bhttp::verb::get, "/forbidden", {{"Origin", "https://x.example"}});
    EXPECT_EQ(response.result_int(), 403);
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(header(response, "Access-Control-Allow-Credentials"), "<absent>");
    response =
        client.request(bhttp::verb::options, "/hello",
                       {{"Origin", "https://x.example"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(response.result_int(), 204);
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "*");
}

TEST_F(ServerTest, BadCorsOriginIsRefusedAtConstruction) {
    ServerOptions options;
    options.cors_origins = {"https://game.example.com/"};
    EXPECT_THROW(Server(options, router), std::invalid_argument);
}

TEST_F(ServerTest, SlowHeadersAreCutAtTheHeaderDeadline) {
    ServerOptions options;
    options.header_timeout = 1s;
    start(options);
    // One byte every 100 ms would take 5 s for these headers.
    const std::string request =
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(30, 'a') + "\r\n\r\n";
    const auto closed = dribble(server->port(), "", request, 100ms);
    ASSERT_TRUE(closed.has_value()) << "still open after every byte";
    EXPECT_GE(*closed, 900ms);
    EXPECT_LT(*closed, 1800ms);
    Client client(server->port());
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, SlowBodyIsCutAtTheRequestDeadline) {
    ServerOptions options;
    options.header_timeout = 1s;
    options.request_timeout = 2s;
    start(options);
    // Headers at once, then a body at a byte every 100 ms: the 2 s count from the first byte.
    const std::string headers =
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 60\r\n\r\n";
    const auto closed = dribble(server->port(), headers, std::string(60, ' '), 100ms);
    ASSERT_TRUE(closed.has_value()) << "still open after every byte";
    EXPECT_GE(*closed, 1800ms);
    EXPECT_LT(*closed, 2800ms);
}

TEST_F(ServerTest, SilentNewConnectionGetsTheHeaderTimeout) {
    ServerOptions options;
    options.header_timeout = 1s;
    options.idle_timeout = 30s;
    start(options);
    Client client(server->port());
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.closed_by_server(3000ms));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST_F(ServerTest, CountsEachAnswerBeforeItIsSent) {
    counted = std::make_unique<RequestMetrics>(router);
    start();
    Client client(server->port());
    EXPECT_EQ(client.request(bhttp::verb::get, "/hello").result_int(), 200);
    // The answer has arrived: it is counted already.
    EXPECT_EQ(counted->requests("hello", "GET", 200), 1u);
    client.request(bhttp::verb::get, "/hello/");
    client.request(bhttp::verb::head, "/hello");
    client.request(bhttp::verb::get, "/forbidden");
    client.request(bhttp::verb::get, "/nowhere");
    client.request(bhttp::verb::put, "/hello");
    client.request(bhttp::verb::options, "/hello");
    EXPECT_EQ(counted->requests("hello", "GET", 200), 2u);
    EXPECT_EQ(counted->requests("hello", "HEAD", 200), 1u);
    EXPECT_EQ(counted->requests("forbidden", "GET", 403), 1u);
    EXPECT_EQ(counted->requests("unmatched", "GET", 404), 1u);
    EXPECT_EQ(counted->requests("unmatched", "PUT", 405), 1u);
    EXPECT_EQ(counted->requests("options", "OPTIONS", 204), 1u);

    metrics::Writer out;
    counted->collect(out);
    EXPECT_NE(out.text().find("authd_http_requests_total{route=\"hello\",method=\"GET\","
                              "status=\"200\"} 2\n"),
              std::string::npos)
        << out.text();
    EXPECT_NE(out.text().find("authd_http_request_duration_seconds_count{route=\"hello\"} 3\n"),
              std::string::npos);
}

// A request whose head (request line, header lines, the empty line) is `size` bytes exactly,
// its target `target_bytes` long.
std::string request_head_of(std::size_t size, std::size_t target_bytes = 6) {
    std::string target = "/hello";
    if (target_bytes > target.size()) target += "?" + std::string(target_bytes - 7, 'q');
    const std::string start = "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    return start + std::string(size - start.size() - 4, 'p') + "\r\n\r\n";
}

TEST_F(ServerTest, HeaderLimitIsExact) {
    start();
    {
        Client client(server->port());
        client.send_raw(request_head_of(8192));
        EXPECT_EQ(client.read_response().result_int(), 200);
    }
    for (const std::size_t target : {std::size_t{6}, std::size_t{4000}, std::size_t{6000}}) {
        Client client(server->port());
        client.send_raw(request_head_of(8193, target));
        auto response = client.read_response();
        EXPECT_EQ(response.result_int(), 431) << "target of " << target << " bytes";
        EXPECT_FALSE(response.keep_alive());
    }
    // A long target and long headers, each under the limit: together 12 KiB.
    Client client(server->port());
    client.send_raw(request_head_of(12 * 1024, 6 * 1024));
    EXPECT_EQ(client.read_response().result_int(), 431);
}

TEST_F(ServerTest, ConnectionsFromOneAddressAreCapped) {
    counted = std::make_unique<RequestMetrics>(router);
    ServerOptions options;
    options.max_connections_per_address = 2;
    start(options);
    Client first(server->port());
    Client second(server->port());
    EXPECT_EQ(first.request(bhttp::verb::get, "/hello").result_int(), 200);
    EXPECT_EQ(second.request(bhttp::verb::get, "/hello").result_int(), 200);
    {
        Client third(server->port());
        EXPECT_TRUE(third.closed_by_server(2000ms));
    }
    EXPECT_EQ(counted->connections_refused(RequestMetrics::Refusal::per_address), 1u);
    EXPECT_EQ(counted->connections_refused(RequestMetrics::Refusal::server_full), 0u);
    // The open ones are served; once one is closed, its place is free again.
    EXPECT_EQ(first.request(bhttp::verb::get, "/hello").result_int(), 200);
    EXPECT_FALSE(
        second.request(bhttp::verb::get, "/hello", {{"Connection", "close"}}).keep_alive());
    EXPECT_TRUE(second.closed_by_server(2000ms));
    // The server notices the close on its strand: allow it a moment.
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; ++attempt) {
        Client again(server->port());
        try {
            served = again.request(bhttp::verb::get, "/hello").result_int() == 200;
        } catch (const boost::system::system_error&) {
            std::this_thread::sleep_for(20ms);
        }
    }
    EXPECT_TRUE(served);

    metrics::Writer out;
    counted->collect(out);
    EXPECT_NE(out.text().find("authd_http_connections_refused_total{reason=\"per_address\"} "),
              std::string::npos)
        << out.text();
}

TEST_F(ServerTest, TrustedProxiesAreNotCappedPerAddress) {
    ServerOptions options;
    options.max_connections_per_address = 1;
    options.trusted_proxies = {"127.0.0.1"};
    start(options);
    Client first(server->port());
    Client second(server->port());
    EXPECT_EQ(first.request(bhttp::verb::get, "/hello").result_int(), 200);
    EXPECT_EQ(second.request(bhttp::verb::get, "/hello").result_int(), 200);
}

TEST_F(ServerTest, HostMustBeThereOnceOnHttp11) {
    start();
    const std::string bad_host =
        R"({"detail":"A request needs exactly one valid Host header.","code":"bad_request"})";
    for (const std::string head :
         {"GET /hello HTTP/1.1\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
          "GET /hello HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
          "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n"}) {
        Client client(server->port());
        client.send_raw(head);
        auto response = client.read_response();
        EXPECT_EQ(response.result_int(), 400) << head;
        EXPECT_EQ(response.body(), bad_host);
        EXPECT_TRUE(client.closed_by_server(2000ms));
    }
    Client old(server->port());
    old.send_raw("GET /hello HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.read_response().result_int(), 200);
}

TEST_F(ServerTest, AbsoluteFormTargetIsServedLikeItsPath) {
    start();
    Client client(server->port());
    client.send_raw("GET http://auth.example.com:8000/users/bob/?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = client.read_response();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), R"({"name":"bob"})");
    client.send_raw("GET HTTP://x/nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().result_int(), 404);
}

TEST_F(ServerTest, TransferCodingOtherThanChunkedIs501) {
    start();
    {
        Client client(server->port());
        client.send_raw(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        auto response = client.read_response();
        EXPECT_EQ(response.result_int(), 501);
        EXPECT_EQ(
            response.body(),
            R"({"detail":"Transfer coding \"gzip\" is not implemented.","code":"not_implemented"})");
        EXPECT_FALSE(response.keep_alive());
    }
    {
        // Without chunked the parser would take the body for the next request.
        Client client(server->port());
        client.send_raw(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
            "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(client.read_response().result_int(), 501);
        EXPECT_TRUE(client.closed_by_server(2000ms));
    }
    Client client(server->port());
    client.send_raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(client.read_response().result_int(), 400);
}

TEST_F(ServerTest, ContentEncodingIsRefusedWith415) {
    start();
    Client client(server->port());
    auto response =
        client.request(bhttp::verb::post, "/echo",
                       {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}},
                       std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
    EXPECT_EQ(response.result_int(), 415);
    EXPECT_EQ(header(response, "Accept-Encoding"), "identity");
    EXPECT_EQ(
        response.body(),
        R"({"detail":"Unsupported content encoding \"gzip\" in request.","code":"unsupported_content_encoding"})");
    auto identity = client.request(
        bhttp::verb::post, "/echo",
        {{"Content-Type", "application/json"}, {"Content-Encoding", "identity"}}, "{}");
    EXPECT_EQ(identity.result_int(), 200);
}

TEST_F(ServerTest, Http10RequestsAreAnsweredInHttp11) {
    start();
    Client client(server->port());
    client.send_raw("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto kept = client.read_response();
    EXPECT_EQ(kept.version(), 11u);
    EXPECT_EQ(kept.result_int(), 200);
    EXPECT_EQ(header(kept, "Connection"), "keep-alive");
    client.send_raw("GET /hello HTTP/1.0\r\n\r\n");
    auto last = client.read_response();
    EXPECT_EQ(last.version(), 11u);
    EXPECT_EQ(header(last, "Connection"), "close");
    EXPECT_TRUE(client.closed_by_server(2000ms));
}

TEST_F(ServerTest, TrustedProxyForwardsThroughForwarded) {
    ServerOptions options;
    options.trusted_proxies = {"127.0.0.0/8"};
    start(options);
    Client client(server->port());
    auto ip_of = [&](std::vector<std::pair<std::string, std::string>> headers) {
        auto response = client.request(bhttp::verb::get, "/hello", headers);
        return std::string(boost::json::parse(response.body()).at("ip").as_string());
    };
    EXPECT_EQ(ip_of({{"Forwarded", "for=198.51.100.1"}, {"Forwarded", "for=\"[2001:db8::7]:80\""}}),
              "2001:db8::7");
    EXPECT_EQ(ip_of({{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "203.0.113.7:1"}}),
              "203.0.113.7");
    EXPECT_EQ(ip_of({{"X-Forwarded-For", "198.51.100.1, unknown"}}), "127.0.0.1");
}

TEST_F(ServerTest, ListenFailureIsClear) {
    start();
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = server->port();
    Server second(options, router);
    try {
        second.listen();
        // SO_REUSEADDR does not allow two listeners on one port on Linux.
        FAIL() << "listen() succeeded on a busy port";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind(
                      "cannot listen on 127.0.0.1:" + std::to_string(server->port()) + ": ", 0),
                  0u)
            << e.what();
    }
}

}  // namespace
}  // namespace authd::http
