#pragma once
// JSON Web Tokens (RFC 7519) signed with one configured key (RFC 7515 compact form).
#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace authd {
class Random;
}

namespace authd::crypto {

enum class JwtAlgorithm { EdDSA, RS256, RS512, ES256, HS256 };

std::optional<JwtAlgorithm> parse_jwt_algorithm(std::string_view name);  // exact JOSE name
std::string_view to_string(JwtAlgorithm algorithm);

// Why a token was refused (for logs and tests; clients get one generic answer).
class JwtError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One signing key. Asymmetric keys sign with the private half and publish the public half.
class SigningKey {
public:
    virtual ~SigningKey() = default;
    virtual JwtAlgorithm algorithm() const = 0;
    // RFC 7638 thumbprint of the public JWK, base64url (HS256: of the secret's hash).
    virtual const std::string& kid() const = 0;
    virtual std::string sign(std::string_view signing_input) const = 0;
    // Constant-time where the algorithm allows; false for any malformed signature.
    virtual bool verify(std::string_view signing_input, std::string_view signature) const = 0;
    // The public key as a JWK with "kty", "alg", "use": "sig", "kid"; nullopt for HS256.
    virtual std::optional<boost::json::object> public_jwk() const = 0;
    // The private key as PKCS#8 PEM (HS256: the secret, base64url, one line), for the key file.
    virtual std::string private_pem() const = 0;
};

// Reads a key of `algorithm` from PEM text (HS256: the secret's bytes, at least 32).
// Throws std::invalid_argument when the text is not a key of that kind (e.g. an RSA key for
// ES256, or RSA under 2048 bits).
std::unique_ptr<SigningKey> load_signing_key(JwtAlgorithm algorithm, std::string_view pem);
// A fresh key: Ed25519, RSA 3072, P-256, or 32 random bytes for HS256.
std::unique_ptr<SigningKey> generate_signing_key(JwtAlgorithm algorithm, Random& random);

// Loads the key from `path`; when `path` does not exist and `create` is true, generates one and
// writes it there (mode 0600) so the next start reuses it. Throws std::runtime_error with a
// clear message otherwise.
std::unique_ptr<SigningKey> load_or_create_signing_key(JwtAlgorithm algorithm,
                                                       const std::string& path, bool create,
                                                       Random& random);

// A token whose signature checked: its header's "typ" ("" when absent) and its claims.
struct VerifiedJwt {
    std::string type;
    boost::json::object claims;
};

class JwtCodec {
public:
    explicit JwtCodec(std::shared_ptr<const SigningKey> key);

    // Header {"alg", "typ", "kid"} + the claims, signed. `type` tells verifiers that check
    // "typ" which kind of token it is (RFC 9068's "at+jwt" for access tokens).
    std::string encode(const boost::json::object& claims, std::string_view type = "JWT") const;

    // Checks the form, that the header's "alg" is exactly the key's algorithm (so "none" and
    // algorithm confusion fail), that "kid" (when present) is the key's, that no "jku", "jwk",
    // "x5u", "x5c" or "crit" header is present, that "typ" (when present) is a string, and the
    // signature. Time claims and the type are the caller's to check. Throws JwtError.
    VerifiedJwt verify(std::string_view token) const;
    // verify()'s claims (a JSON object).
    boost::json::object decode(std::string_view token) const;

    // {"keys": [public JWK]} ({"keys": []} for HS256).
    boost::json::object jwks() const;

    const SigningKey& key() const { return *key_; }

private:
    std::shared_ptr<const SigningKey> key_;
};

}  // namespace authd::crypto
