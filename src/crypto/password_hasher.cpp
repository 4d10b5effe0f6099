#include "crypto/password_hasher.h"

#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/django_hashes.h"
#include "util/address_scope.h"
#include "util/errors.h"
#include "util/metrics.h"

namespace authd::crypto {

namespace {

constexpr std::string_view kArgon2idPrefix = crypto_pwhash_argon2id_STRPREFIX;
constexpr int kHashThreadNice = 10;

// An empty string_view may carry a null pointer; hand libsodium a real (empty) buffer instead.
const char* password_bytes(std::string_view password) {
    static const char kEmpty[1] = {0};
    return password.empty() ? kEmpty : password.data();
}

// libsodium reads the stored hash as a C string, so it must be NUL-terminated and must not hide
// an embedded NUL (which would make it check a shorter string than the one stored).
bool is_argon2id_phc(std::string_view phc) {
    return phc.starts_with(kArgon2idPrefix) && phc.find('\0') == std::string_view::npos;
}

}  // namespace

Argon2idHasher::Argon2idHasher(Argon2Params params) : params_(params) {
    // Idempotent and thread-safe; 1 means "already initialised".
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    if (params_.iterations < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        params_.iterations > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
        throw std::invalid_argument("Argon2id iterations out of range");
    }
    // Compare in KiB first so that the multiplication by 1024 cannot overflow.
    if (params_.memory_kib > crypto_pwhash_argon2id_MEMLIMIT_MAX / 1024 ||
        params_.memory_kib * 1024 < crypto_pwhash_argon2id_MEMLIMIT_MIN) {
        throw std::invalid_argument("Argon2id memory out of range");
    }
}

std::string Argon2idHasher::hash(std::string_view password, const HashCaller& /*caller*/) {
    char out[crypto_pwhash_STRBYTES];
    // The length is passed explicitly, so NUL bytes inside the password count and nothing is cut.
    const int failed = crypto_pwhash_str_alg(
        out, password_bytes(password), password.size(), params_.iterations,
        static_cast<std::size_t>(params_.memory_kib * 1024), crypto_pwhash_ALG_ARGON2ID13);
    computations_.fetch_add(1);
    if (failed != 0) throw std::runtime_error("Argon2id hashing failed (out of memory)");
    return std::string(out);
}

bool Argon2idHasher::verify(std::string_view phc, std::string_view password,
                            const HashCaller& /*caller*/) {
    if (!is_argon2id_phc(phc)) {
        // Django's formats, as an import copied them; a disabled "!", libsodium's argon2i or
        // anything else is simply no match.
        const django::Outcome outcome = django::check(phc, password);
        if (outcome == django::Outcome::not_checked) return false;
        computations_.fetch_add(1);
        return outcome == django::Outcome::match;
    }
    const std::string terminated(phc);
    const bool match = crypto_pwhash_argon2id_str_verify(
                           terminated.c_str(), password_bytes(password), password.size()) == 0;
    computations_.fetch_add(1);
    return match;
}

void Argon2idHasher::collect(metrics::Writer& out) const {
    out.family("authd_password_hashes_total", "counter",
               "Password hash computations performed (Argon2id hashes and checks, and checks of "
               "imported Django hashes).");
    out.sample("authd_password_hashes_total", {}, computations());
}

bool Argon2idHasher::can_verify(std::string_view phc) {
    return is_argon2id_phc(phc) || django::is_checkable(phc);
}

bool Argon2idHasher::needs_rehash(std::string_view phc) {
    if (!is_argon2id_phc(phc)) return true;
    const std::string terminated(phc);
    // 0: same parameters; 1: different ones; -1: not a string libsodium can parse.
    return crypto_pwhash_argon2id_str_needs_rehash(
               terminated.c_str(), params_.iterations,
               static_cast<std::size_t>(params_.memory_kib * 1024)) != 0;
}

struct PooledHasher::Impl {
    std::shared_ptr<PasswordHasher> inner;
    unsigned admission_limit = 0;

    std::atomic<unsigned> in_flight{0};
    std::atomic<std::uint64_t> completed{0};
    metrics::Histogram wait_seconds{metrics::latency_buckets()};

    std::mutex mutex;
    std::condition_variable work_available;
    std::deque<std::packaged_task<void()>> queue;  // guarded by `mutex`
    bool stopping = false;                         // guarded by `mutex`
    std::vector<std::thread> workers;

    void work() {
        // Below the request threads: a hash takes tens of milliseconds, and a token check that
        // arrives meanwhile should get a core first (Linux applies nice per thread).
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kHashThreadNice);
        for (;;) {
            std::packaged_task<void()> task;
            {
                std::unique_lock lock(mutex);
                work_available.wait(lock, [&] { return stopping || !queue.empty(); });
                // Stopping still drains the queue: every admitted caller is waiting for an answer.
                if (queue.empty()) return;
                task = std::move(queue.front());
                queue.pop_front();
            }
            task();  // exceptions are stored in the caller's future, not thrown here
        }
    }

    // Calls admitted and not finished, by kind and by client address; guarded by `shares`.
    std::mutex shares;
    unsigned ordinary_in_flight = 0;
    std::map<std::string, unsigned> by_address;
    unsigned reserved = 0;  // places only logins of existing accounts may take

    // Releases an admission slot when the caller leaves, whether with a result or an exception.
    struct Admission {
        Impl& impl;
        bool ordinary;
        std::string address;
        ~Admission() {
            impl.completed.fetch_add(1);
            std::lock_guard lock(impl.shares);
            impl.in_flight.fetch_sub(1);
            if (ordinary) --impl.ordinary_in_flight;
            if (!address.empty() && --impl.by_address[address] == 0) impl.by_address.erase(address);
        }
    };

    // Fail fast instead of queueing without bound: the client gets 503 and retries.
    Admission admit(const HashCaller& caller) {
        const bool ordinary = caller.purpose == HashPurpose::ordinary;
        std::string address = address_scope(caller.address);
        std::lock_guard lock(shares);
        const unsigned share = admission_limit - reserved;
        const bool full = in_flight.load() >= admission_limit ||
                          (ordinary && ordinary_in_flight >= share) ||
                          (!address.empty() && by_address[address] >= share);
        if (full) {
            if (!address.empty() && by_address[address] == 0) by_address.erase(address);
            throw authd::Error(ErrorKind::unavailable, "server_busy", i18n::keys::server_busy, 1);
        }
        in_flight.fetch_add(1);
        if (ordinary) ++ordinary_in_flight;
        if (!address.empty()) ++by_address[address];
        return Admission{*this, ordinary, std::move(address)};
    }

    template <typename Work>
    auto run(const HashCaller& caller, Work work) -> decltype(work()) {
        using Result = decltype(work());
        Admission admission = admit(caller);

        std::packaged_task<Result()> task(std::move(work));
        std::future<Result> result = task.get_future();
        {
            std::lock_guard lock(mutex);
            queue.emplace_back([this, task = std::move(task),
                                admitted = std::chrono::steady_clock::now()]() mutable {
                const std::chrono::duration<double> waited =
                    std::chrono::steady_clock::now() - admitted;
                wait_seconds.observe(waited.count());
                task();
            });
        }
        work_available.notify_one();
        return result.get();
    }
};

PooledHasher::PooledHasher(std::shared_ptr<PasswordHasher> inner, unsigned threads,
                           unsigned queue_limit)
    : impl_(std::make_unique<Impl>()) {
    if (!inner) throw std::invalid_argument("PooledHasher needs an inner hasher");
    if (threads == 0) throw std::invalid_argument("PooledHasher needs at least one thread");
    impl_->inner = std::move(inner);
    impl_->admission_limit = threads + queue_limit;
    // A quarter for logins, at least one place once there are two, and never all of them.
    impl_->reserved = impl_->admission_limit < 2 ? 0 : std::max(1u, impl_->admission_limit / 4);
    impl_->workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        impl_->workers.emplace_back([impl = impl_.get()] { impl->work(); });
    }
}

PooledHasher::~PooledHasher() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->work_available.notify_all();
    for (auto& worker : impl_->workers)
        worker.join();
}

// The views stay valid inside the tasks because each caller blocks until its task has run.
std::string PooledHasher::hash(std::string_view password, const HashCaller& caller) {
    return impl_->run(caller,
                      [this, password, &caller] { return impl_->inner->hash(password, caller); });
}

bool PooledHasher::verify(std::string_view phc, std::string_view password,
                          const HashCaller& caller) {
    return impl_->run(caller, [this, phc, password, &caller] {
        return impl_->inner->verify(phc, password, caller);
    });
}

// Parsing a PHC string is cheap, so it is not worth a trip through the pool.
bool PooledHasher::needs_rehash(std::string_view phc) {
    return impl_->inner->needs_rehash(phc);
}

bool PooledHasher::can_verify(std::string_view phc) {
    return impl_->inner->can_verify(phc);
}

unsigned PooledHasher::queue_depth() const {
    return impl_->in_flight.load();
}

unsigned PooledHasher::reserved_for_logins() const {
    return impl_->reserved;
}

std::uint64_t PooledHasher::completed() const {
    return impl_->completed.load();
}

void PooledHasher::collect(metrics::Writer& out) const {
    out.family("authd_hash_pool_queue_depth", "gauge",
               "Password hashes admitted to the pool and not finished (running or waiting).");
    out.sample("authd_hash_pool_queue_depth", {}, std::uint64_t{queue_depth()});
    out.family("authd_hash_pool_wait_seconds", "histogram",
               "Time a password hash waited in the pool's queue before a thread started it.");
    out.histogram("authd_hash_pool_wait_seconds", {}, impl_->wait_seconds);
}

}  // namespace authd::crypto
