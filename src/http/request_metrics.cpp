#include "http/request_metrics.h"

#include <algorithm>
#include <array>
#include <tuple>

namespace authd::http {
namespace {

constexpr std::string_view unmatched = "unmatched";

// Sorted; anything else is "other" (the last index).
constexpr std::array<std::string_view, 8> methods = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                                     "PATCH",  "POST", "PUT",  "other"};

constexpr unsigned slot_bits = 12;  // 4096 label sets: routes × methods × statuses seen
constexpr std::size_t slot_count = std::size_t{1} << slot_bits;
constexpr unsigned status_bits = 10;  // statuses are 100..999
constexpr unsigned method_bits = 3;

std::size_t method_index(std::string_view method) {
    const auto last = methods.end() - 1;
    const auto it = std::lower_bound(methods.begin(), last, method);
    return it != last && *it == method ? static_cast<std::size_t>(it - methods.begin())
                                       : methods.size() - 1;
}

std::size_t hash_slot(std::uint32_t key) {
    return static_cast<std::size_t>((key * 2654435761u) >> (32 - slot_bits));
}

}  // namespace

RequestMetrics::RequestMetrics(const Router& router)
    : slots_(std::make_unique<Slot[]>(slot_count)) {
    for (const Router::Route& route : router.routes())
        routes_.push_back(route.name);
    for (std::string_view own : {"options", "cors_preflight", "unmatched"})
        routes_.emplace_back(own);
    std::sort(routes_.begin(), routes_.end());
    routes_.erase(std::unique(routes_.begin(), routes_.end()), routes_.end());
    for (std::size_t i = 0; i < routes_.size(); ++i)
        durations_.push_back(std::make_unique<metrics::Histogram>(metrics::latency_buckets()));
}

std::size_t RequestMetrics::route_index(std::string_view route) const {
    auto it = std::lower_bound(routes_.begin(), routes_.end(), route,
                               [](const std::string& a, std::string_view b) { return a < b; });
    if (it == routes_.end() || *it != route)
        it = std::lower_bound(routes_.begin(), routes_.end(), unmatched,
                              [](const std::string& a, std::string_view b) { return a < b; });
    return static_cast<std::size_t>(it - routes_.begin());
}

std::uint32_t RequestMetrics::key_of(std::size_t route, std::size_t method, unsigned status) {
    if (status >= (1u << status_bits)) status = 0;
    // Route + 1, so that no key is 0 (a free slot).
    return static_cast<std::uint32_t>(((route + 1) << (method_bits + status_bits)) |
                                      (method << status_bits) | status);
}

const RequestMetrics::Slot* RequestMetrics::find(std::uint32_t key) const {
    for (std::size_t probe = 0, i = hash_slot(key); probe < slot_count;
         ++probe, i = (i + 1) % slot_count) {
        const std::uint32_t found = slots_[i].key.load(std::memory_order_acquire);
        if (found == key) return &slots_[i];
        if (found == 0) return nullptr;
    }
    return nullptr;
}

void RequestMetrics::record(std::string_view route, std::string_view method, unsigned status,
                            double seconds) {
    const std::size_t index = route_index(route);
    durations_[index]->observe(seconds);
    const std::uint32_t key = key_of(index, method_index(method), status);
    for (std::size_t probe = 0, i = hash_slot(key); probe < slot_count;
         ++probe, i = (i + 1) % slot_count) {
        std::uint32_t found = slots_[i].key.load(std::memory_order_acquire);
        if (found == 0 &&
            slots_[i].key.compare_exchange_strong(found, key, std::memory_order_acq_rel))
            found = key;
        if (found == key) {
            slots_[i].count.fetch_add(1, std::memory_order_relaxed);
            return;
        }
    }
    // Full: cannot happen with the label sets a server produces (routes × 8 methods × the
    // statuses it answers); dropping is better than locking.
}

std::uint64_t RequestMetrics::requests(std::string_view route, std::string_view method,
                                       unsigned status) const {
    const Slot* slot = find(key_of(route_index(route), method_index(method), status));
    return slot ? slot->count.load(std::memory_order_relaxed) : 0;
}

void RequestMetrics::connection_refused(Refusal reason) {
    (reason == Refusal::server_full ? refused_server_full_ : refused_per_address_).add();
}

std::uint64_t RequestMetrics::connections_refused(Refusal reason) const {
    return (reason == Refusal::server_full ? refused_server_full_ : refused_per_address_).value();
}

void RequestMetrics::collect(metrics::Writer& out) const {
    struct Row {
        std::size_t route;
        std::size_t method;
        unsigned status;
        std::uint64_t count;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < slot_count; ++i) {
        const std::uint32_t key = slots_[i].key.load(std::memory_order_acquire);
        if (key == 0) continue;
        rows.push_back({(key >> (method_bits + status_bits)) - 1,
                        (key >> status_bits) & ((1u << method_bits) - 1),
                        key & ((1u << status_bits) - 1),
                        slots_[i].count.load(std::memory_order_relaxed)});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::tie(a.route, a.method, a.status) < std::tie(b.route, b.method, b.status);
    });
    out.family("authd_http_requests_total", "counter",
               "HTTP requests answered, by route name, method and status.");
    for (const Row& row : rows) {
        const std::string status = std::to_string(row.status);
        out.sample(
            "authd_http_requests_total",
            {{"route", routes_[row.route]}, {"method", methods[row.method]}, {"status", status}},
            row.count);
    }
    out.family("authd_http_connections_refused_total", "counter",
               "Connections closed as soon as they were accepted: the server had "
               "AUTH_MAX_CONNECTIONS open (server_full), or their address had "
               "AUTH_MAX_CONNECTIONS_PER_IP (per_address).");
    out.sample("authd_http_connections_refused_total", {{"reason", "server_full"}},
               refused_server_full_.value());
    out.sample("authd_http_connections_refused_total", {{"reason", "per_address"}},
               refused_per_address_.value());
    out.family("authd_http_request_duration_seconds", "histogram",
               "Time from a request's first byte to its answer being ready, by route name.");
    // Routes not requested yet are left out, as in authd_http_requests_total.
    for (std::size_t i = 0; i < routes_.size(); ++i)
        if (durations_[i]->count() > 0)
            out.histogram("authd_http_request_duration_seconds", {{"route", routes_[i]}},
                          *durations_[i]);
}

}  // namespace authd::http
