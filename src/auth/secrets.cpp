#include "auth/secrets.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/base64url.h"
#include "util/random.h"

namespace authd::auth {
namespace {

constexpr std::size_t kKeyBytes = 32;

void write_private_file(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
    const std::string temporary = path + ".tmp";
    const mode_t previous = ::umask(077);
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << content;
        if (!out) {
            ::umask(previous);
            throw std::runtime_error("cannot write " + temporary);
        }
    }
    ::umask(previous);
    std::filesystem::permissions(
        temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::filesystem::rename(temporary, target);
}

}  // namespace

Secrets Secrets::load_or_create(const std::string& path, Random& random) {
    std::ifstream in(path);
    if (in) {
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
    if (std::filesystem::exists(path)) throw std::runtime_error("cannot read " + path);
    std::string key(kKeyBytes, '\0');
    random.fill(reinterpret_cast<unsigned char*>(key.data()), key.size());
    write_private_file(path, crypto::base64url_encode(key) + "\n");
    return Secrets(key);
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
