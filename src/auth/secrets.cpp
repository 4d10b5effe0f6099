#include "auth/secrets.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/base64url.h"
#include "util/private_file.h"
#include "util/random.h"

namespace authd::auth {
namespace {

constexpr std::size_t kKeyBytes = 32;

Secrets read_secret_file(const std::string& path, std::ifstream& in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string line = text.str();
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    auto key = crypto::base64url_decode(line);
    if (!key || key->size() < kKeyBytes)
        throw std::runtime_error(path + ": not a secret key (expected " +
                                 std::to_string(kKeyBytes) + " bytes, base64url)");
    return Secrets(*key);
}

}  // namespace

Secrets Secrets::load_or_create(const std::string& path, Random& random) {
    if (std::ifstream in(path); in) return read_secret_file(path, in);
    if (!std::filesystem::exists(path)) {
        std::string key(kKeyBytes, '\0');
        random.fill(reinterpret_cast<unsigned char*>(key.data()), key.size());
        if (publish_private_file(path, crypto::base64url_encode(key) + "\n", random,
                                 "secret key file"))
            return Secrets(key);
        sodium_memzero(key.data(), key.size());
    }
    // Another process has just created it (instances starting together), or it is unreadable.
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    return read_secret_file(path, in);
}

Secrets::Secrets(std::string key) : key_(std::move(key)) {}

std::string Secrets::derive(std::string_view purpose, std::string_view input) const {
    const std::string message = std::string(purpose) + '\0' + std::string(input);
    unsigned char out[16];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(key_.data()),
                       key_.size());
    return crypto::base64url_encode(out, sizeof out);
}

std::string Secrets::key_for(std::string_view purpose) const {
    char context[crypto_kdf_CONTEXTBYTES] = {};
    purpose.copy(context, std::min(purpose.size(), sizeof context));
    std::string key(crypto_kdf_KEYBYTES, '\0');
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(key.data()), key.size(), 1, context,
                               reinterpret_cast<const unsigned char*>(key_.data()));
    return key;
}

std::string hash_identifier(std::string_view identifier) {
    unsigned char out[32];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(identifier.data()),
                       identifier.size(), nullptr, 0);
    return crypto::base64url_encode(out, sizeof out);
}

}  // namespace authd::auth
