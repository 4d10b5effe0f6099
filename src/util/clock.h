#pragma once
// Time is injected so that domain code and its tests never read the system clock directly.
#include <chrono>
#include <cstdint>

namespace authd {

class Clock {
public:
    virtual ~Clock() = default;
    // Seconds since the Unix epoch.
    virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
public:
    std::int64_t now() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// A clock that tests move by hand.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t start = 1'700'000'000) : now_(start) {}
    std::int64_t now() const override { return now_; }
    void advance(std::int64_t seconds) { now_ += seconds; }
    void set(std::int64_t t) { now_ = t; }

private:
    std::int64_t now_;
};

}  // namespace authd
