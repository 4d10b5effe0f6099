#include "otp/sealed_box.h"

#include <sodium.h>

#include <stdexcept>
#include <utility>

#include "crypto/base64url.h"
#include "util/random.h"

namespace authd::otp {
namespace {

constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t tag_size = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

SealedBox::SealedBox(std::string key) : key_(std::move(key)) {
    if (key_.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        throw std::invalid_argument("the sealing key must be 32 bytes");
    }
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
}

std::string SealedBox::seal(std::string_view plaintext, std::string_view associated_data,
                            Random& random) const {
    std::string out(nonce_size + plaintext.size() + tag_size, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    random.fill(nonce, nonce_size);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + nonce_size, &written, bytes(plaintext),
                                               plaintext.size(), bytes(associated_data),
                                               associated_data.size(), nullptr, nonce, bytes(key_));
    out.resize(nonce_size + static_cast<std::size_t>(written));
    return crypto::base64url_encode(out);
}

std::optional<std::string> SealedBox::open(std::string_view sealed,
                                           std::string_view associated_data) const {
    const auto raw = crypto::base64url_decode(sealed);
    if (!raw || raw->size() < nonce_size + tag_size) return std::nullopt;
    const auto* nonce = bytes(*raw);
    const std::size_t ciphertext_size = raw->size() - nonce_size;
    std::string plaintext(ciphertext_size - tag_size, '\0');
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plaintext.data()), &written, nullptr,
            nonce + nonce_size, ciphertext_size, bytes(associated_data), associated_data.size(),
            nonce, bytes(key_)) != 0) {
        return std::nullopt;
    }
    plaintext.resize(static_cast<std::size_t>(written));
    return plaintext;
}

}  // namespace authd::otp
