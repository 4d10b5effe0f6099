#include "crypto/password_settings.h"

#include <algorithm>
#include <string>

namespace authd::crypto {
namespace {

// Every hash in the pool or its queue holds a request thread while it waits, so hashing may
// hold at most half of them: the other half keep serving token checks through a login flood.
unsigned hashing_share(const HashingSettings& settings) {
    return std::max(1u, settings.request_threads / 2);
}

}  // namespace

const config::Settings<HashingSettings>& hashing_settings() {
    using config::computed, config::integer, config::literal;
    static const config::Settings<HashingSettings> settings{
        {
            // libsodium's Argon2id needs at least 8 KiB; beyond 4 GiB is surely a typo.
            {"AUTH_ARGON2_MEMORY_KIB", literal("19456"), "Argon2id memory (KiB)",
             integer(config::member(&HashingSettings::argon2, &Argon2Params::memory_kib), 8,
                     4LL * 1024 * 1024)},
            {"AUTH_ARGON2_ITERATIONS", literal("2"), "Argon2id passes (parallelism is 1)",
             integer(config::member(&HashingSettings::argon2, &Argon2Params::iterations), 1, 100)},
            {"AUTH_HASH_THREADS", computed("cores, at most half of `AUTH_WORKER_THREADS`"),
             "password-hashing threads (run at nice 10, below the request threads)",
             integer(&HashingSettings::threads, 1, 256),
             [](HashingSettings& s) { s.threads = std::min(config::cores(), hashing_share(s)); }},
            {"AUTH_HASH_QUEUE", computed("half of `AUTH_WORKER_THREADS` minus `AUTH_HASH_THREADS`"),
             "hashes waiting at most; beyond, 503 with `Retry-After`. Each waiting hash holds a "
             "request thread, so `AUTH_HASH_THREADS` + `AUTH_HASH_QUEUE` must stay below "
             "`AUTH_WORKER_THREADS` (authd refuses to start otherwise)",
             integer(&HashingSettings::queue, 0, 100'000),
             [](HashingSettings& s) {
                 const unsigned share = hashing_share(s);
                 s.queue = share > s.threads ? share - s.threads : 0;
             }},
        },
        // The defaults keep within the share; sizes given by hand must leave a request thread.
        [](HashingSettings& s, const config::Environment& environment) {
            const bool sized_by_hand =
                environment.given("AUTH_HASH_THREADS") || environment.given("AUTH_HASH_QUEUE");
            if (sized_by_hand && s.threads + s.queue >= s.request_threads)
                config::fail("AUTH_HASH_QUEUE",
                             "AUTH_HASH_THREADS + AUTH_HASH_QUEUE must stay below "
                             "AUTH_WORKER_THREADS (" +
                                 std::to_string(s.request_threads) +
                                 "), or a login flood would hold every request thread");
        }};
    return settings;
}

}  // namespace authd::crypto
