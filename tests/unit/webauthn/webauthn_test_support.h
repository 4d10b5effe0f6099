#pragma once
// Shared by the webauthn/ unit tests: bytes from hex, and COSE keys written with libcbor.
#include <cbor.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace authd::webauthn::testing {

using Bytes = std::vector<std::uint8_t>;
using Parameter = std::variant<std::int64_t, Bytes>;

inline Bytes hex(std::string_view text) {
    Bytes bytes;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        bytes.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    return bytes;
}

inline cbor_item_t* cbor_integer(std::int64_t value) {
    return value >= 0 ? cbor_build_uint64(static_cast<std::uint64_t>(value))
                      : cbor_build_negint64(static_cast<std::uint64_t>(-1 - value));
}

// `item` written by libcbor; the item is released.
inline Bytes serialize(cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t size = 0;
    const std::size_t written = cbor_serialize_alloc(item, &buffer, &size);
    Bytes encoded(buffer, buffer + written);
    std::free(buffer);
    cbor_decref(&item);
    return encoded;
}

// A COSE_Key written with libcbor: each label with an integer or a byte string.
inline Bytes cose_key(const std::vector<std::pair<std::int64_t, Parameter>>& parameters) {
    cbor_item_t* map = cbor_new_definite_map(parameters.size());
    for (const auto& [label, value] : parameters) {
        cbor_item_t* item = std::holds_alternative<std::int64_t>(value)
                                ? cbor_integer(std::get<std::int64_t>(value))
                                : cbor_build_bytestring(std::get<Bytes>(value).data(),
                                                        std::get<Bytes>(value).size());
        cbor_map_add(map, {cbor_move(cbor_integer(label)), cbor_move(item)});
    }
    return serialize(map);
}

// RFC 8032 §7.1 test 2's Ed25519 public key, as a COSE_Key.
inline Bytes rfc8032_ed25519_key() {
    return cose_key(
        {{1, 1},
         {3, -8},
         {-1, 6},
         {-2, hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")}});
}

inline Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Authenticator data: `rp_id_hash` (32 bytes), flags, signCount, then `rest`.
inline Bytes authenticator_data(std::uint8_t flags, std::uint32_t count, const Bytes& rest = {},
                                const Bytes& rp_id_hash = Bytes(32, 0xAA)) {
    Bytes data = rp_id_hash;
    data.push_back(flags);
    for (int shift = 24; shift >= 0; shift -= 8)
        data.push_back(static_cast<std::uint8_t>(count >> shift));
    return data + rest;
}

// Attested credential data: AAGUID (16 × 0x11), the id's length, the id, the key.
inline Bytes attested(const Bytes& id, const Bytes& key = rfc8032_ed25519_key()) {
    Bytes data(16, 0x11);
    data.push_back(static_cast<std::uint8_t>(id.size() >> 8));
    data.push_back(static_cast<std::uint8_t>(id.size()));
    return data + id + key;
}

}  // namespace authd::webauthn::testing
