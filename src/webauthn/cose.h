#pragma once
// A credential's public key as WebAuthn carries it: a COSE_Key (RFC 9052 §7, RFC 9053) in the
// attested credential data. authd accepts the three algorithms it asks authenticators for:
// EdDSA with Ed25519 (-8), ES256 on P-256 (-7) and RS256 with at least 2048 bits (-257).
#include <cstdint>
#include <memory>
#include <span>

#include "webauthn/cbor.h"

struct evp_pkey_st;

namespace authd::webauthn {

enum class CoseAlgorithm : std::int64_t { eddsa = -8, es256 = -7, rs256 = -257 };

// A key of an algorithm authd does not accept, or not a valid one.
class CoseKeyError : public Refusal {
  public:
    using Refusal::Refusal;
};

class CosePublicKey {
  public:
    // The key `key` describes; throws CoseKeyError for a key of another algorithm or curve, a
    // parameter missing or of the wrong size, or a point that is not on its curve.
    static CosePublicKey read(CborView key);

    CoseAlgorithm algorithm() const { return algorithm_; }

    // Whether `signature` is this key's over `message`, as WebAuthn signs: ES256 signatures in
    // ASN.1 DER, RS256 in PKCS #1 v1.5, EdDSA as RFC 8032 has it.
    bool verify(std::span<const std::uint8_t> message,
                std::span<const std::uint8_t> signature) const;

  private:
    CosePublicKey(CoseAlgorithm algorithm, std::shared_ptr<evp_pkey_st> key)
        : algorithm_(algorithm), key_(std::move(key)) {}

    CoseAlgorithm algorithm_;
    std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace authd::webauthn
