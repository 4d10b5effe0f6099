#pragma once
// authd_http_requests_total{route,method,status}, authd_http_request_duration_seconds{route} and
// authd_http_connections_refused_total{reason}.
// The route names are fixed when the server is built (the router's, plus the server's own), so
// counting a request touches a few atomics only: no lock, no allocation.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"
#include "util/metrics.h"

namespace authd::http {

class RequestMetrics {
  public:
    // Every route name of `router`, plus "options", "cors_preflight" and "unmatched".
    explicit RequestMetrics(const Router& router);

    // One answered request. A route name not known here counts as "unmatched" (404, 405, and
    // requests refused before they could be routed); a method not in the usual set as "other".
    void record(std::string_view route, std::string_view method, unsigned status, double seconds);

    // Why a connection was closed as soon as it was accepted.
    enum class Refusal {
        server_full,  // ServerOptions::max_connections open already
        per_address,  // ServerOptions::max_connections_per_address open from its address
    };
    void connection_refused(Refusal reason);
    std::uint64_t connections_refused(Refusal reason) const;

    // How many requests were recorded with these labels (after the mapping above).
    std::uint64_t requests(std::string_view route, std::string_view method, unsigned status) const;

    void collect(metrics::Writer& out) const;

  private:
    struct Slot {
        std::atomic<std::uint32_t> key{0};  // 0: free
        std::atomic<std::uint64_t> count{0};
    };
    std::size_t route_index(std::string_view route) const;
    static std::uint32_t key_of(std::size_t route, std::size_t method, unsigned status);
    const Slot* find(std::uint32_t key) const;

    std::vector<std::string> routes_;                             // sorted, unique
    std::vector<std::unique_ptr<metrics::Histogram>> durations_;  // by route index
    // Open addressing on (route, method, status): slots are claimed with a compare-and-swap
    // and never freed, so readers and writers need no lock.
    std::unique_ptr<Slot[]> slots_;
    metrics::Counter refused_server_full_;
    metrics::Counter refused_per_address_;
};

}  // namespace authd::http
