#pragma once
// Attempts counted for per-window limits (the rate_events table), in buckets.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.h"

namespace authd::store {

class Limits : public Repository {
  public:
    using Repository::Repository;

    std::int64_t count(const std::string& bucket, std::int64_t since);
    // The oldest counted attempt since `since` (when the window frees up).
    std::optional<std::int64_t> oldest(const std::string& bucket, std::int64_t since);
    // The newest counted attempt since `since`.
    std::optional<std::int64_t> newest(const std::string& bucket, std::int64_t since);
    void insert(const std::string& bucket, std::int64_t at);
    // Forgets one attempt counted at `at` (an attempt counted ahead that turned out not to be a
    // failure), if there is one.
    void delete_one(const std::string& bucket, std::int64_t at);
    // Forgets every attempt of the bucket (a success clears a backoff).
    void delete_all(const std::string& bucket);
    // Makes concurrent write transactions that count in these buckets run one after the other
    // until they end, so a count and the insert that follows it are not interleaved with
    // another's (on SQLite every write transaction already is).
    void lock_buckets(std::vector<std::string> buckets);
    void prune(std::int64_t before);
};

}  // namespace authd::store
