// Published test vectors, run through the ceremonies and the COSE key reader:
// - the W3C WebAuthn Level 3 specification's "Test Vectors" section (§16 of the Level 3 drafts
//   that carry it; each block names its subsection and anchor), for the RP id example.org used
//   from https://example.org;
// - the COSE examples of RFC 8152 Appendix C, republished unchanged as RFC 9052 Appendix C.
// The byte values are the documents'; only the tampering is ours.
#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webauthn/ceremony.h"
#include "webauthn_test_support.h"

namespace authd::webauthn {
namespace {

using testing::Bytes;
using testing::hex;
using testing::operator+;

// ---------------------------------------------------------------------------------------------
// W3C WebAuthn Level 3, "Test Vectors"
// ---------------------------------------------------------------------------------------------

// Every vector's RP id and origin.
RelyingParty example_org(bool require_user_verification = false) {
    return {"example.org", {"https://example.org"}, require_user_verification};
}

// SHA-256("example.org"), the rpIdHash that opens every vector's authenticator data.
constexpr std::string_view kExampleOrgHash =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5";

// The challenge as the RP issued it: the vector's challenge bytes in base64url, no padding.
std::string base64url(const Bytes& bytes) {
    constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
    text.resize(std::strlen(text.c_str()));
    return text;
}

Bytes sha256(const Bytes& data) {
    Bytes digest(crypto_hash_sha256_BYTES);
    crypto_hash_sha256(digest.data(), data.data(), data.size());
    return digest;
}

Bytes bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

struct Registration {
    std::string challenge;  // base64url
    Bytes client_data_json;
    Bytes attestation_object;
};

struct Assertion {
    std::string challenge;  // base64url
    Bytes authenticator_data;
    Bytes client_data_json;
    Bytes signature;
};

AuthenticatorData register_with(const RelyingParty& rp, const Registration& vector) {
    return verify_registration(rp, vector.challenge, vector.client_data_json,
                               vector.attestation_object);
}

AuthenticatorData assert_with(const RelyingParty& rp, const Assertion& vector,
                              const CosePublicKey& key) {
    return verify_assertion(rp, vector.challenge, vector.client_data_json,
                            vector.authenticator_data, vector.signature, key);
}

// The attestation object's authenticator data, read without the ceremony's checks: how the
// credential of a vector whose attestation authd refuses is reached.
AuthenticatorData authenticator_data_of(const Bytes& attestation_object) {
    const CborDocument document = decode_cbor(attestation_object);
    const auto data = document.root().member("authData").bytes();
    if (!data) throw std::logic_error("the attestation object has no authData");
    return AuthenticatorData::read(*data);
}

// Where `part` starts in `whole`.
std::size_t offset_of(const Bytes& whole, const Bytes& part) {
    const auto found = std::search(whole.begin(), whole.end(), part.begin(), part.end());
    if (found == whole.end()) throw std::logic_error("the part is not in the whole");
    return static_cast<std::size_t>(found - whole.begin());
}

// `bytes` with one bit of byte `index` flipped.
Bytes flipped(Bytes bytes, std::size_t index) {
    bytes.at(index) ^= 0x01;
    return bytes;
}

// The vector's attestation object with one bit of its rpIdHash flipped.
Bytes with_flipped_rp_id_hash(const Bytes& attestation_object) {
    return flipped(attestation_object, offset_of(attestation_object, hex(kExampleOrgHash)));
}

// The vector's attestation object with one bit of the last byte of its attStmt's sig flipped.
Bytes with_flipped_attestation_signature(const Bytes& attestation_object) {
    const CborDocument document = decode_cbor(attestation_object);
    const auto sig = document.root().member("attStmt").member("sig").bytes();
    if (!sig) throw std::logic_error("the attestation statement has no sig");
    const Bytes signature(sig->begin(), sig->end());
    return flipped(attestation_object,
                   offset_of(attestation_object, signature) + signature.size() - 1);
}

// clientDataJSON whose challenge has one character changed (to another base64url character,
// so that it is still JSON and still base64url), and that changed challenge.
struct OtherChallenge {
    Bytes client_data_json;
    std::string challenge;
};
OtherChallenge with_other_challenge(const Bytes& client_data_json) {
    std::string text(client_data_json.begin(), client_data_json.end());
    const std::string key = R"("challenge":")";
    const std::size_t start = text.find(key) + key.size();
    text[start] = text[start] == 'A' ? 'B' : 'A';
    return {Bytes(text.begin(), text.end()), text.substr(start, text.find('"', start) - start)};
}

// Success when `call` throws a Refusal whose sentence mentions `reason`.
template <typename Call>
::testing::AssertionResult refused_for(Call call, std::string_view reason) {
    try {
        call();
    } catch (const Refusal& refusal) {
        const std::string what = refusal.what();
        if (what.find(reason) != std::string::npos) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure()
               << "refused for \"" << what << "\", not for \"" << reason << "\"";
    }
    return ::testing::AssertionFailure() << "accepted";
}

// What every assertion vector must also withstand: a flipped bit in its signature, in its
// rpIdHash, in its signature counter (which only the signature protects), and a changed
// clientDataJSON challenge, whether the RP issued the vector's challenge (refused by the
// comparison) or the changed one (refused by the signature, which covers clientDataJSON).
void expect_tampering_refused(const Assertion& vector, const CosePublicKey& key) {
    const RelyingParty rp = example_org();
    Assertion tampered = vector;
    tampered.signature = flipped(vector.signature, vector.signature.size() - 1);
    EXPECT_TRUE(refused_for([&] { assert_with(rp, tampered, key); }, "signature"));

    tampered = vector;
    tampered.authenticator_data = flipped(vector.authenticator_data, 0);
    EXPECT_TRUE(refused_for([&] { assert_with(rp, tampered, key); }, "RP id"));

    tampered = vector;
    tampered.authenticator_data = flipped(vector.authenticator_data, 36);
    EXPECT_TRUE(refused_for([&] { assert_with(rp, tampered, key); }, "signature"));

    const OtherChallenge other = with_other_challenge(vector.client_data_json);
    tampered = vector;
    tampered.client_data_json = other.client_data_json;
    EXPECT_TRUE(refused_for([&] { assert_with(rp, tampered, key); }, "challenge"));
    tampered.challenge = other.challenge;
    EXPECT_TRUE(refused_for([&] { assert_with(rp, tampered, key); }, "signature"));
}

// §16.2 "ES256 Credential with No Attestation" (#sctn-test-vectors-none-es256), registration.
constexpr std::string_view kNoneEs256Aaguid = "8446ccb9ab1db374750b2367ff6f3a1f";
constexpr std::string_view kNoneEs256CredentialId =
    "f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4";
Registration none_es256_registration() {
    return {
        base64url(hex("00c30fb78531c464d2b6771dab8d7b603c01162f2fa486bea70f283ae556e130")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a22414d4d50"
            "7434557878475453746e63647134313759447742466938767049612d7077386f4f755657345441222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
            "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
            "2c207375636820617320746869733a20426b5165446a646354427258426941774a544c453551227d"),
        hex("a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc37432958b063360d3ad64"
            "61c9c4735ae7f8edd46592a5e0f01452b2e4b559000000008446ccb9ab1db374750b2367ff6f3a1f0020f9"
            "1f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4a5010203262001215820afef"
            "a16f97ca9b2d23eb86ccb64098d20db90856062eb249c33a9b672f26df61225820930a56b87a2fca66334b"
            "03458abf879717c12cc68ed73290af2e2664796b9220"),
    };
}

// §16.2, authentication.
Assertion none_es256_assertion() {
    return {
        base64url(hex("39c0e7521417ba54d43e8dc95174f423dee9bf3cd804ff6d65c857c9abf4d408")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a224f63446e556851"
            "58756c5455506f334a5558543049393770767a7a59425039745a63685879617630314167222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73657d"),
        hex("3046022100f50a4e2e4409249c4a853ba361282f09841df4dd4547a13a87780218deffcd380221008480ac"
            "0f0b93538174f575bf11a1dd5d78c6e486013f937295ea13653e331e87"),
    };
}

// §16.3 "ES256 Credential with Self Attestation" (#sctn-test-vectors-packed-self-es256),
// registration: packed, {alg: -7, sig} signed by the credential's own key.
constexpr std::string_view kPackedSelfEs256Aaguid = "df850e09db6afbdfab51697791506cfc";
constexpr std::string_view kPackedSelfEs256CredentialId =
    "455ef34e2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58c";
Registration packed_self_es256_registration() {
    return {
        base64url(hex("7869c2b772d4b58eba9378cf8f29e26cf935aa77df0da89fa99c0bdc0a76f7e5")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2265476e43"
            "74334c55745936366b336a506a796e6962506b31716e666644616966715a774c33417032392d55222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
            "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
            "2c207375636820617320746869733a205539685458764b453255526b4d6e625f307859485667227d"),
        hex("a363666d74667061636b65646761747453746d74a263616c672663736967584630440220067a20754ab925"
            "005dbf378097c92120031581c73228d1fb4f5b881bcd7da98302207fc7b147558c7c0eba3af18bd9d121fa"
            "3d3a26d17fe3f220272178f473b6006d68617574684461746158a4bfabc37432958b063360d3ad6461c9c4"
            "735ae7f8edd46592a5e0f01452b2e4b55d00000000df850e09db6afbdfab51697791506cfc0020455ef34e"
            "2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58ca5010203262001215820eb151c8176"
            "b225cc651559fecf07af450fd85802046656b34c18f6cf193843c5225820927b8aa427a2be1b8834d233a2"
            "d34f61f13bfd44119c325d5896e183fee484f2"),
    };
}

// §16.3, authentication.
Assertion packed_self_es256_assertion() {
    return {
        base64url(hex("4478a10b1352348dd160c1353b0d469b5db19eb91c27f7dfa6fed39fe26af20b")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50900000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a225248696843784e"
            "534e493352594d45314f7731476d3132786e726b634a5f6666707637546e2d4a71386773222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e"
            "6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c2073"
            "75636820617320746869733a206754623533727a36456853576f6d58477a696d433151227d"),
        hex("304402203310b9431903c401f1be2bdc8d23a4007682dbbddcf846994947b7f465daf84002204e94dd0004"
            "7b316061b3b99772b7efd95994a83ef584b3b6b825ea3550251b66"),
    };
}

// §16.4 "ES256 Credential with "crossOrigin": true in clientDataJSON"
// (#sctn-test-vectors-none-es256-crossOrigin), registration.
Registration cross_origin_registration() {
    return {
        base64url(hex("3be5aacd03537142472340ab5969f240f1d87716e20b6807ac230655fa4b3b49")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a224f2d5771"
            "7a514e5463554a484930437257576e7951504859647862694332674872434d475666704c4f306b222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "747275652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874"
            "656e6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c"
            "207375636820617320746869733a207a5a7175457444523944577170573574425754467567227d"),
        hex("a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc37432958b063360d3ad64"
            "61c9c4735ae7f8edd46592a5e0f01452b2e4b54500000000883f4f6014f19c09d87aa38123be48d000206e"
            "1050c0d2ca2f07c755cb2c66a74c64fa43065c18f938354d9915db2bd5ce57a50102032620012158202220"
            "0a473f90b11078851550d03b4e44a2279f8c4eca27b3153dedfe03e4e97d225820cbd0be95e746ad6f5a81"
            "91be11756e4c0420e72f65b466d39bc56b8b123a9c6e"),
    };
}

// §16.4, authentication.
Assertion cross_origin_assertion() {
    return {
        base64url(hex("876aa517ba83fdee65fcffdbca4c84eeae5d54f8041a1fc85c991e5bbb273137")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50500000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a226832716c463771"
            "445f65356c5f505f62796b7945377135645650674547685f49584a6b655737736e4d5463222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a747275"
            "652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e64"
            "65642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c207375"
            "636820617320746869733a2039327063545644304162792d713464746d6a36656667227d"),
        hex("3046022100eb12fcf23b12764c0f122e22371fab92e283879fd798f38ee1841c951b6e40e7022100c76237"
            "ff9db77b3c56f30837cda6a09acfa2e915544e609c0733b1184036d1cf"),
    };
}

// §16.6 "ES256 Credential with very long credential ID"
// (#sctn-test-vectors-none-es256-long-credential-id): a 1023-byte credential id, the longest
// §6.1.2 allows. The vector's attestationObject is written here as the bytes before the
// credential id, the credential_id the vector lists, and the bytes after it.
constexpr std::string_view kLongCredentialId =
    "3a761a4e1674ad6c4305869435c0eee9c286172c229bb91b48b4ada140c0863417031305cce5b4a27a88d7fe728a5f"
    "5a627de771b4b40e77f187980c124f9fe832d7136010436a056cce716680587d23187cf1fc2c62ae86fc3e508ee961"
    "7ffc74fbc10488ec16ec5e9096328669a898709b655e549738c666c1ae6281dc3b5f733c251d3eefb76ee70a3805ca"
    "91bcc18e49c8dc7f63ebcb486ba8c3d6ab52b88ff72c6a5bb47c32f3ee8683a3ddc8abf60870448ec8a21b5bdcb183"
    "c7dead870255575a6df96eb1b6a2a1019780cba9e4887b17ff1164bbbcc10eb0d86ed75984cd3fa3419103024507df"
    "d9ce8f92c56af7914cb0bb50b87ba82a312bb7dcd93028dbdcd6adb266979667158335171e3682d37755701edbf9d8"
    "72846a291d49e57ef09da1ec637f5052ed2aa7407f7e61827468e94b461844f4c67be5fa9c6055a566f8fdfc29d4bf"
    "78a9ff275f552cc68ba543fa3962eea36fd1ea8453764577d021d0a181efc1f6100ab2e4110039e21ee16970bda743"
    "2b6134492155afc126295b3a2eccd12c66a68e340969e995e3e8c9c476e395cfc21203414110779474f1c979740663"
    "7dbe414f132519d3bf0ce4f01734ef0e1a12c3ad604ff15d766b1624db6a5a7ccbff7bc35c9908df94aba277e0af48"
    "f04ff3d16381c47e5a37ed3988a67a3b1ecaa926336b33391fff04128f869991c9fabd905b6fe3ceef5f8b630ec1c5"
    "d2636d5b1961ad5ca5004170f6f5e482792aad989b0287fe91e5c479403397152f1fa56aa79b156eb47e6c8ea3eb17"
    "5c34cfb38ad8e772874639b1023d4d01395c94e55831671cc022aa6fa1e02a02c2e4abc776f6960e51f83b71a8c0f2"
    "07b6a347573977812c9aa5480b0011aa739bd4b76c18c000cc4757cceccb920f007c40c00e37e5ab21476cd9f6054a"
    "8fffb55a108f5c706e2cea2049d81fd321ff47d2a5761b0800955ab1d4f4889f55a84e2601c684f17a4ade7453ea49"
    "591d0b59c8d9a765052f62219cf6ef4a5dd9539f0617d6ebbebce7c000455475d18449e25c49ef9a1e3efe18c09082"
    "ebe2058d7c347defaa92f0664553b805c7d76bbfce5f330aca220ac90a789380fc479ea0d8793205813cca590a912f"
    "699ad52f991a1bc0a503c3ec4b2a696719e3c26591a87127f7305cc7e72f4c8e39355ebb06a5b1042990f38710ee7a"
    "a612ee4374bb82e878585a70a96c2a6b47f101a4ff154be4fd76a3167577a5cc54d9167c154c69ac35485e44cc898b"
    "719e1be3cc9c0fb5624b8f8a0dae10947a41bf848b6c1bb33d1006ec077d7e286e3f2a7b4843716390119449fe2721"
    "e81a5ed2333d331c7120765da58fadae73c19d9a8c4509cf8ac1e9d98b799a5274509069739b5823f3fb4966638200"
    "33426988eefca53e580e0f9e0dfe0992fc2e53a97e053639f98577058f995bdbd41cefdb";
Registration long_credential_id_registration() {
    return {
        base64url(hex("1113c7265ccf5e65124282fa1d7819a7a14cb8539aa4cdbec7487e5f35d8ec6c")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2245525048"
            "4a6c7a50586d5553516f4c364858675a7036464d75464f61704d322d7830682d587a5859374777222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73657d"),
        hex("a363666d74646e6f6e656761747453746d74a0686175746844617461590483bfabc37432958b063360d3ad"
            "6461c9c4735ae7f8edd46592a5e0f01452b2e4b549000000008f3360c2cd1b0ac14ffe0795c5d2638e03f"
            "f") +
            hex(kLongCredentialId) +
            hex("a50102032620012158203b8176b7504489cc593046d7988abb7905a742de6ac2cdc748a873c663e90c"
                "b12258201436d5edc9a75f23999eef9d5950a5c2455514ee1014084720f841a06b828a11"),
    };
}

// §16.6, authentication.
Assertion long_credential_id_assertion() {
    return {
        base64url(hex("ef1deba56dce48f674a447ccf63b9599258ce87648e5c396f2ef0ca1da460e3b")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50d00000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a2237783372705733"
            "4f53505a307045664d396a75566d53574d36485a4935634f573875384d6f647047446a73222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73657d"),
        hex("304502203ecef83fb12a0cae7841055f9f87103a99fd14b424194bbf06c4623d3ee6e3fd022100d2ace346"
            "db262b1374a6b70faa51f518a42ddca13a4125ce6f5052a75bac9fb6"),
    };
}

// §16.7 "Packed Attestation with ES256 Credential" (#sctn-test-vectors-packed-es256),
// registration: packed with an x5c certificate chain, which authd does not accept.
Registration packed_es256_registration() {
    return {
        base64url(hex("c1184a5fddf8045e13dc47f54b61f5a656b666b59018f16d870e9256e9952012")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a227752684b"
            "58393334424634543345663153324831706c61325a725751475046746877365356756d56494249222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
            "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
            "2c207375636820617320746869733a20396138624e596a4b436757724258552d66436c316167227d"),
        hex("a363666d74667061636b65646761747453746d74a363616c6726637369675847304502203f19ec4b229f46"
            "ab8c45eff29b904ff10c0390dc40bf1216f04a78f4ceba3425022100fe7041a32759aff05a0f9f26c70a99"
            "9c7a284451ba89234a1d3483c25e21925b637835638159022530820221308201c8a00302010202110088c2"
            "20f83c8ef1feafe94deae45faad0300a06082a8648ce3d0403023062311e301c06035504030c1557656241"
            "7574686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c41"
            "757468656e74696361746f72204174746573746174696f6e204341310b3009060355040613024141302017"
            "0d3234303130313030303030305a180f33303234303130313030303030305a305f311e301c06035504030c"
            "15576562417574686e207465737420766563746f7273310c300a060355040a0c0357334331223020060355"
            "040b0c1941757468656e74696361746f72204174746573746174696f6e310b300906035504061302414130"
            "59301306072a8648ce3d020106082a8648ce3d03010703420004a91ba4389409dd38a428141940ca8feb1a"
            "c0d7b4350558104a3777a49322f3798440f378b3398ab2d3bb7bf91322c92eb23556f59ad0a836fec4c766"
            "3b0e4dc3a360305e300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d060355"
            "1d0e04160414a589ba72d060842ab11f74fb246bdedab16f9b9b301f0603551d2304183016801445aff715"
            "b0dd786741fee996ebc16547a3931b1e300a06082a8648ce3d040302034700304402201726b9d85ecd8a5e"
            "d51163722ca3a20886fd9b242a0aa0453d442116075defd502207ef471e530ac87961a88a7f0d0c17b091f"
            "fc6b9238d30f79f635b417be5910e768617574684461746158a4bfabc37432958b063360d3ad6461c9c473"
            "5ae7f8edd46592a5e0f01452b2e4b54d00000000876ca4f52071c3e9b25509ef2cdf7ed60020c9a6f5b346"
            "2d02873fea0c56862234f99f081728084e511bb7760201a89054a5a50102032620012158201cf27f25da59"
            "1208a4239c2e324f104f585525479a29edeedd830f48e77aeae522582059e4b7da6c0106e206ce390c93ab"
            "98a15a5ec3887e57f0cc2bece803b920c423"),
    };
}

// §16.7, authentication.
Assertion packed_es256_assertion() {
    return {
        base64url(hex("b1106fa46a57bef1781511c0557dc898a03413d5f0f17d244630c194c7e1adb5")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50d00000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a2273524276704770"
            "587676463446524841565833496d4b4130453958773858306b526a44426c4d6668726255222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e"
            "6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c2073"
            "75636820617320746869733a20415a4d77794d78496244382d756775464e7036723851227d"),
        hex("30450220694969d3ee928de6f02ef23a9c644d7d779916451734a94b432542f498a1ebe90221008b0819c8"
            "24218a97152cd099c55bfb1477b29d900a49a64018314f9bfccda163"),
    };
}

// §16.10 "Packed Attestation with RS256 Credential" (#sctn-test-vectors-packed-rs256),
// registration: packed with x5c. The credential's modulus is the product of the Mersenne primes
// 2^1279 - 1 and 2^2203 - 1 (3482 bits), the vector's private_key_p and private_key_q; its
// exponent is 65537.
Registration packed_rs256_registration() {
    return {
        base64url(hex("bea8f0770009bd57f2c0df6fea9f743a27e4b61bbe923c862c7aad7a9fc8e4a6")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2276716a77"
            "6477414a76566679774e3976367039304f69666b7468752d6b6a79474c48717465705f49354b59222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73657d"),
        hex("a363666d74667061636b65646761747453746d74a363616c672663736967584730450221008b8c5c6ea8c1"
            "42c032e0be69e1353d44461c5c9109941cdda951b976eb95b6b302204d52f406c19e254b3ff9589bd18070"
            "fb055ac8db12fdd0a6734bea9d7168e900637835638159022630820222308201c7a00302010202101f6fb7"
            "a5ece81b45896b983a995da5f3300a06082a8648ce3d0403023062311e301c06035504030c155765624175"
            "74686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c4175"
            "7468656e74696361746f72204174746573746174696f6e204341310b30090603550406130241413020170d"
            "3234303130313030303030305a180f33303234303130313030303030305a305f311e301c06035504030c15"
            "576562417574686e207465737420766563746f7273310c300a060355040a0c035733433122302006035504"
            "0b0c1941757468656e74696361746f72204174746573746174696f6e310b30090603550406130241413059"
            "301306072a8648ce3d020106082a8648ce3d03010703420004b7b36b7542a11120b443c794d0c99fdc25a0"
            "6b76586413d81e086163ef6fe147a557afc34e2861d9057d6d465d4705a0310550bdeeb5f35ee35b9425ab"
            "859981a360305e300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603551d"
            "0e04160414fb37b647bccfb9e54d989eaaacc1633868703fb3301f0603551d2304183016801445aff715b0"
            "dd786741fee996ebc16547a3931b1e300a06082a8648ce3d0403020349003046022100b86bc129d92afca7"
            "d9869a39f70f139a305b4073a39eb654d81424bed5757d91022100cf9f7c60cab7c4a7d3e7f0020f281a93"
            "d4fd0a9f95121b989f56932a68885fba68617574684461746159021bbfabc37432958b063360d3ad6461c9"
            "c4735ae7f8edd46592a5e0f01452b2e4b55d00000000428f8878298b9862a36ad8c7527bfef20020992a18"
            "acc83f67533600c1138a4b4c4bd236de13629cf025ed17cb00b00b74dfa4010303390100205901b4"
            "03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7ffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffff80000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "000000000001"
            "2143010001"),
    };
}

// §16.10, authentication.
Assertion packed_rs256_assertion() {
    return {
        base64url(hex("295f59f5fa8fe62c5aca9e27626c78c8da376ae6d8cd2dd29aebad601e1bc4c5")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a224b56395a396671"
            "50356978617970346e596d7834794e6f33617562597a5333536d75757459423462784d55222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73657d"),
        hex("01063d52d7c39b4d432fc7063c5d93e582bdcb16889cd71f888d67d880ea730a428498d3bc8e1ee11f2b1e"
            "cbe6c292b118c55ffaaddefa8cad0a54dd137c51f1eec673f1bb6c4d1789d6826a222b22d0f585fc901fdc"
            "933212e579d199b89d672aa44891333e6a1355536025e82b25590256c3538229b55737083b2f6b9377e49e"
            "2472f11952f79fdd0da180b5ffd901b4049a8f081bb40711bef76c62aed943571f2d0575304cb549d68d88"
            "92f95086a30f93716aee818f8dc06e96c0d5e0ed4cfa9fd8773d90464b68cf140f7986666ff9c9e3302acd"
            "0535d60d769f465e2ab57ef8aabc89fccfef7ba32a64154a8b3d26be2298f470b8cc5377dbe3dfd4b0b45f"
            "8f01e63bde6cfc76b62771f9b70aa27cf40152cad93aa5acd784fd4b90f676e2ea828d0bf2400aebbaae41"
            "53e5838f537f88b6228346782a93a899be66ec77de45b3efcf311da6321c92e6b0cd11bfe653bf3e98cee8"
            "e341f02d67dbb6f9c98d9e8178090cfb5b70fbc6d541599ac794ae2f1d4de1286ec8de8c2daf7b1d15c843"
            "8e90d924df5c19045220a4c8438c1b979bbe016cf3d0eeec23c3999d4882cc645b776de930756612cdc6dd"
            "398160ff02a6"),
    };
}

// §16.11 "Packed Attestation with Ed25519 Credential" (#sctn-test-vectors-packed-eddsa),
// registration: packed with x5c.
Registration packed_eddsa_registration() {
    return {
        base64url(hex("a8abf9dabdc6b0df63466b39bda9e8a34a34e185337a59f1c579990676d3b3bd")),
        hex("7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a22714b7635"
            "32723347734e396a526d733576616e6f6f306f303459557a656c6e7878586d5a426e6254733730222c226f"
            "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
            "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
            "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
            "2c207375636820617320746869733a20425f44543567375a445f2d394f544c59583549764551227d"),
        hex("a363666d74667061636b65646761747453746d74a363616c67266373696758483046022100d83f60bd8026"
            "9537583218858aefb03ac57d45fa06e42feaae332d187f62da9f022100a02bd3cb6f7e1d283c93bad1f3f4"
            "b5a4c0494463da7fdbf256949116754d1f17637835638159022730820223308201c8a003020102021100b2"
            "cfc9ea33c8643b0e1a760463eaf164300a06082a8648ce3d0403023062311e301c06035504030c15576562"
            "417574686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c"
            "41757468656e74696361746f72204174746573746174696f6e204341310b30090603550406130241413020"
            "170d3234303130313030303030305a180f33303234303130313030303030305a305f311e301c0603550403"
            "0c15576562417574686e207465737420766563746f7273310c300a060355040a0c03573343312230200603"
            "55040b0c1941757468656e74696361746f72204174746573746174696f6e310b3009060355040613024141"
            "3059301306072a8648ce3d020106082a8648ce3d03010703420004dd2b7a564b73b8c0b81c4c62e521925c"
            "4d1198ec9f583dbf1eebe364b65cd9c29a9bdf346aaa81fb6b9507e5249a52fdaf8e39e26b0b7dc45992a7"
            "e233b70f70a360305e300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603"
            "551d0e041604140ae27546bc7eccb1b4b597bd354f0c0b1f1f8f8e301f0603551d2304183016801445aff7"
            "15b0dd786741fee996ebc16547a3931b1e300a06082a8648ce3d0403020349003046022100a0d434ecb5fc"
            "3bfd7da5f41904517ad2836249f561bd834ba7a438a8ab7a4ce8022100fac845bb7a02513b58e9f319654d"
            "be49b0f02b95835bac568c71f8a18cdde9ab6861757468446174615881bfabc37432958b063360d3ad6461"
            "c9c4735ae7f8edd46592a5e0f01452b2e4b54100000000d5aa33581e8ca478e20fe713f5d32ff20020ce9f"
            "840ed96599580cd140fbc7bb3230633f50f61041aff73308ae71caa8a2bda401010327200621582044e06d"
            "dd331c36a8dc667bab52bcae63486c916aa5e339e6acebaa84934bf832"),
    };
}

// §16.11, authentication.
Assertion packed_eddsa_assertion() {
    return {
        base64url(hex("895957e01c633a698348a2d8a31a54b7db27e8c1c43b2080d79ae2190267bfd2")),
        hex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50100000000"),
        hex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a2269566c58344278"
            "6a4f6d6d44534b4c596f7870557439736e364d48454f7943413135726947514a6e763949222c226f726967"
            "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
            "73657d"),
        hex("f5c59c7e46c34f6f8cc197101ddf9934fa2595f68eb1913a637e8419eb9ba4cfdfc48f85393bc0d40b011f"
            "0d6fecb097d6607525713223a0dc0d453993dae00b"),
    };
}

// The rpIdHash of every vector is SHA-256("example.org").
TEST(SpecVectors, EveryVectorIsForExampleOrg) {
    EXPECT_EQ(sha256(bytes_of("example.org")), hex(kExampleOrgHash));
    for (const Assertion& vector :
         {none_es256_assertion(), packed_self_es256_assertion(), cross_origin_assertion(),
          long_credential_id_assertion(), packed_es256_assertion(), packed_rs256_assertion(),
          packed_eddsa_assertion()}) {
        const Bytes& data = vector.authenticator_data;
        EXPECT_EQ(Bytes(data.begin(), data.begin() + 32), hex(kExampleOrgHash));
    }
}

TEST(SpecVectors, NoneEs256RegistrationIsAccepted) {
    const AuthenticatorData data = register_with(example_org(), none_es256_registration());
    ASSERT_TRUE(data.credential);
    EXPECT_EQ(data.credential->id, hex(kNoneEs256CredentialId));
    EXPECT_EQ(Bytes(data.credential->aaguid.begin(), data.credential->aaguid.end()),
              hex(kNoneEs256Aaguid));
    EXPECT_EQ(data.credential->public_key.algorithm(), CoseAlgorithm::es256);
    // Flags 0x59: UP, BE, BS and AT, not UV.
    EXPECT_TRUE(data.user_present);
    EXPECT_FALSE(data.user_verified);
    EXPECT_TRUE(data.backup_eligible);
    EXPECT_TRUE(data.backed_up);
    EXPECT_FALSE(data.has_extensions);
    EXPECT_EQ(data.sign_count, 0u);
}

TEST(SpecVectors, NoneEs256RegistrationTamperedIsRefused) {
    const Registration vector = none_es256_registration();
    Registration tampered = vector;
    tampered.attestation_object = with_flipped_rp_id_hash(vector.attestation_object);
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "RP id"));

    tampered = vector;
    const OtherChallenge other = with_other_challenge(vector.client_data_json);
    tampered.client_data_json = other.client_data_json;
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "challenge"));

    // Nothing else is wrong with it, but the authenticator did not verify the user.
    EXPECT_TRUE(refused_for([&] { register_with(example_org(true), vector); }, "(UV)"));
    // Nor is it for another RP or origin.
    EXPECT_TRUE(refused_for(
        [&] {
            register_with({"example.com", {"https://example.org"}}, vector);
        },
        "RP id"));
    EXPECT_TRUE(refused_for(
        [&] {
            register_with({"example.org", {"https://example.com"}}, vector);
        },
        "origin"));
}

TEST(SpecVectors, NoneEs256AssertionIsAccepted) {
    const AuthenticatorData registered = register_with(example_org(), none_es256_registration());
    ASSERT_TRUE(registered.credential);
    const CosePublicKey& key = registered.credential->public_key;
    const AuthenticatorData data = assert_with(example_org(), none_es256_assertion(), key);
    // Flags 0x19: UP, BE and BS.
    EXPECT_TRUE(data.user_present);
    EXPECT_FALSE(data.user_verified);
    EXPECT_TRUE(data.backup_eligible);
    EXPECT_TRUE(data.backed_up);
    EXPECT_FALSE(data.credential);
    EXPECT_EQ(data.sign_count, 0u);

    expect_tampering_refused(none_es256_assertion(), key);
    // Another credential's key.
    const AuthenticatorData other = register_with(example_org(), packed_self_es256_registration());
    EXPECT_TRUE(refused_for(
        [&] { assert_with(example_org(), none_es256_assertion(), other.credential->public_key); },
        "signature"));
}

TEST(SpecVectors, PackedSelfEs256RegistrationIsAccepted) {
    const AuthenticatorData data =
        register_with(example_org(true), packed_self_es256_registration());
    ASSERT_TRUE(data.credential);
    EXPECT_EQ(data.credential->id, hex(kPackedSelfEs256CredentialId));
    EXPECT_EQ(Bytes(data.credential->aaguid.begin(), data.credential->aaguid.end()),
              hex(kPackedSelfEs256Aaguid));
    EXPECT_EQ(data.credential->public_key.algorithm(), CoseAlgorithm::es256);
    // Flags 0x5d: UP, UV, BE, BS and AT.
    EXPECT_TRUE(data.user_present);
    EXPECT_TRUE(data.user_verified);
    EXPECT_TRUE(data.backup_eligible);
    EXPECT_TRUE(data.backed_up);
}

TEST(SpecVectors, PackedSelfEs256RegistrationTamperedIsRefused) {
    const Registration vector = packed_self_es256_registration();
    Registration tampered = vector;
    tampered.attestation_object = with_flipped_attestation_signature(vector.attestation_object);
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "signature"));

    tampered = vector;
    tampered.attestation_object = with_flipped_rp_id_hash(vector.attestation_object);
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "RP id"));

    // A changed challenge: refused by the comparison when the RP issued the vector's, and by
    // the attestation signature (which covers clientDataJSON's hash) when it issued that one.
    const OtherChallenge other = with_other_challenge(vector.client_data_json);
    tampered = vector;
    tampered.client_data_json = other.client_data_json;
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "challenge"));
    tampered.challenge = other.challenge;
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), tampered); }, "signature"));
}

TEST(SpecVectors, PackedSelfEs256AssertionIsAccepted) {
    const AuthenticatorData registered =
        register_with(example_org(), packed_self_es256_registration());
    ASSERT_TRUE(registered.credential);
    const CosePublicKey& key = registered.credential->public_key;
    // Flags 0x09: UP and BE; no UV this time.
    const AuthenticatorData data = assert_with(example_org(), packed_self_es256_assertion(), key);
    EXPECT_TRUE(data.user_present);
    EXPECT_FALSE(data.user_verified);
    EXPECT_TRUE(data.backup_eligible);
    EXPECT_FALSE(data.backed_up);
    EXPECT_TRUE(refused_for(
        [&] { assert_with(example_org(true), packed_self_es256_assertion(), key); }, "(UV)"));

    expect_tampering_refused(packed_self_es256_assertion(), key);
}

// authd refuses credentials used from a cross-origin frame: the vector's signatures are
// good, and it is refused for crossOrigin alone.
TEST(SpecVectors, CrossOriginVectorIsRefused) {
    const Registration registration = cross_origin_registration();
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), registration); }, "cross-origin"));

    const AuthenticatorData registered = authenticator_data_of(registration.attestation_object);
    ASSERT_TRUE(registered.credential);
    const CosePublicKey& key = registered.credential->public_key;
    const Assertion assertion = cross_origin_assertion();
    const Bytes signed_bytes = assertion.authenticator_data + sha256(assertion.client_data_json);
    EXPECT_TRUE(key.verify(signed_bytes, assertion.signature));
    EXPECT_TRUE(refused_for([&] { assert_with(example_org(), assertion, key); }, "cross-origin"));
}

TEST(SpecVectors, LongCredentialIdIsAccepted) {
    const AuthenticatorData registered =
        register_with(example_org(), long_credential_id_registration());
    ASSERT_TRUE(registered.credential);
    EXPECT_EQ(registered.credential->id.size(), 1023u);
    EXPECT_EQ(registered.credential->id, hex(kLongCredentialId));
    const CosePublicKey& key = registered.credential->public_key;
    const AuthenticatorData data = assert_with(example_org(), long_credential_id_assertion(), key);
    EXPECT_TRUE(data.user_verified);  // flags 0x0d: UP, UV and BE
    expect_tampering_refused(long_credential_id_assertion(), key);
}

// Packed attestation with a certificate (x5c) is refused, for that reason; the credential in
// its authenticator data is still one authd reads, and the vector's assertion verifies with it.
TEST(SpecVectors, PackedEs256WithCertificateIsRefused) {
    const Registration registration = packed_es256_registration();
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), registration); }, "certificate"));

    const AuthenticatorData registered = authenticator_data_of(registration.attestation_object);
    ASSERT_TRUE(registered.credential);
    EXPECT_EQ(registered.credential->public_key.algorithm(), CoseAlgorithm::es256);
    const CosePublicKey& key = registered.credential->public_key;
    EXPECT_NO_THROW(assert_with(example_org(), packed_es256_assertion(), key));
    expect_tampering_refused(packed_es256_assertion(), key);
}

TEST(SpecVectors, PackedRs256WithCertificateIsRefused) {
    const Registration registration = packed_rs256_registration();
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), registration); }, "certificate"));

    const AuthenticatorData registered = authenticator_data_of(registration.attestation_object);
    ASSERT_TRUE(registered.credential);
    EXPECT_EQ(registered.credential->public_key.algorithm(), CoseAlgorithm::rs256);
    const CosePublicKey& key = registered.credential->public_key;
    EXPECT_NO_THROW(assert_with(example_org(), packed_rs256_assertion(), key));
    expect_tampering_refused(packed_rs256_assertion(), key);
}

TEST(SpecVectors, PackedEddsaWithCertificateIsRefused) {
    const Registration registration = packed_eddsa_registration();
    EXPECT_TRUE(refused_for([&] { register_with(example_org(), registration); }, "certificate"));

    const AuthenticatorData registered = authenticator_data_of(registration.attestation_object);
    ASSERT_TRUE(registered.credential);
    EXPECT_EQ(registered.credential->public_key.algorithm(), CoseAlgorithm::eddsa);
    const CosePublicKey& key = registered.credential->public_key;
    EXPECT_NO_THROW(assert_with(example_org(), packed_eddsa_assertion(), key));
    expect_tampering_refused(packed_eddsa_assertion(), key);
}

// ---------------------------------------------------------------------------------------------
// RFC 8152 Appendix C (unchanged in RFC 9052 Appendix C)
// ---------------------------------------------------------------------------------------------

struct Ec2Key {
    std::string_view kid, x, y;
};

// RFC 8152 Appendix C.7.1 "Public Keys": the COSE Key Set's P-256 keys ({1: 2 (EC2), -1: 1
// (P-256), -2: x, -3: y, 2: kid}). The RFC gives them no alg: the tests add 3: -7 (ES256), as
// WebAuthn requires of a credential public key and CosePublicKey::read expects.
constexpr Ec2Key kMeriadoc{"meriadoc.brandybuck@buckland.example",
                           "65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d",
                           "1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c"};
constexpr Ec2Key kEleven{"11", "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff",
                         "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"};
constexpr Ec2Key kPeregrin{"peregrin.took@tuckborough.example",
                           "98f50a4ff6c05861c8860d13a638ea56c3f5ad7590bbfbf054e1c7b4d91d6280",
                           "f01400b089867804b8e9fc96c3932161f1934f4223069170d924b7e03bf822bb"};
// C.7.1's P-521 key.
constexpr Ec2Key kBilbo{"bilbo.baggins@hobbiton.example",
                        "0072992cb3ac08ecf3e5c63dedec0d51a8c1f79ef2f82f94f3c737bf5de7986671eac625fe"
                        "8257bbd0394644caaa3aaf8f27a4585fbbcad0f2457620085e5c8f42ad",
                        "01dca6947bce88bc5790485ac97427342bc35f887d86d65a089377e247e60baa55e4e8501e"
                        "2ada5724ac51d6909008033ebc10ac999b9d7f5cc2519f3fe1ea1d9475"};

// A C.7.1 key as a COSE_Key, with label 3 (alg) set to `alg` unless it is 0 (then none, as
// published).
Bytes cose_key_of(const Ec2Key& key, std::int64_t crv, std::int64_t alg, const Bytes& y) {
    std::vector<std::pair<std::int64_t, testing::Parameter>> parameters = {
        {-1, crv}, {-2, hex(key.x)}, {-3, y}, {1, 2}, {2, bytes_of(key.kid)}};
    if (alg != 0) parameters.push_back({3, alg});
    return testing::cose_key(parameters);
}
Bytes cose_key_of(const Ec2Key& key, std::int64_t crv, std::int64_t alg) {
    return cose_key_of(key, crv, alg, hex(key.y));
}

CosePublicKey read_key(const Bytes& cose_key) {
    return CosePublicKey::read(decode_cbor(cose_key).root());
}

CosePublicKey es256_key(const Ec2Key& key) {
    return read_key(cose_key_of(key, 1, -7));
}

TEST(RfcVectors, AppendixC71KeysAreRead) {
    for (const Ec2Key& key : {kMeriadoc, kEleven, kPeregrin}) {
        SCOPED_TRACE(std::string(key.kid));
        EXPECT_EQ(es256_key(key).algorithm(), CoseAlgorithm::es256);
        // As published, without an alg: refused, for that.
        EXPECT_TRUE(refused_for([&] { read_key(cose_key_of(key, 1, 0)); }, "no algorithm"));
        // One bit of y flipped: no longer a point of P-256.
        const Bytes y = flipped(hex(key.y), 31);
        EXPECT_TRUE(refused_for([&] { read_key(cose_key_of(key, 1, -7, y)); }, "not a valid"));
    }
    // The P-521 key, with the ES512 (-36) its examples sign with, or with ES256: not accepted.
    EXPECT_TRUE(refused_for([&] { read_key(cose_key_of(kBilbo, 3, -36)); }, "-36"));
    EXPECT_TRUE(refused_for([&] { read_key(cose_key_of(kBilbo, 3, -7)); }, "P-256"));
}

// COSE's ECDSA signature (RFC 8152 §8.1) is r || s, each 32 bytes for P-256; WebAuthn's ES256
// signatures, and so CosePublicKey::verify, are ASN.1 DER Ecdsa-Sig-Value (WebAuthn §6.5.5).
// The RFC's signatures are converted here, without changing r or s.
Bytes der_of(const Bytes& raw) {
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 32, nullptr),
                   BN_bin2bn(raw.data() + 32, 32, nullptr));
    Bytes der(static_cast<std::size_t>(i2d_ECDSA_SIG(sig, nullptr)));
    unsigned char* out = der.data();
    i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);
    return der;
}

// RFC 8152 §4.4's Sig_structure: [context, body_protected, (sign_protected,) external_aad,
// payload], written with libcbor; external_aad is empty in these examples.
Bytes sig_structure(std::string_view context, const std::vector<Bytes>& byte_strings) {
    cbor_item_t* array = cbor_new_definite_array(1 + byte_strings.size());
    cbor_array_push(array, cbor_move(cbor_build_stringn(context.data(), context.size())));
    for (const Bytes& bytes : byte_strings)
        cbor_array_push(array, cbor_move(cbor_build_bytestring(bytes.data(), bytes.size())));
    return testing::serialize(array);
}

const Bytes kPayload = bytes_of("This is the content.");

// RFC 8152 Appendix C.2.1 "Single ECDSA Signature": a COSE_Sign1 with protected {1: -7}
// (h'a10126'), kid '11', payload 'This is the content.'.
TEST(RfcVectors, AppendixC21SignatureVerifies) {
    const Bytes raw = hex(
        "8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e2af9a291aa32e14ab834dc56e"
        "d2a223444547e01f11d3b0916e5a4c345cacb36");
    const Bytes to_be_signed = sig_structure("Signature1", {hex("a10126"), {}, kPayload});
    const CosePublicKey key = es256_key(kEleven);
    EXPECT_TRUE(key.verify(to_be_signed, der_of(raw)));
    EXPECT_FALSE(key.verify(to_be_signed, raw));  // r || s is not the form verify() takes
    EXPECT_FALSE(key.verify(to_be_signed, der_of(flipped(raw, 63))));
    EXPECT_FALSE(key.verify(flipped(to_be_signed, to_be_signed.size() - 1), der_of(raw)));
    EXPECT_FALSE(es256_key(kMeriadoc).verify(to_be_signed, der_of(raw)));
}

// RFC 8152 Appendix C.1.1 "Single Signature" and C.1.3 "Signature with Criticality": COSE_Sign
// messages whose one signer, kid '11', signs with protected {1: -7}.
TEST(RfcVectors, AppendixC1SignaturesVerify) {
    const CosePublicKey key = es256_key(kEleven);
    const Bytes single = hex(
        "e2aeafd40d69d19dfe6e52077c5d7ff4e408282cbefb5d06cbf414af2e19d982ac45ac98b8544c908b4507de1"
        "e90b717c3d34816fe926a2b98f53afd2fa0f30a");
    EXPECT_TRUE(
        key.verify(sig_structure("Signature", {{}, hex("a10126"), {}, kPayload}), der_of(single)));
    // C.1.3: the body's protected header is {"reserved": false, 2 (crit): ["reserved"]}.
    const Bytes critical = hex(
        "3fc54702aa56e1b2cb20284294c9106a63f91bac658d69351210a031d8fc7c5ff3e4be39445b1a3e83e1510d1"
        "aca2f2e8a7c081c7645042b18aba9d1fad1bd9c");
    const Bytes body_protected = hex("a2687265736572766564f40281687265736572766564");
    EXPECT_TRUE(
        key.verify(sig_structure("Signature", {body_protected, hex("a10126"), {}, kPayload}),
                   der_of(critical)));
    EXPECT_FALSE(key.verify(sig_structure("Signature", {{}, hex("a10126"), {}, kPayload}),
                            der_of(critical)));
}

}  // namespace
}  // namespace authd::webauthn
