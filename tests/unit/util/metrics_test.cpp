#include "util/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/clock.h"

namespace authd::metrics {
namespace {

TEST(MetricsFormat, ValuesAreShortestRoundTripsWithPrometheusInfinities) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(1), "1");
    EXPECT_EQ(format_value(2.5), "2.5");
    EXPECT_EQ(format_value(0.0005), "0.0005");
    EXPECT_EQ(format_value(0.1), "0.1");
    EXPECT_EQ(format_value(10), "10");
    EXPECT_EQ(format_value(-3.25), "-3.25");
    EXPECT_EQ(format_value(1e-9), "1e-09");
    EXPECT_EQ(format_value(1700000000.5), "1700000000.5");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
    EXPECT_EQ(escape_label_value("plain"), "plain");
    EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
    EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
    EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
    EXPECT_EQ(escape_label_value("tab\tand é"), "tab\tand é");  // only those three
}

TEST(MetricsWriter, AFamilyIsHelpThenTypeThenItsSamples) {
    Writer out;
    out.family("authd_things_total", "counter", "Things done.\nSecond line with a \\.");
    out.sample("authd_things_total", {{"kind", "a"}, {"status", "200"}}, std::uint64_t{3});
    out.sample("authd_things_total", {{"kind", "we\"ird\\\n"}},
               std::uint64_t{18446744073709551615u});
    out.family("authd_level", "gauge", "A level.");
    out.sample("authd_level", {}, 0.25);
    EXPECT_EQ(out.text(),
              "# HELP authd_things_total Things done.\\nSecond line with a \\\\.\n"
              "# TYPE authd_things_total counter\n"
              "authd_things_total{kind=\"a\",status=\"200\"} 3\n"
              "authd_things_total{kind=\"we\\\"ird\\\\\\n\"} 18446744073709551615\n"
              "# HELP authd_level A level.\n"
              "# TYPE authd_level gauge\n"
              "authd_level 0.25\n");
}

TEST(MetricsHistogram, BucketsAreCumulativeInclusiveAndEndWithInf) {
    Histogram histogram({0.1, 1, 10});
    for (double value : {0.05, 0.1, 0.5, 1.0, 3.0, 50.0, 1e9})
        histogram.observe(value);
    const Histogram::Snapshot snapshot = histogram.snapshot();
    // le is "less than or equal": 0.1 falls in the 0.1 bucket, 1.0 in the 1 bucket.
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{2, 4, 5, 7}));
    EXPECT_EQ(snapshot.count, 7u);
    EXPECT_EQ(histogram.count(), 7u);
    EXPECT_DOUBLE_EQ(snapshot.sum, 0.05 + 0.1 + 0.5 + 1.0 + 3.0 + 50.0 + 1e9);
}

TEST(MetricsHistogram, IsWrittenAsBucketsSumAndCount) {
    Histogram histogram({0.0005, 0.25, 2.5});
    histogram.observe(0.0001);
    histogram.observe(0.2);
    histogram.observe(0.25);
    histogram.observe(100);
    Writer out;
    out.family("authd_wait_seconds", "histogram", "Waits.");
    out.histogram("authd_wait_seconds", {{"route", "login"}}, histogram);
    EXPECT_EQ(out.text(),
              "# HELP authd_wait_seconds Waits.\n"
              "# TYPE authd_wait_seconds histogram\n"
              "authd_wait_seconds_bucket{route=\"login\",le=\"0.0005\"} 1\n"
              "authd_wait_seconds_bucket{route=\"login\",le=\"0.25\"} 3\n"
              "authd_wait_seconds_bucket{route=\"login\",le=\"2.5\"} 3\n"
              "authd_wait_seconds_bucket{route=\"login\",le=\"+Inf\"} 4\n"
              "authd_wait_seconds_sum{route=\"login\"} 100.4501\n"
              "authd_wait_seconds_count{route=\"login\"} 4\n");
}

TEST(MetricsHistogram, WithoutLabelsOnlyLeIsWritten) {
    Histogram histogram({1});
    Writer out;
    out.histogram("h", {}, histogram);
    EXPECT_EQ(out.text(),
              "h_bucket{le=\"1\"} 0\n"
              "h_bucket{le=\"+Inf\"} 0\n"
              "h_sum 0\n"
              "h_count 0\n");
}

TEST(MetricsHistogram, RejectsBoundsThatAreNotIncreasing) {
    EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
    EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
    EXPECT_THROW(Histogram({1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
    EXPECT_NO_THROW(Histogram{latency_buckets()});
}

TEST(MetricsHistogram, LatencyBucketsGoFromHalfAMillisecondToTenSeconds) {
    const std::vector<double>& buckets = latency_buckets();
    ASSERT_EQ(buckets.size(), 14u);
    EXPECT_DOUBLE_EQ(buckets.front(), 0.0005);
    EXPECT_DOUBLE_EQ(buckets.back(), 10);
}

TEST(MetricsConcurrency, CountersAndHistogramsLoseNothingAcrossThreads) {
    Counter counter;
    Histogram histogram({0.5});
    constexpr int kThreads = 8;
    constexpr int kEach = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kEach; ++i) {
                counter.add();
                histogram.observe(i % 2 ? 0.25 : 1.0);
            }
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kEach);
    const auto snapshot = histogram.snapshot();
    EXPECT_EQ(snapshot.cumulative,
              (std::vector<std::uint64_t>{kThreads * kEach / 2, kThreads * kEach}));
    EXPECT_DOUBLE_EQ(snapshot.sum, kThreads * kEach / 2 * 1.25);
}

TEST(MetricsRegistry, RendersItsCollectorsInOrder) {
    Registry registry;
    registry.add([](Writer& out) { out.sample("first", {}, std::uint64_t{1}); });
    registry.add([](Writer& out) { out.sample("second", {}, std::uint64_t{2}); });
    EXPECT_EQ(registry.render(), "first 1\nsecond 2\n");
    EXPECT_EQ(Registry().render(), "");
}

TEST(MetricsProcess, WritesResidentMemoryAndStartTime) {
    Writer out;
    collect_process(out);
    const std::string& text = out.text();
    EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE process_start_time_seconds gauge\n"), std::string::npos);
    const auto rss_at = text.find("\nprocess_resident_memory_bytes ");
    ASSERT_NE(rss_at, std::string::npos);
    EXPECT_GT(std::stod(text.substr(rss_at + 31)), 0);
    const auto start_at = text.find("\nprocess_start_time_seconds ");
    ASSERT_NE(start_at, std::string::npos);
    const double start = std::stod(text.substr(start_at + 28));
    EXPECT_GT(start, SystemClock().now() - 3600);
    EXPECT_LE(start, SystemClock().now() + 1);
}

TEST(MetricsCachedGauge, ReadsAgainOnlyOnceTheValueIsOldEnough) {
    ManualClock clock;
    CachedGauge gauge(clock, 5);
    int reads = 0;
    auto read = [&] { return std::int64_t{++reads * 10}; };
    EXPECT_EQ(gauge.get(read), 10);
    clock.advance(4);
    EXPECT_EQ(gauge.get(read), 10);
    EXPECT_EQ(reads, 1);
    clock.advance(1);
    EXPECT_EQ(gauge.get(read), 20);
    EXPECT_EQ(reads, 2);
}

TEST(MetricsCachedGauge, AFailedReadGivesNoValueAndIsRetriedNextTime) {
    ManualClock clock;
    CachedGauge gauge(clock, 5);
    EXPECT_EQ(gauge.get([]() -> std::int64_t { throw std::runtime_error("database down"); }),
              std::nullopt);
    EXPECT_EQ(gauge.get([] { return std::int64_t{7}; }), 7);
}

}  // namespace
}  // namespace authd::metrics
