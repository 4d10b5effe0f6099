#pragma once
// Authenticated encryption of small secrets kept in the database (TOTP secrets), with a key
// kept outside it: XChaCha20-Poly1305 (libsodium AEAD), a random nonce per message, and
// "associated data" binding each ciphertext to its owner, so a row copied to another user
// does not decrypt.
#include <optional>
#include <string>
#include <string_view>

namespace authd {
class Random;
}

namespace authd::otp {

class SealedBox {
  public:
    // `key` is 32 bytes; throws std::invalid_argument otherwise.
    explicit SealedBox(std::string key);

    // base64url(nonce || ciphertext || tag).
    std::string seal(std::string_view plaintext, std::string_view associated_data,
                     Random& random) const;
    // nullopt when the text was altered, sealed with another key or for other associated data.
    std::optional<std::string> open(std::string_view sealed,
                                    std::string_view associated_data) const;

  private:
    std::string key_;
};

}  // namespace authd::otp
