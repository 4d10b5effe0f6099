#pragma once
// A background loop on its own thread: runs a pass at start, then every interval, at once when
// the pass says more is due or when woken; stop() asks the pass in progress to stop (through its
// stop token) and waits for it. The outbox sender, maintenance, the account changes' recovery
// pass and the event sender each run one.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace authd {

// Exponential backoff: `base` seconds before the second attempt, doubling, at most `max`.
inline std::int64_t exponential_backoff(int attempts, std::int64_t base, std::int64_t max) {
    std::int64_t delay = base;
    for (int i = 1; i < attempts && delay < max; ++i)
        delay *= 2;
    return delay < max ? delay : max;
}

class PeriodicTask {
  public:
    // Returns true when more work is due at once (a full batch).
    using Pass = std::function<bool()>;

    // `name` prefixes the log lines of a failed pass.
    PeriodicTask(std::string name, std::chrono::milliseconds interval, Pass pass);
    ~PeriodicTask();
    PeriodicTask(const PeriodicTask&) = delete;
    PeriodicTask& operator=(const PeriodicTask&) = delete;

    void start();
    void stop();
    // Runs the next pass now rather than at the end of the interval.
    void wake();
    // Requested by stop(): long calls in a pass watch it to end early.
    std::stop_token stop_token() const { return stop_source_.get_token(); }

  private:
    void run();

    std::string name_;
    std::chrono::milliseconds interval_;
    Pass pass_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool woken_ = false;
    std::stop_source stop_source_;
    std::thread thread_;
};

}  // namespace authd
