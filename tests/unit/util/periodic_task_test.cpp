#include "util/periodic_task.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace authd {
namespace {

using namespace std::chrono_literals;

// No test waits for the interval: it is an hour, and every pass but the first is asked for (by
// the pass itself or by wake()). Waits on passes are bounded so that a bug fails, not hangs.
constexpr std::chrono::milliseconds an_hour = 1h;
constexpr auto bounded_wait = 5s;

// Counts the passes and lets a test wait for the n-th.
class Passes {
  public:
    void count() {
        {
            std::lock_guard lock(mutex_);
            ++count_;
        }
        changed_.notify_all();
    }
    bool reach(int n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, bounded_wait, [&] { return count_ >= n; });
    }
    int seen() {
        std::lock_guard lock(mutex_);
        return count_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int count_ = 0;
};

TEST(PeriodicTask, RunsAPassAtStart) {
    Passes passes;
    PeriodicTask task("test", an_hour, [&] {
        passes.count();
        return false;
    });
    task.start();
    EXPECT_TRUE(passes.reach(1));
    task.stop();
    EXPECT_EQ(passes.seen(), 1);
}

TEST(PeriodicTask, RunsAgainAtOnceWhileThePassSaysMoreIsDue) {
    Passes passes;
    PeriodicTask task("test", an_hour, [&] {
        passes.count();
        return passes.seen() < 3;  // a full batch twice, then the rest
    });
    task.start();
    EXPECT_TRUE(passes.reach(3));
    task.stop();
    EXPECT_EQ(passes.seen(), 3);
}

TEST(PeriodicTask, WakeRunsTheNextPassNow) {
    Passes passes;
    PeriodicTask task("test", an_hour, [&] {
        passes.count();
        return false;
    });
    task.start();
    ASSERT_TRUE(passes.reach(1));
    task.wake();
    EXPECT_TRUE(passes.reach(2));
}

TEST(PeriodicTask, AFailedPassLeavesTheLoopRunning) {
    Passes passes;
    PeriodicTask task("test", an_hour, [&]() -> bool {
        passes.count();
        if (passes.seen() == 1) throw std::runtime_error("the database is away");
        return false;
    });
    task.start();
    ASSERT_TRUE(passes.reach(1));
    task.wake();
    EXPECT_TRUE(passes.reach(2));
}

TEST(PeriodicTask, StopCutsThePassUnderWayThroughItsStopToken) {
    Passes passes;
    bool saw_stop = false;
    std::unique_ptr<PeriodicTask> task;
    task = std::make_unique<PeriodicTask>("test", an_hour, [&] {
        passes.count();
        // A long call that watches the token, as a mail delivery does.
        std::mutex mutex;
        std::condition_variable_any never;
        std::unique_lock lock(mutex);
        saw_stop = never.wait_for(lock, task->stop_token(), an_hour, [] { return false; }) ||
                   task->stop_token().stop_requested();
        return false;
    });
    task->start();
    ASSERT_TRUE(passes.reach(1));
    const auto started = std::chrono::steady_clock::now();
    task->stop();  // returns once the pass has ended
    EXPECT_LT(std::chrono::steady_clock::now() - started, bounded_wait);
    EXPECT_TRUE(saw_stop);
    EXPECT_EQ(passes.seen(), 1);
}

}  // namespace
}  // namespace authd
