// The login floor of `make bench`: raw Argon2id verifications per second, with authd's
// parameters (AUTH_ARGON2_MEMORY_KIB, AUTH_ARGON2_ITERATIONS) on as many threads as authd's hash
// pool (AUTH_HASH_THREADS), all read by authd's own configuration loader so that the numbers
// cannot drift from the service's. The hash is made once by authd's own Argon2idHasher.
//
// usage: bench_argon2_floor [SECONDS]       (default 10) prints one JSON line
//        bench_argon2_floor --hash PASSWORD  prints an Argon2id hash of PASSWORD and exits
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "crypto/password_hasher.h"

int main(int argc, char** argv) {
    if (sodium_init() < 0) return 1;
    authd::app::Config config;
    try {
        config = authd::app::load_from_environment();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_argon2_floor: %s\n", e.what());
        return 2;
    }
    authd::crypto::Argon2idHasher hasher(config.hashing.argon2);
    if (argc > 2 && std::string(argv[1]) == "--hash") {
        std::printf("%s\n", hasher.hash(argv[2], {}).c_str());
        return 0;
    }
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const std::string password = "bench-floor-password-42";
    const std::string phc = hasher.hash(password, {});

    std::atomic<bool> stop{false};
    std::atomic<bool> failed{false};
    std::vector<std::uint64_t> counts(config.hashing.threads, 0);
    std::vector<std::thread> threads;
    const std::clock_t cpu_started = std::clock();
    const auto started = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < config.hashing.threads; ++i) {
        threads.emplace_back([&, i] {
            while (!stop.load(std::memory_order_relaxed)) {
                if (crypto_pwhash_str_verify(phc.c_str(), password.data(), password.size()) != 0)
                    failed = true;
                ++counts[i];
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& thread : threads)
        thread.join();
    // Every thread finishes the verification it started: count the time it took too.
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
    std::uint64_t total = 0;
    for (auto count : counts)
        total += count;
    std::printf(
        "{\"threads\": %u, \"memory_kib\": %llu, \"iterations\": %llu, \"verifications\": %llu, "
        "\"seconds\": %.3f, \"per_second\": %.2f, \"cpu_seconds\": %.3f, \"failed\": %s}\n",
        config.hashing.threads, static_cast<unsigned long long>(config.hashing.argon2.memory_kib),
        static_cast<unsigned long long>(config.hashing.argon2.iterations),
        static_cast<unsigned long long>(total), elapsed, total / elapsed, cpu_seconds,
        failed ? "true" : "false");
    return failed ? 1 : 0;
}
