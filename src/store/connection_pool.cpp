#include "store/connection_pool.h"

#include <utility>

namespace authd::store {

ConnectionPool::ConnectionPool(std::size_t pool_size, std::chrono::milliseconds acquire_timeout)
    : pool_size_(pool_size == 0 ? 1 : pool_size), acquire_timeout_(acquire_timeout) {
    idle_.reserve(pool_size_);  // release() runs in Lease destructors: it must not allocate
}

ConnectionPool::~ConnectionPool() = default;

Database::Lease ConnectionPool::acquire() {
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
    std::unique_lock lock(mutex_);
    const bool got_one = available_.wait_until(
        lock, deadline, [&] { return !idle_.empty() || open_count_ < pool_size_; });
    if (!got_one) throw Unavailable("database pool exhausted");
    if (!idle_.empty()) {
        // Most recently used first: its statement cache and pages are warm.
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(connection));
    }
    ++open_count_;
    lock.unlock();  // connecting may take seconds; others may use idle connections meanwhile
    try {
        std::unique_ptr<Connection> connection = connect();
        return Lease(this, std::move(connection));
    } catch (...) {
        lock.lock();
        --open_count_;
        lock.unlock();
        available_.notify_one();
        throw;
    }
}

Database::PoolStats ConnectionPool::pool_stats() const {
    std::lock_guard guard(mutex_);
    return {open_count_ - idle_.size(), idle_.size()};
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) {
    // Every connection in this pool came from connect(), so it is a PooledConnection.
    std::unique_ptr<PooledConnection> pooled(static_cast<PooledConnection*>(connection.release()));
    const bool reusable = pooled->usable() && !pooled->in_transaction();
    if (!reusable) pooled.reset();  // closed outside the lock: closing may do I/O
    {
        std::lock_guard guard(mutex_);
        if (reusable) {
            idle_.push_back(std::move(pooled));
        } else {
            --open_count_;
        }
    }
    available_.notify_one();
}

void ConnectionPool::add_idle(std::unique_ptr<PooledConnection> connection) {
    {
        std::lock_guard guard(mutex_);
        idle_.push_back(std::move(connection));
        ++open_count_;
    }
    available_.notify_one();
}

}  // namespace authd::store
