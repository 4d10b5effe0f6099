#pragma once
// One-line structured logs on stderr. Every line carries the request id of the request the
// current thread is serving ("-" outside requests). Never pass a token or a password here.
#include <string>
#include <string_view>

namespace authd::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) { write(Level::debug, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void warn(std::string_view m) { write(Level::warn, m); }
inline void error(std::string_view m) { write(Level::error, m); }

// Sets the request id for log lines written by this thread while the scope lives.
class RequestScope {
public:
    explicit RequestScope(std::string_view request_id);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;

private:
    std::string previous_;
};

std::string_view current_request_id();

}  // namespace authd::log
