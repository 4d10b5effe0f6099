#pragma once
// Tasks that stop together, as the sessions of Boost.Beast's advanced_server_flex_awaitable:
// each member has a cancellation slot that it binds to the operations a stop may cut, cancel()
// emits on every member's slot, and wait_until() completes when the last member has left, with
// no polling. The cancellation type says how much is cut (Asio's meaning): `total` only what
// loses nothing by it (a connection's wait for its next request), `terminal` anything.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>

namespace authd::http {

class TaskGroup {
    struct Entry;
    using Entries = std::list<std::shared_ptr<Entry>>;

  public:
    // A task's place in the group, from join() until it is destroyed, which must happen on the
    // executor given to join() (the slot is not thread-safe).
    class Member {
      public:
        Member(Member&& other) noexcept;
        Member& operator=(Member&&) = delete;
        Member(const Member&) = delete;
        Member& operator=(const Member&) = delete;
        ~Member();

        // Bound to an operation (asio::bind_cancellation_slot), lets cancel() reach it.
        boost::asio::cancellation_slot slot();

      private:
        friend class TaskGroup;
        Member(TaskGroup& group, Entries::iterator entry) : group_(&group), entry_(entry) {}

        TaskGroup* group_;
        Entries::iterator entry_;
    };

    TaskGroup() = default;
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    // `executor`: where the member's operations run; cancel() emits there. Thread-safe.
    Member join(boost::asio::any_io_executor executor);
    // Emits `type` on every member's slot, each on its member's executor. Thread-safe.
    void cancel(boost::asio::cancellation_type type);
    std::size_t size() const;
    // Completes with true once no member is left, with false at `deadline`. One waiter at a
    // time; the group must outlive it.
    boost::asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);

  private:
    void leave(Entries::iterator entry);

    mutable std::mutex mutex_;
    Entries entries_;
    // The timer of the wait under way, woken on its executor by the last member to leave.
    boost::asio::steady_timer* waiter_ = nullptr;
};

}  // namespace authd::http
