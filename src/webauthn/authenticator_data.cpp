#include "webauthn/authenticator_data.h"

#include <algorithm>
#include <string>

namespace authd::webauthn {
namespace {

// §6.1's flags.
constexpr std::uint8_t kUserPresent = 0x01;
constexpr std::uint8_t kUserVerified = 0x04;
constexpr std::uint8_t kBackupEligible = 0x08;
constexpr std::uint8_t kBackedUp = 0x10;
constexpr std::uint8_t kAttestedCredential = 0x40;
constexpr std::uint8_t kExtensions = 0x80;

constexpr std::size_t kFixedBytes = 37;  // rpIdHash, flags, signCount
constexpr std::size_t kAaguidBytes = 16;
constexpr std::size_t kMaxCredentialIdBytes = 1023;  // §5.8.3 (credential id)

// Reads the input front to back; each take() refuses what is not there.
class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}

    std::span<const std::uint8_t> take(std::size_t count, const char* what) {
        if (rest_.size() < count)
            throw Refusal(std::string("the authenticator data ends inside its ") + what);
        const auto taken = rest_.first(count);
        rest_ = rest_.subspan(count);
        return taken;
    }
    std::uint32_t big_endian(std::size_t count, const char* what) {
        std::uint32_t value = 0;
        for (const std::uint8_t byte : take(count, what))
            value = value << 8 | byte;
        return value;
    }
    std::span<const std::uint8_t> rest() const { return rest_; }
    void skip(std::size_t count) { rest_ = rest_.subspan(count); }

  private:
    std::span<const std::uint8_t> rest_;
};

}  // namespace

AuthenticatorData AuthenticatorData::read(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kFixedBytes)
        throw Refusal("the authenticator data is shorter than 37 bytes");
    Reader reader(bytes);
    AuthenticatorData data;
    const auto hash = reader.take(data.rp_id_hash.size(), "RP id hash");
    std::copy(hash.begin(), hash.end(), data.rp_id_hash.begin());
    const std::uint8_t flags = reader.take(1, "flags")[0];
    data.user_present = (flags & kUserPresent) != 0;
    data.user_verified = (flags & kUserVerified) != 0;
    data.backup_eligible = (flags & kBackupEligible) != 0;
    data.backed_up = (flags & kBackedUp) != 0;
    data.has_extensions = (flags & kExtensions) != 0;
    if (data.backed_up && !data.backup_eligible)
        throw Refusal("the authenticator data says backed up (BS) but not backup eligible (BE)");
    data.sign_count = reader.big_endian(4, "signature counter");

    if ((flags & kAttestedCredential) != 0) {
        const auto aaguid = reader.take(kAaguidBytes, "AAGUID");
        const std::size_t id_length = reader.big_endian(2, "credential id length");
        if (id_length > kMaxCredentialIdBytes)
            throw Refusal("the authenticator data's credential id is longer than 1023 bytes");
        const auto id = reader.take(id_length, "credential id");
        const CborDocument key = decode_cbor_prefix(reader.rest());
        const auto key_bytes = reader.take(key.consumed(), "public key");
        AttestedCredential credential{{},
                                      {id.begin(), id.end()},
                                      CosePublicKey::read(key.root()),
                                      {key_bytes.begin(), key_bytes.end()}};
        std::copy(aaguid.begin(), aaguid.end(), credential.aaguid.begin());
        data.credential = std::move(credential);
    }
    if (data.has_extensions) {
        if (reader.rest().empty())
            throw Refusal("the authenticator data says it has extensions (ED) but has none");
        if (!decode_cbor(reader.rest()).root().is_map())
            throw Refusal("the authenticator data's extensions are not a CBOR map");
        reader.skip(reader.rest().size());
    }
    if (!reader.rest().empty())
        throw Refusal("the authenticator data has " + std::to_string(reader.rest().size()) +
                      " bytes after its end");
    return data;
}

}  // namespace authd::webauthn
