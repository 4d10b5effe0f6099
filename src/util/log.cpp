#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace authd::log {
namespace {

std::atomic<Level> g_level{Level::info};
thread_local std::string t_request_id = "-";
std::mutex g_write_mutex;

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "DEBUG";
        case Level::info: return "INFO";
        case Level::warn: return "WARN";
        case Level::error: return "ERROR";
    }
    return "INFO";
}

}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") out = Level::debug;
    else if (text == "info") out = Level::info;
    else if (text == "warn") out = Level::warn;
    else if (text == "error") out = Level::error;
    else return false;
    return true;
}

void write(Level lvl, std::string_view message) {
    if (lvl < g_level.load(std::memory_order_relaxed)) return;
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::lock_guard lock(g_write_mutex);
    std::fprintf(stderr, "%s.%03dZ %s rid=%s %.*s\n", stamp, static_cast<int>(millis),
                 level_name(lvl), t_request_id.c_str(), static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
}

RequestScope::RequestScope(std::string_view request_id) : previous_(std::move(t_request_id)) {
    t_request_id = request_id;
}

RequestScope::~RequestScope() { t_request_id = std::move(previous_); }

std::string_view current_request_id() { return t_request_id; }

}  // namespace authd::log
