#include "util/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "util/log.h"

namespace authd::metrics {
namespace {

// Taken while the program's statics are initialised, before main(): the start of the process.
const double process_start_seconds =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

// `# HELP` text: backslash and newline escaped.
std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

}  // namespace

const std::vector<double>& latency_buckets() {
    static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return buckets;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
            throw std::invalid_argument("histogram bounds must be finite and increasing");
    }
}

void Histogram::observe(double value) {
    if (std::isnan(value)) return;
    // `le` is inclusive: the first bound at or above the value.
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::uint64_t Histogram::count() const {
    std::uint64_t count = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
        count += buckets_[i].load(std::memory_order_relaxed);
    return count;
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot snapshot;
    snapshot.upper_bounds = bounds_;
    snapshot.cumulative.reserve(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.count = running;
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

std::optional<std::int64_t> CachedGauge::get(const std::function<std::int64_t()>& read) {
    // Held while reading: overlapping scrapes wait for one read instead of each making one.
    std::lock_guard lock(mutex_);
    const std::int64_t now = clock_.now();
    if (value_ && now - read_at_ < max_age_) return value_;
    try {
        value_ = read();
        read_at_ = now;
    } catch (const std::exception& e) {
        log::warn(std::string("metrics: a gauge could not be read: ") + e.what());
        value_.reset();
    }
    return value_;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // The shortest text that reads back as the same double; plain decimals in the usual range
    // (0.0005, 1700000000.5) rather than exponents (5e-04).
    char text[400];
    const double magnitude = std::fabs(value);
    const auto result =
        magnitude >= 1e-4 && magnitude < 1e15
            ? std::to_chars(text, text + sizeof text, value, std::chars_format::fixed)
            : std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

void Writer::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += escape_help(help);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
}

void Writer::write_labels(Labels labels, const Label* extra) {
    if (labels.size() == 0 && !extra) return;
    text_ += '{';
    bool first = true;
    auto write = [&](const Label& label) {
        if (!first) text_ += ',';
        first = false;
        text_ += label.first;
        text_ += "=\"";
        text_ += escape_label_value(label.second);
        text_ += '"';
    };
    for (const Label& label : labels)
        write(label);
    if (extra) write(*extra);
    text_ += '}';
}

void Writer::sample(std::string_view name, Labels labels, double value) {
    text_ += name;
    write_labels(labels);
    text_ += ' ';
    text_ += format_value(value);
    text_ += '\n';
}

void Writer::sample(std::string_view name, Labels labels, std::uint64_t value) {
    text_ += name;
    write_labels(labels);
    text_ += ' ';
    text_ += std::to_string(value);
    text_ += '\n';
}

void Writer::histogram(std::string_view name, Labels labels, const Histogram& histogram) {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    const std::string bucket_name = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        const std::string le = i < snapshot.upper_bounds.size()
                                   ? format_value(snapshot.upper_bounds[i])
                                   : std::string("+Inf");
        const Label extra{"le", le};
        text_ += bucket_name;
        write_labels(labels, &extra);
        text_ += ' ';
        text_ += std::to_string(snapshot.cumulative[i]);
        text_ += '\n';
    }
    sample(std::string(name) + "_sum", labels, snapshot.sum);
    sample(std::string(name) + "_count", labels, snapshot.count);
}

void collect_process(Writer& out) {
    long resident_pages = 0;
    {
        std::ifstream statm("/proc/self/statm");
        long size_pages = 0;
        statm >> size_pages >> resident_pages;
        if (!statm) resident_pages = 0;
    }
    const long page_size = sysconf(_SC_PAGESIZE);
    out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out.sample("process_resident_memory_bytes", {},
               static_cast<std::uint64_t>(resident_pages) *
                   static_cast<std::uint64_t>(page_size > 0 ? page_size : 4096));
    out.family("process_start_time_seconds", "gauge",
               "Start time of the process since the Unix epoch in seconds.");
    out.sample("process_start_time_seconds", {}, process_start_seconds);
}

std::string Registry::render() const {
    Writer out;
    for (const Collector& collect : collectors_)
        collect(out);
    return out.text();
}

}  // namespace authd::metrics
