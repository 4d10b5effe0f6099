#include "util/periodic_task.h"

#include "util/errors.h"
#include "util/log.h"

namespace authd {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds interval, Pass pass)
    : name_(std::move(name)), interval_(interval), pass_(std::move(pass)) {}

PeriodicTask::~PeriodicTask() {
    stop();
}

void PeriodicTask::start() {
    thread_ = std::thread([this] { run(); });
}

void PeriodicTask::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_source_.request_stop();
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PeriodicTask::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void PeriodicTask::run() {
    log::info(name_ + " started");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        woken_ = false;
        lock.unlock();
        bool more = false;
        try {
            more = pass_();
        } catch (const Error& e) {
            log::warn(name_ + ": " + e.detail());  // the database is down: the next pass retries
        } catch (const std::exception& e) {
            log::error(name_ + ": " + e.what());
        }
        lock.lock();
        if (!more) wake_.wait_for(lock, interval_, [this] { return stopping_ || woken_; });
    }
    log::info(name_ + " stopped");
}

}  // namespace authd
