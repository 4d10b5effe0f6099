#pragma once
// The installation's secret key (kept outside the database) and the hashes built on it.
#include <string>
#include <string_view>

namespace authd {
class Random;
}

namespace authd::auth {

class Secrets {
  public:
    // Reads the 32-byte key (base64url, one line) from `path`, creating it (mode 0600) when
    // missing. Several instances sharing a database must share this file.
    static Secrets load_or_create(const std::string& path, Random& random);
    explicit Secrets(std::string key);

    // A 128-bit value derived from `input` for `purpose`, base64url: the rotated refresh
    // token's identifier comes from the one it replaces, so the grace window can return the
    // same pair again without the database ever holding a usable identifier.
    std::string derive(std::string_view purpose, std::string_view input) const;

    // A 32-byte key for `purpose` (at most 8 characters, e.g. "totp"), derived from the
    // installation's key: what encrypts TOTP secrets stays outside the database.
    std::string key_for(std::string_view purpose) const;

  private:
    std::string key_;
};

// How identifiers and one-time secrets are stored: a 256-bit BLAKE2b hash, base64url.
std::string hash_identifier(std::string_view identifier);

}  // namespace authd::auth
