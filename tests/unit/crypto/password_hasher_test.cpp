#include "crypto/password_hasher.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/errors.h"
#include "util/metrics.h"

namespace authd::crypto {
namespace {

using namespace std::string_literals;

// The smallest parameters libsodium accepts, so that the tests stay fast.
constexpr Argon2Params kFastParams{.memory_kib = 8, .iterations = 1};

TEST(Argon2idHasher, HashIsAnArgon2idPhcStringWithTheConfiguredParameters) {
    Argon2idHasher hasher(kFastParams);
    const std::string phc = hasher.hash("correct horse battery staple", {});
    EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << phc;
}

TEST(Argon2idHasher, RoundTripAndWrongPassword) {
    Argon2idHasher hasher(kFastParams);
    const std::string phc = hasher.hash("correct horse battery staple", {});
    EXPECT_TRUE(hasher.verify(phc, "correct horse battery staple", {}));
    EXPECT_FALSE(hasher.verify(phc, "correct horse battery stapl", {}));
    EXPECT_FALSE(hasher.verify(phc, "Correct horse battery staple", {}));
    EXPECT_FALSE(hasher.verify(phc, "", {}));
}

TEST(Argon2idHasher, SaltMakesEveryHashDifferent) {
    Argon2idHasher hasher(kFastParams);
    const std::string first = hasher.hash("same password", {});
    const std::string second = hasher.hash("same password", {});
    EXPECT_NE(first, second);
    EXPECT_TRUE(hasher.verify(first, "same password", {}));
    EXPECT_TRUE(hasher.verify(second, "same password", {}));
}

TEST(Argon2idHasher, EmptyPasswordRoundTrips) {
    Argon2idHasher hasher(kFastParams);
    const std::string phc = hasher.hash("", {});
    EXPECT_TRUE(hasher.verify(phc, "", {}));
    EXPECT_FALSE(hasher.verify(phc, "x", {}));
}

TEST(Argon2idHasher, NulBytesInsideThePasswordMatter) {
    Argon2idHasher hasher(kFastParams);
    const std::string password = "ab\0cd"s;
    const std::string phc = hasher.hash(password, {});
    EXPECT_TRUE(hasher.verify(phc, password, {}));
    EXPECT_FALSE(hasher.verify(phc, "ab", {}));
    EXPECT_FALSE(hasher.verify(phc, "ab\0ce"s, {}));
    EXPECT_FALSE(hasher.verify(phc, "ab\0cd\0"s, {}));
}

TEST(Argon2idHasher, LongPasswordsAreNotTruncated) {
    Argon2idHasher hasher(kFastParams);
    const std::string password(512, 'p');
    std::string last_byte_differs = password;
    last_byte_differs.back() = 'q';
    const std::string phc = hasher.hash(password, {});
    EXPECT_TRUE(hasher.verify(phc, password, {}));
    EXPECT_FALSE(hasher.verify(phc, last_byte_differs, {}));
    EXPECT_FALSE(hasher.verify(phc, password.substr(0, 511), {}));
}

std::string argon2i_hash(const char* password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password, std::char_traits<char>::length(password), 3, 8192,
                              crypto_pwhash_ALG_ARGON2I13) != 0) {
        throw std::runtime_error("argon2i hashing failed");
    }
    return out;
}

TEST(Argon2idHasher, OtherFormatsAreNoMatch) {
    Argon2idHasher hasher(kFastParams);
    const std::string valid = hasher.hash("secret", {});
    for (const std::string& phc : {
             ""s,
             "!"s,
             "pbkdf2_sha256$600000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"s,
             "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"s,
             "$argon2id$"s,
             "$argon2id$garbage"s,
             "$argon2id$v=19$m=8,t=1,p=1$"s,
             valid + "\0trailing"s,
             argon2i_hash("secret"),
         }) {
        EXPECT_FALSE(hasher.verify(phc, "secret", {})) << phc;
        EXPECT_TRUE(hasher.needs_rehash(phc)) << phc;
    }
    // A cut-off hash may still parse (base64 of another length), so only verify is certain.
    EXPECT_FALSE(hasher.verify(valid.substr(0, valid.size() - 5), "secret", {}));
    EXPECT_FALSE(hasher.verify(valid.substr(0, valid.size() - 1), "secret", {}));
}

TEST(Argon2idHasher, Argon2iWithTheSameParametersIsStillNoMatch) {
    Argon2idHasher hasher({.memory_kib = 8, .iterations = 3});
    const std::string argon2i = argon2i_hash("secret");
    ASSERT_TRUE(argon2i.starts_with("$argon2i$v=19$m=8,t=3,p=1$")) << argon2i;
    EXPECT_FALSE(hasher.verify(argon2i, "secret", {}));
    EXPECT_TRUE(hasher.needs_rehash(argon2i));
}

TEST(Argon2idHasher, NeedsRehashComparesParameters) {
    Argon2idHasher fast(kFastParams);
    Argon2idHasher more_memory({.memory_kib = 16, .iterations = 1});
    Argon2idHasher more_iterations({.memory_kib = 8, .iterations = 2});
    const std::string phc = fast.hash("secret", {});
    EXPECT_FALSE(fast.needs_rehash(phc));
    EXPECT_TRUE(more_memory.needs_rehash(phc));
    EXPECT_TRUE(more_iterations.needs_rehash(phc));
    // A hash made with other parameters still verifies: rehashing happens after a login.
    EXPECT_TRUE(more_memory.verify(phc, "secret", {}));
}

TEST(Argon2idHasher, RejectsParametersLibsodiumCannotUse) {
    EXPECT_THROW(Argon2idHasher({.memory_kib = 7, .iterations = 1}), std::invalid_argument);
    EXPECT_THROW(Argon2idHasher({.memory_kib = 8, .iterations = 0}), std::invalid_argument);
    EXPECT_THROW(Argon2idHasher({.memory_kib = UINT64_MAX, .iterations = 1}),
                 std::invalid_argument);
}

TEST(Argon2idHasher, DefaultParametersRoundTrip) {
    Argon2idHasher hasher(Argon2Params{});
    const std::string phc = hasher.hash("correct horse battery staple", {});
    EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << phc;
    EXPECT_TRUE(hasher.verify(phc, "correct horse battery staple", {}));
    EXPECT_FALSE(hasher.needs_rehash(phc));
}

// A hasher whose calls block until the test opens the gate, so that the pool fills up.
class GatedHasher final : public PasswordHasher {
  public:
    std::string hash(std::string_view password, const HashCaller&) override {
        wait_for_gate();
        return "hashed:" + std::string(password);
    }
    bool verify(std::string_view phc, std::string_view password, const HashCaller&) override {
        wait_for_gate();
        return phc == "hashed:" + std::string(password);
    }
    bool needs_rehash(std::string_view) override { return false; }

    void open_gate() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        changed_.notify_all();
    }
    // Waits until `count` calls are inside the hasher (blocked at the gate or past it).
    bool wait_until_entered(unsigned count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= count; });
    }
    unsigned entered() {
        std::lock_guard lock(mutex_);
        return entered_;
    }

  private:
    void wait_for_gate() {
        std::unique_lock lock(mutex_);
        ++entered_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    unsigned entered_ = 0;
    bool open_ = false;
};

class ThrowingHasher final : public PasswordHasher {
  public:
    std::string hash(std::string_view, const HashCaller&) override {
        throw std::runtime_error("out of memory");
    }
    bool verify(std::string_view, std::string_view, const HashCaller&) override {
        throw std::logic_error("verify failed");
    }
    bool needs_rehash(std::string_view) override { return true; }
};

bool wait_for_depth(const PooledHasher& pool, unsigned depth) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pool.queue_depth() != depth) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

TEST(PooledHasher, ResultsEqualTheInnerHashers) {
    auto inner = std::make_shared<Argon2idHasher>(kFastParams);
    PooledHasher pool(inner, 2, 4);
    const std::string phc = pool.hash("secret", {});
    EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
    EXPECT_TRUE(pool.verify(phc, "secret", {}));
    EXPECT_TRUE(inner->verify(phc, "secret", {}));
    EXPECT_FALSE(pool.verify(phc, "Secret", {}));
    EXPECT_FALSE(pool.verify("!", "secret", {}));
    EXPECT_FALSE(pool.needs_rehash(phc));
    EXPECT_TRUE(pool.needs_rehash("pbkdf2_sha256$1$a$b"));
    EXPECT_EQ(pool.completed(), 4u);  // needs_rehash is not counted
    EXPECT_EQ(pool.queue_depth(), 0u);
}

TEST(PooledHasher, ExceptionsReachTheCaller) {
    PooledHasher pool(std::make_shared<ThrowingHasher>(), 1, 1);
    EXPECT_THROW(pool.hash("secret", {}), std::runtime_error);
    EXPECT_THROW(pool.verify("x", "secret", {}), std::logic_error);
    EXPECT_EQ(pool.completed(), 2u);
    EXPECT_EQ(pool.queue_depth(), 0u);
    // The pool still works after a failure.
    EXPECT_THROW(pool.hash("again", {}), std::runtime_error);
}

TEST(PooledHasher, RejectsCallsBeyondThreadsPlusQueueLimit) {
    auto inner = std::make_shared<GatedHasher>();
    PooledHasher pool(inner, 1, 1);

    std::string running_result;
    bool queued_result = false;
    // Logins: with two places, the ordinary calls have one and logins the other.
    std::thread running([&] { running_result = pool.hash("first", {"", HashPurpose::login}); });
    ASSERT_TRUE(inner->wait_until_entered(1));
    std::thread queued([&] {
        queued_result = pool.verify("hashed:second", "second", {"", HashPurpose::login});
    });
    ASSERT_TRUE(wait_for_depth(pool, 2));
    EXPECT_EQ(inner->entered(), 1u);  // the second call waits in the queue

    try {
        pool.hash("third", {});
        ADD_FAILURE() << "the third call was admitted";
    } catch (const authd::Error& e) {
        EXPECT_EQ(e.kind(), authd::ErrorKind::unavailable);
        EXPECT_EQ(e.code(), "server_busy");
        EXPECT_EQ(e.detail(), "The server is busy, try again shortly.");
        EXPECT_EQ(e.retry_after(), 1);
    }
    EXPECT_EQ(pool.queue_depth(), 2u);  // the rejected call left no trace

    inner->open_gate();
    running.join();
    queued.join();
    EXPECT_EQ(running_result, "hashed:first");
    EXPECT_TRUE(queued_result);
    EXPECT_EQ(pool.completed(), 2u);
    EXPECT_EQ(pool.queue_depth(), 0u);

    // Once the pool has drained, calls are admitted again.
    EXPECT_EQ(pool.hash("fourth", {}), "hashed:fourth");
    EXPECT_EQ(pool.completed(), 3u);
}

TEST(PooledHasher, ManyConcurrentCallersAllFinish) {
    auto inner = std::make_shared<Argon2idHasher>(kFastParams);
    constexpr unsigned kCallers = 16;
    // Room for all of them in the share of ordinary calls (three quarters).
    PooledHasher pool(inner, 3, 2 * kCallers);
    std::atomic<unsigned> verified{0};
    std::vector<std::thread> callers;
    for (unsigned i = 0; i < kCallers; ++i) {
        callers.emplace_back([&, i] {
            const std::string password = "password " + std::to_string(i);
            if (pool.verify(pool.hash(password, {}), password, {})) verified.fetch_add(1);
        });
    }
    for (auto& caller : callers)
        caller.join();
    EXPECT_EQ(verified.load(), kCallers);
    EXPECT_EQ(pool.completed(), 2u * kCallers);
    EXPECT_EQ(pool.queue_depth(), 0u);
}

// Holds `count` calls in the pool, each from `address` with `purpose`, until the gate opens.
std::vector<std::thread> hold_calls(PooledHasher& pool, unsigned count, const std::string& address,
                                    HashPurpose purpose, unsigned already_entered) {
    std::vector<std::thread> held;
    for (unsigned i = 0; i < count; ++i) {
        held.emplace_back([&pool, address, purpose] {
            (void)pool.hash("held", {address, purpose});
        });
    }
    EXPECT_TRUE(wait_for_depth(pool, already_entered + count));
    return held;
}

// Whether one more call from `address` is refused at once. An admitted call would wait for the
// gate: the gate is then opened, so that a wrong admission fails the test instead of hanging it.
bool refused_at_once(PooledHasher& pool, GatedHasher& inner, const std::string& address,
                     HashPurpose purpose) {
    auto result = std::async(std::launch::async, [&pool, address, purpose] {
        try {
            (void)pool.hash("one more", {address, purpose});
            return false;
        } catch (const authd::Error&) {
            return true;
        }
    });
    if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) inner.open_gate();
    return result.get();
}

TEST(PooledHasher, KeepsAQuarterForLoginsWhateverFloodsTheRest) {
    auto inner = std::make_shared<GatedHasher>();
    PooledHasher pool(inner, 1, 7);  // 8 places: 2 kept for logins
    EXPECT_EQ(pool.reserved_for_logins(), 2u);
    // A registration flood from many addresses takes the six ordinary places...
    std::vector<std::thread> held;
    for (unsigned i = 0; i < 6; ++i) {
        auto more =
            hold_calls(pool, 1, "198.51.100." + std::to_string(i), HashPurpose::ordinary, i);
        for (auto& t : more)
            held.push_back(std::move(t));
    }
    EXPECT_TRUE(refused_at_once(pool, *inner, "198.51.100.99", HashPurpose::ordinary));
    // ... and a login of an existing account still gets in.
    auto login = hold_calls(pool, 1, "203.0.113.1", HashPurpose::login, 6);
    inner->open_gate();
    for (auto& t : held)
        t.join();
    for (auto& t : login)
        t.join();
    EXPECT_EQ(pool.queue_depth(), 0u);
}

TEST(PooledHasher, OneAddressCannotTakeTheWholePool) {
    auto inner = std::make_shared<GatedHasher>();
    PooledHasher pool(inner, 1, 7);
    // Logins from one address (an attacker who knows usernames) take at most six places...
    auto held = hold_calls(pool, 6, "198.51.100.7", HashPurpose::login, 0);
    EXPECT_TRUE(refused_at_once(pool, *inner, "198.51.100.7", HashPurpose::login));
    // ... and another address's login gets in.
    auto other = hold_calls(pool, 1, "203.0.113.1", HashPurpose::login, 6);
    inner->open_gate();
    for (auto& t : held)
        t.join();
    for (auto& t : other)
        t.join();
    EXPECT_EQ(pool.queue_depth(), 0u);
}

TEST(Argon2idHasher, CountsTheComputationsItRuns) {
    Argon2idHasher hasher(kFastParams);
    EXPECT_EQ(hasher.computations(), 0u);
    const std::string phc = hasher.hash("secret", {});
    EXPECT_TRUE(hasher.verify(phc, "secret", {}));
    EXPECT_FALSE(hasher.verify(phc, "wrong", {}));
    EXPECT_EQ(hasher.computations(), 3u);
    // Refused without computing anything; parsing is not a computation either.
    EXPECT_FALSE(hasher.verify("pbkdf2_sha256$1$a$b", "secret", {}));
    EXPECT_FALSE(hasher.needs_rehash(phc));
    EXPECT_EQ(hasher.computations(), 3u);
    metrics::Writer out;
    hasher.collect(out);
    EXPECT_NE(out.text().find("# TYPE authd_password_hashes_total counter\n"
                              "authd_password_hashes_total 3\n"),
              std::string::npos)
        << out.text();
}

TEST(PooledHasher, ComputationsAreCountedBeforeTheCallerHasItsAnswer) {
    auto inner = std::make_shared<Argon2idHasher>(kFastParams);
    PooledHasher pool(inner, 2, 8);
    const std::string phc = pool.hash("secret", {});
    EXPECT_EQ(inner->computations(), 1u);
    pool.verify(phc, "wrong", {});
    EXPECT_EQ(inner->computations(), 2u);
}

TEST(PooledHasher, WritesItsDepthAndHowLongCallsWaited) {
    auto inner = std::make_shared<GatedHasher>();
    PooledHasher pool(inner, 1, 4);
    std::thread first([&] { pool.hash("first", {}); });
    ASSERT_TRUE(inner->wait_until_entered(1));
    std::thread second([&] { pool.hash("second", {}); });
    ASSERT_TRUE(wait_for_depth(pool, 2));
    metrics::Writer busy;
    pool.collect(busy);
    EXPECT_NE(busy.text().find("\nauthd_hash_pool_queue_depth 2\n"), std::string::npos)
        << busy.text();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the second call waits
    inner->open_gate();
    first.join();
    second.join();

    metrics::Writer out;
    pool.collect(out);
    const std::string& text = out.text();
    EXPECT_NE(text.find("# TYPE authd_hash_pool_queue_depth gauge\n"
                        "authd_hash_pool_queue_depth 0\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE authd_hash_pool_wait_seconds histogram\n"), std::string::npos);
    EXPECT_NE(text.find("authd_hash_pool_wait_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("authd_hash_pool_wait_seconds_count 2\n"), std::string::npos);
    // The second call waited at least as long as the gate stayed shut after it came.
    EXPECT_NE(text.find("authd_hash_pool_wait_seconds_bucket{le=\"0.025\"} 1\n"),
              std::string::npos);
}

TEST(PooledHasher, RejectsUnusableConfiguration) {
    EXPECT_THROW(PooledHasher(nullptr, 1, 1), std::invalid_argument);
    EXPECT_THROW(PooledHasher(std::make_shared<ThrowingHasher>(), 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace authd::crypto
