#pragma once
// Password hashing's AUTH_* settings (docs/CONFIGURATION.md): Argon2id's cost and the pool
// that runs it (PooledHasher).
#include "config/config.h"
#include "crypto/password_hasher.h"

namespace authd::crypto {

struct HashingSettings {
    Argon2Params argon2;
    unsigned threads = 1;  // default: the cores, at most half of request_threads
    unsigned queue = 0;    // default: half of request_threads minus threads (at least 0)

    // Handed over by the wiring from AUTH_WORKER_THREADS, before these are read.
    unsigned request_threads = 16;
};

const config::Settings<HashingSettings>& hashing_settings();

}  // namespace authd::crypto
