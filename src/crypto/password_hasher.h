#pragma once
// Password hashing: Argon2id PHC strings through libsodium, and a bounded pool that keeps the
// expensive work off the threads that serve cheap requests. Verification also accepts the
// hashes an import from Django brings (crypto/django_hashes.h); needs_rehash() is true for
// them, so the next login stores authd's own Argon2id instead.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace authd::metrics {
class Writer;
}

namespace authd::crypto {

// What a hash is for, for the pool's fair shares (PooledHasher): the password check of a login
// of an existing account, or anything else (registration, an unknown name's dummy check,
// re-authentication, a new password).
enum class HashPurpose { ordinary, login };

// Who asks for a hash, for the pool's fair shares: the client's address (empty for background
// work: start-up, imports) and what the hash is for.
struct HashCaller {
    std::string_view address;
    HashPurpose purpose = HashPurpose::ordinary;
};

struct Argon2Params {
    std::uint64_t memory_kib = 19 * 1024;  // 19 MiB (OWASP's minimum for Argon2id)
    std::uint64_t iterations = 2;
    // Parallelism is 1: libsodium's crypto_pwhash implements p=1 only.
};

class PasswordHasher {
  public:
    virtual ~PasswordHasher() = default;
    virtual std::string hash(std::string_view password, const HashCaller& caller) = 0;
    // False for a wrong password and for anything that is not a hash this build can check.
    virtual bool verify(std::string_view phc, std::string_view password,
                        const HashCaller& caller) = 0;
    // True when `phc` was made with other (weaker or different) parameters than configured, or
    // is of another format.
    virtual bool needs_rehash(std::string_view phc) = 0;
    // Whether verify() would compute anything for `phc` rather than refuse it at once (a
    // disabled "!" password, an unknown or malformed format, a Django hash beyond the bounds).
    // Cheap: parsing only. Hashers that try every string they are given need not say.
    virtual bool can_verify(std::string_view /*phc*/) { return true; }
};

class Argon2idHasher final : public PasswordHasher {
  public:
    explicit Argon2idHasher(Argon2Params params);
    // `caller` plays no part here: it is the pool's.
    std::string hash(std::string_view password, const HashCaller& caller) override;
    bool verify(std::string_view phc, std::string_view password, const HashCaller& caller) override;
    bool needs_rehash(std::string_view phc) override;
    // Its own "$argon2id$" strings, and the Django formats crypto::django checks.
    bool can_verify(std::string_view phc) override;

    // Password hash computations run (Argon2id hashes and checks, checks of Django hashes),
    // counted before each returns; a check refused without computing is not one.
    std::uint64_t computations() const { return computations_.load(); }
    // authd_password_hashes_total.
    void collect(metrics::Writer& out) const;

  private:
    Argon2Params params_;
    std::atomic<std::uint64_t> computations_{0};
};

// Runs another hasher on `threads` dedicated threads. At most `threads + queue_limit` calls are
// admitted at once; one more throws authd::Error(unavailable) (503 with Retry-After) at once
// rather than waiting. The calling thread blocks until its own call is done.
//
// Shares, so that a flood on one route or from one address cannot take the whole pool: a
// quarter of it (at least one place, when there are two) is kept for logins of existing
// accounts (HashCaller::purpose), and the calls of one client address (HashCaller::address, by
// util/address_scope.h) may hold everything but that quarter.
class PooledHasher final : public PasswordHasher {
  public:
    PooledHasher(std::shared_ptr<PasswordHasher> inner, unsigned threads, unsigned queue_limit);
    ~PooledHasher() override;
    std::string hash(std::string_view password, const HashCaller& caller) override;
    bool verify(std::string_view phc, std::string_view password, const HashCaller& caller) override;
    bool needs_rehash(std::string_view phc) override;
    bool can_verify(std::string_view phc) override;

    unsigned queue_depth() const;  // calls admitted and not finished
    unsigned reserved_for_logins() const;
    std::uint64_t completed() const;  // hash + verify calls finished (a debug counter for tests)
    // authd_hash_pool_queue_depth (queue_depth()) and authd_hash_pool_wait_seconds (from a
    // call's admission to a thread starting it).
    void collect(metrics::Writer& out) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace authd::crypto
