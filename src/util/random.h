#pragma once
// Randomness is injected: production uses the system CSPRNG (libsodium), tests may fix it.
#include <cstddef>
#include <string>

namespace authd {

class Random {
public:
    virtual ~Random() = default;
    virtual void fill(unsigned char* out, std::size_t size) = 0;

    // `bytes` random bytes, base64url-encoded without padding (a token or an identifier).
    std::string token(std::size_t bytes = 32);
};

class SystemRandom final : public Random {
public:
    void fill(unsigned char* out, std::size_t size) override;
};

}  // namespace authd
