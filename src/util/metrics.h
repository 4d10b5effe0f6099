#pragma once
// Metrics in the Prometheus text exposition format (version 0.0.4). Counters and histograms
// are lock-free (atomics), so the threads that count never wait for each other or for a scrape.
// Each component keeps its own metrics and writes them in `collect(Writer&)`; main() registers
// those collectors, and GET /metrics renders them in order.
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace authd::metrics {

inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds (seconds) of the latency histograms: 0.5 ms to 10 s.
const std::vector<double>& latency_buckets();

class Counter {
  public:
    void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class Histogram {
  public:
    // `upper_bounds`: finite and strictly increasing; the +Inf bucket is implied.
    explicit Histogram(std::vector<double> upper_bounds);

    void observe(double value);
    std::uint64_t count() const;

    struct Snapshot {
        std::vector<double> upper_bounds;
        std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
        std::uint64_t count = 0;
        double sum = 0;
    };
    Snapshot snapshot() const;

  private:
    std::vector<double> bounds_;
    // One per bound plus one above them all; not cumulative (made so by snapshot()).
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<double> sum_{0};
};

// A gauge that is costly to read (a database count): read again at most once per `max_age`
// seconds, however often it is scraped. Thread-safe.
class CachedGauge {
  public:
    CachedGauge(const Clock& clock, std::int64_t max_age_seconds)
        : clock_(clock), max_age_(max_age_seconds) {}
    // The cached value, or `read()`'s when the cache is older than max_age. When `read` throws
    // (the database is down), nullopt: the sample is left out rather than made up.
    std::optional<std::int64_t> get(const std::function<std::int64_t()>& read);

  private:
    const Clock& clock_;
    const std::int64_t max_age_;
    std::mutex mutex_;
    std::optional<std::int64_t> value_;  // guarded by mutex_
    std::int64_t read_at_ = 0;           // guarded by mutex_
};

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

// `\` → `\\`, `"` → `\"`, newline → `\n`.
std::string escape_label_value(std::string_view value);
// Shortest text that reads back as the same double; "+Inf", "-Inf", "NaN".
std::string format_value(double value);

// Builds an exposition. A family's `# HELP` and `# TYPE` lines come first, then its samples.
class Writer {
  public:
    // `type`: "counter", "gauge" or "histogram".
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, Labels labels, double value);
    void sample(std::string_view name, Labels labels, std::uint64_t value);
    // `name`_bucket{..., le="..."} (cumulative, +Inf last), `name`_sum, `name`_count.
    void histogram(std::string_view name, Labels labels, const Histogram& histogram);

    const std::string& text() const { return text_; }

  private:
    void write_labels(Labels labels, const Label* extra = nullptr);
    std::string text_;
};

// process_resident_memory_bytes and process_start_time_seconds.
void collect_process(Writer& out);

// The collectors of the process, in order. add() is called at start-up before any render().
class Registry {
  public:
    using Collector = std::function<void(Writer&)>;
    void add(Collector collector) { collectors_.push_back(std::move(collector)); }
    // Collectors must be thread-safe: scrapes may overlap.
    std::string render() const;

  private:
    std::vector<Collector> collectors_;
};

}  // namespace authd::metrics
