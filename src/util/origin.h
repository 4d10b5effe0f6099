#pragma once
// Where the request the current thread serves comes from: set by the HTTP layer for the
// duration of a handler, read by the audit log, so that every security event carries the
// client's address and user agent without each domain call passing them along.
#include <cstddef>
#include <string>
#include <string_view>

namespace authd {

// A request's User-Agent as authd keeps it (sessions, tickets, the audit log): valid UTF-8,
// ill-formed bytes replaced by U+FFFD, at most this many bytes, cut between characters.
inline constexpr std::size_t kMaxUserAgentBytes = 256;
std::string clean_user_agent(std::string_view header);

struct Origin {
    std::string ip;
    std::string user_agent;
};

// The origin of the current request (empty outside requests).
const Origin& current_origin();

class OriginScope {
  public:
    explicit OriginScope(Origin origin);
    ~OriginScope();
    OriginScope(const OriginScope&) = delete;
    OriginScope& operator=(const OriginScope&) = delete;

  private:
    Origin previous_;
};

}  // namespace authd
