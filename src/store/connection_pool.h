#pragma once
// The pool shared by the SQLite and PostgreSQL databases: at most `pool_size` connections, made
// on demand, handed out one caller at a time, dropped when broken.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "store/sql.h"

namespace authd::store {

// What the pool needs to know about a connection besides the public interface.
class PooledConnection : public Connection {
  public:
    // A transaction left open by a caller (a bug or an exception between begin and commit):
    // the connection is dropped rather than handed to the next caller mid-transaction.
    virtual bool in_transaction() const = 0;
};

// Every Lease must be gone before the pool is destroyed.
class ConnectionPool : public Database {
  public:
    ConnectionPool(std::size_t pool_size, std::chrono::milliseconds acquire_timeout);
    ~ConnectionPool() override;

    Lease acquire() override;
    PoolStats pool_stats() const override;

  protected:
    // Opens a new connection; throws Unavailable when the database cannot be reached.
    virtual std::unique_ptr<PooledConnection> connect() = 0;
    void release(std::unique_ptr<Connection> connection) override;
    // Puts a connection opened up front (by a derived constructor) into the pool.
    void add_idle(std::unique_ptr<PooledConnection> connection);

  private:
    const std::size_t pool_size_;
    const std::chrono::milliseconds acquire_timeout_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<PooledConnection>> idle_;
    std::size_t open_count_ = 0;  // idle + leased + being opened
};

}  // namespace authd::store
