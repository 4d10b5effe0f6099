#pragma once
// The audit log (the security_events table).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct SecurityEvent {
    std::string id;
    std::int64_t at = 0;
    std::string kind;  // "login_succeeded", "login_failed", "logout", ...
    std::optional<std::string> user_id;
    std::string username;
    std::optional<std::string> session_id;
    std::string ip;
    std::string user_agent;
    std::string detail;  // a reason or a name, never a secret
    int repeats = 1;     // how many times it happened (repeated failures share one event)
};

class Audit : public Repository {
  public:
    using Repository::Repository;

    void insert(const SecurityEvent& event);
    // The user's events, newest first, at most `limit`.
    std::vector<SecurityEvent> of_user(const std::string& user_id, int limit);
    std::vector<SecurityEvent> of_session(const std::string& session_id, int limit);
    // The newest event of `kind` from `ip` since `since`, if any.
    std::optional<SecurityEvent> latest(std::string_view kind, const std::string& ip,
                                        std::int64_t since);
    // Counts the event once more, at `at`, with a new detail (repeated failures of one address
    // are one event).
    void repeat(const std::string& id, std::int64_t at, const std::string& detail);
    void prune(std::int64_t before);
};

}  // namespace authd::store
