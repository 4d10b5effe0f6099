#include "http/task_group.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility>

namespace authd::http {
namespace asio = boost::asio;

struct TaskGroup::Entry {
    explicit Entry(asio::any_io_executor member_executor) : executor(std::move(member_executor)) {}

    asio::any_io_executor executor;
    asio::cancellation_signal signal;
};

TaskGroup::Member::Member(Member&& other) noexcept
    : group_(std::exchange(other.group_, nullptr)), entry_(other.entry_) {}

TaskGroup::Member::~Member() {
    if (group_) group_->leave(entry_);
}

asio::cancellation_slot TaskGroup::Member::slot() {
    return (*entry_)->signal.slot();
}

TaskGroup::Member TaskGroup::join(asio::any_io_executor executor) {
    auto entry = std::make_shared<Entry>(std::move(executor));
    std::lock_guard lock(mutex_);
    return Member(*this, entries_.insert(entries_.end(), std::move(entry)));
}

void TaskGroup::leave(Entries::iterator entry) {
    // The handler of the member's last operation stays in its slot after the operation: an
    // emit still on its way must find nothing there.
    (*entry)->signal.slot().clear();
    std::lock_guard lock(mutex_);
    entries_.erase(entry);
    if (entries_.empty() && waiter_) {
        asio::post(waiter_->get_executor(), [this] {
            std::lock_guard wake_lock(mutex_);
            if (waiter_) waiter_->cancel();
        });
    }
}

void TaskGroup::cancel(asio::cancellation_type type) {
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_)
        asio::post(entry->executor, [entry, type] { entry->signal.emit(type); });
}

std::size_t TaskGroup::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

asio::awaitable<bool> TaskGroup::wait_until(std::chrono::steady_clock::time_point deadline) {
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    {
        std::lock_guard lock(mutex_);
        if (entries_.empty()) co_return true;
        waiter_ = &timer;
    }
    // However this frame ends, no wake may reach its timer afterwards.
    struct Registration {
        TaskGroup& group;
        ~Registration() {
            std::lock_guard lock(group.mutex_);
            group.waiter_ = nullptr;
        }
    } registration{*this};
    for (;;) {
        // A member leaving between the check below and this wait posts its wake to this
        // executor, so the wake finds the wait started.
        auto [woken] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        std::lock_guard lock(mutex_);
        if (entries_.empty()) co_return true;
        if (!woken) co_return false;  // the deadline (a wake is operation_aborted); else wait on
    }
}

}  // namespace authd::http
