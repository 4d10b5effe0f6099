#pragma once
// Times as people and other programs read them.
#include <cstdint>
#include <ctime>
#include <string>

namespace authd::util {

// ISO 8601 in UTC to the second: "2026-12-07T02:00:00Z".
inline std::string iso8601(std::int64_t unix_seconds) {
    const auto time = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&time, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

}  // namespace authd::util
