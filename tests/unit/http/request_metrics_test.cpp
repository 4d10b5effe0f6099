#include "http/request_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace authd::http {
namespace {

using bhttp::verb;

Router make_router() {
    Router router;
    auto answer = [](RequestContext&) { return Response{bhttp::status::ok, 11}; };
    constexpr auto pool = Router::Execution::worker_pool;
    router.add(verb::post, "/api/auth/login", "login", Access::anyone, no_body, pool, answer);
    router.add(verb::get, "/api/auth/jwks", "jwks", Access::anyone, no_body, pool, answer);
    // One name, two paths.
    router.add(verb::get, "/.well-known/jwks.json", "jwks", Access::anyone, no_body, pool, answer);
    router.add(verb::get, "/metrics", "metrics", Access::anyone, no_body, pool, answer);
    return router;
}

std::string collected(const RequestMetrics& counted) {
    metrics::Writer out;
    counted.collect(out);
    return out.text();
}

TEST(RequestMetrics, CountsByRouteMethodAndStatus) {
    const Router router = make_router();
    RequestMetrics counted(router);
    counted.record("login", "POST", 200, 0.01);
    counted.record("login", "POST", 200, 0.02);
    counted.record("login", "POST", 401, 0.02);
    counted.record("jwks", "GET", 200, 0.001);
    counted.record("jwks", "HEAD", 200, 0.001);
    EXPECT_EQ(counted.requests("login", "POST", 200), 2u);
    EXPECT_EQ(counted.requests("login", "POST", 401), 1u);
    EXPECT_EQ(counted.requests("login", "GET", 200), 0u);
    EXPECT_EQ(counted.requests("jwks", "GET", 200), 1u);
    EXPECT_EQ(counted.requests("jwks", "HEAD", 200), 1u);
}

TEST(RequestMetrics, UnknownRoutesAreUnmatchedAndUnusualMethodsOther) {
    const Router router = make_router();
    RequestMetrics counted(router);
    counted.record("-", "GET", 404, 0.001);
    counted.record("no such route", "GET", 404, 0.001);
    counted.record("-", "-", 400, 0.001);
    counted.record("login", "PROPFIND", 405, 0.001);
    counted.record("login", "BREW", 405, 0.001);
    EXPECT_EQ(counted.requests("unmatched", "GET", 404), 2u);
    EXPECT_EQ(counted.requests("unmatched", "other", 400), 1u);
    EXPECT_EQ(counted.requests("login", "other", 405), 2u);
    EXPECT_EQ(counted.requests("login", "PROPFIND", 405), 2u);  // the same label set
}

TEST(RequestMetrics, WritesCountersSortedAndHistogramsOfRequestedRoutesOnly) {
    const Router router = make_router();
    RequestMetrics counted(router);
    counted.record("metrics", "GET", 200, 0.0004);
    counted.record("login", "POST", 401, 0.3);
    counted.record("login", "POST", 200, 3);
    const std::string text = collected(counted);
    const std::string expected_counters =
        "# HELP authd_http_requests_total HTTP requests answered, by route name, method and "
        "status.\n"
        "# TYPE authd_http_requests_total counter\n"
        "authd_http_requests_total{route=\"login\",method=\"POST\",status=\"200\"} 1\n"
        "authd_http_requests_total{route=\"login\",method=\"POST\",status=\"401\"} 1\n"
        "authd_http_requests_total{route=\"metrics\",method=\"GET\",status=\"200\"} 1\n";
    EXPECT_EQ(text.rfind(expected_counters, 0), 0u) << text;
    EXPECT_NE(text.find("# TYPE authd_http_request_duration_seconds histogram\n"),
              std::string::npos);
    EXPECT_NE(
        text.find("authd_http_request_duration_seconds_bucket{route=\"login\",le=\"0.25\"} 0\n"),
        std::string::npos);
    EXPECT_NE(
        text.find("authd_http_request_duration_seconds_bucket{route=\"login\",le=\"0.5\"} 1\n"),
        std::string::npos);
    EXPECT_NE(text.find("authd_http_request_duration_seconds_bucket{route=\"login\",le=\"5\"} 2\n"),
              std::string::npos);
    EXPECT_NE(
        text.find("authd_http_request_duration_seconds_bucket{route=\"login\",le=\"+Inf\"} 2\n"),
        std::string::npos);
    EXPECT_NE(text.find("authd_http_request_duration_seconds_sum{route=\"login\"} 3.3\n"),
              std::string::npos);
    EXPECT_NE(text.find("authd_http_request_duration_seconds_count{route=\"login\"} 2\n"),
              std::string::npos);
    EXPECT_NE(
        text.find(
            "authd_http_request_duration_seconds_bucket{route=\"metrics\",le=\"0.0005\"} 1\n"),
        std::string::npos);
    EXPECT_EQ(text.find("route=\"jwks\""), std::string::npos);
}

TEST(RequestMetrics, ConcurrentRequestsAreAllCounted) {
    const Router router = make_router();
    RequestMetrics counted(router);
    constexpr int kThreads = 8;
    constexpr int kEach = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i)
                // Threads race to claim the same label sets and new ones.
                counted.record(i % 2 ? "login" : "jwks", "GET", 200 + static_cast<unsigned>(t),
                               0.001);
        });
    for (auto& thread : threads)
        thread.join();
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(counted.requests("login", "GET", 200 + t), kEach / 2u);
        EXPECT_EQ(counted.requests("jwks", "GET", 200 + t), kEach / 2u);
    }
    const std::string text = collected(counted);
    EXPECT_NE(text.find("authd_http_request_duration_seconds_count{route=\"login\"} 20000\n"),
              std::string::npos);
}

}  // namespace
}  // namespace authd::http
