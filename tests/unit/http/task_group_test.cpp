#include "http/task_group.h"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace authd::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

// No test waits for a clock: every deadline is either past or an hour away, and io_context
// runs at most a few seconds so that a bug fails rather than hangs.
constexpr auto far_away = 1h;
constexpr auto bounded_run = 5s;

class TaskGroupTest : public ::testing::Test {
  protected:
    // Runs wait_until(deadline) on the io_context; its result once the context is out of work.
    // `meanwhile` is posted as the wait begins, so it runs while the wait is under way.
    std::optional<bool> wait(Clock::time_point deadline, std::function<void()> meanwhile = {}) {
        std::optional<bool> result;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                if (meanwhile) asio::post(io, meanwhile);
                result = co_await group.wait_until(deadline);
            },
            [](std::exception_ptr failure) {
                if (failure) std::rethrow_exception(failure);
            });
        io.run_for(bounded_run);
        return result;
    }

    asio::io_context io;
    TaskGroup group;
};

TEST_F(TaskGroupTest, WaitEndsAtOnceWhenNoMemberIsLeft) {
    EXPECT_EQ(wait(Clock::now() + far_away), true);
}

TEST_F(TaskGroupTest, WaitEndsWhenTheLastMemberLeaves) {
    std::vector<TaskGroup::Member> members;
    members.push_back(group.join(io.get_executor()));
    members.push_back(group.join(io.get_executor()));
    EXPECT_EQ(group.size(), 2u);
    const auto started = Clock::now();
    EXPECT_EQ(wait(Clock::now() + far_away,
                   [&] {
                       members.pop_back();
                       asio::post(io, [&] { members.pop_back(); });
                   }),
              true);
    EXPECT_LT(Clock::now() - started, bounded_run);
    EXPECT_EQ(group.size(), 0u);
}

TEST_F(TaskGroupTest, WaitEndsAtTheDeadlineWhileAMemberRemains) {
    const auto member = group.join(io.get_executor());
    EXPECT_EQ(wait(Clock::now()), false);
    EXPECT_EQ(group.size(), 1u);
}

TEST_F(TaskGroupTest, CancelReachesTheOperationBoundToEachMembersSlot) {
    std::vector<TaskGroup::Member> members;
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    std::vector<error_code> outcomes(2);
    for (std::size_t i = 0; i < 2; ++i) {
        auto strand = asio::make_strand(io);
        members.push_back(group.join(strand));
        timers.push_back(std::make_unique<asio::steady_timer>(strand, far_away));
        timers[i]->async_wait(asio::bind_cancellation_slot(
            members[i].slot(), [&outcomes, i](error_code ec) { outcomes[i] = ec; }));
    }
    group.cancel(asio::cancellation_type::total);
    io.run_for(bounded_run);
    EXPECT_EQ(outcomes[0], asio::error::operation_aborted);
    EXPECT_EQ(outcomes[1], asio::error::operation_aborted);
}

TEST_F(TaskGroupTest, CancelReachesNothingOnceAMemberHasLeft) {
    std::optional<TaskGroup::Member> member = group.join(io.get_executor());
    asio::steady_timer timer(io, Clock::now());  // expires at once: its handler stays in the slot
    bool completed = false;
    timer.async_wait(asio::bind_cancellation_slot(member->slot(), [&](error_code) {
        completed = true;
        member.reset();
    }));
    io.run_for(bounded_run);
    ASSERT_TRUE(completed);
    group.cancel(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(bounded_run);  // an emit reaching the finished timer's handler would crash here
    EXPECT_EQ(group.size(), 0u);
}

TEST_F(TaskGroupTest, CancelAfterTheOperationEndedLeavesTheMemberAlone) {
    auto member = group.join(io.get_executor());
    asio::steady_timer timer(io, Clock::now());
    timer.async_wait(asio::bind_cancellation_slot(member.slot(), [](error_code) {}));
    io.run_for(bounded_run);
    group.cancel(asio::cancellation_type::total);
    io.restart();
    io.run_for(bounded_run);
    // The member stays until it leaves; a later wait still finds it.
    EXPECT_EQ(group.size(), 1u);
    timer.expires_after(far_away);
    error_code outcome;
    timer.async_wait(
        asio::bind_cancellation_slot(member.slot(), [&](error_code ec) { outcome = ec; }));
    group.cancel(asio::cancellation_type::total);
    io.restart();
    io.run_for(bounded_run);
    EXPECT_EQ(outcome, asio::error::operation_aborted);
}

}  // namespace
}  // namespace authd::http
