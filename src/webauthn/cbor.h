#pragma once
// Strict CBOR (RFC 8949) for WebAuthn's attestation objects and COSE keys, decoded by libcbor.
// Stricter than libcbor alone: a size and a nesting limit, declared lengths within the input,
// definite lengths only, no tags, map keys that are integers or text strings and never repeat
// (however they are encoded), and, unless asked for a prefix, no byte after the item. WebAuthn's
// authenticators write CTAP2's canonical CBOR, so nothing they send is refused.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>

struct cbor_item_t;

namespace authd::webauthn {

struct CborLimits {
    std::size_t max_bytes = 16 * 1024;  // an attestation object is a few hundred bytes
    std::size_t max_depth = 8;          // an attestation object nests 3 deep, a COSE key 1
};

// What is wrong with what a client sent, in a sentence for the API's answer: the one type of
// error webauthn/ throws for a credential it refuses.
class Refusal : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// CBOR that is malformed or not strict enough.
class CborError : public Refusal {
  public:
    using Refusal::Refusal;
};

// A view of one decoded item, valid while its CborDocument lives. The accessors answer nullopt
// (or an empty view) for an item of another type, so callers check shapes without throwing.
class CborView {
  public:
    explicit CborView(const cbor_item_t* item = nullptr) : item_(item) {}

    explicit operator bool() const { return item_ != nullptr; }
    bool is_map() const;
    bool is_array() const;

    // An integer (major type 0 or 1) that fits in 64 signed bits.
    std::optional<std::int64_t> integer() const;
    std::optional<std::span<const std::uint8_t>> bytes() const;
    std::optional<std::string_view> text() const;
    std::optional<bool> boolean() const;

    // Members of a map (empty when this is no map, or has no such key).
    CborView member(std::int64_t key) const;
    CborView member(std::string_view key) const;
    // Elements of an array, or the count of a map's pairs.
    std::size_t size() const;
    CborView element(std::size_t index) const;

    const cbor_item_t* raw() const { return item_; }

  private:
    const cbor_item_t* item_;
};

// One decoded item, owning libcbor's tree.
class CborDocument {
  public:
    CborView root() const { return CborView(item_.get()); }
    // How many input bytes the item took.
    std::size_t consumed() const { return consumed_; }

  private:
    struct Release {
        void operator()(cbor_item_t* item) const;
    };
    CborDocument(cbor_item_t* item, std::size_t consumed) : item_(item), consumed_(consumed) {}
    friend CborDocument decode_cbor_prefix(std::span<const std::uint8_t>, const CborLimits&);

    std::unique_ptr<cbor_item_t, Release> item_;
    std::size_t consumed_;
};

// The one item at the start of `input`; what follows it is left to the caller (authenticator
// data carries a COSE key followed by extensions). Throws CborError.
CborDocument decode_cbor_prefix(std::span<const std::uint8_t> input, const CborLimits& limits = {});

// An item that is the whole of `input`. Throws CborError.
CborDocument decode_cbor(std::span<const std::uint8_t> input, const CborLimits& limits = {});

}  // namespace authd::webauthn
