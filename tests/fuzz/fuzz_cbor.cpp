// libFuzzer target: webauthn's strict CBOR decoding (attestation objects, COSE keys), as any
// bytes a client posts reach it.
//
// Input: the CBOR bytes.
#include <cbor.h>

#include <cstdlib>
#include <span>

#include "fuzz_support.h"
#include "webauthn/cbor.h"

using namespace authd;

namespace {

// Every accessor answers without failing, and each key of a map finds its own member.
void walk(webauthn::CborView view) {
    (void)view.integer();
    (void)view.bytes();
    (void)view.text();
    (void)view.boolean();
    if (view.is_array()) {
        for (std::size_t i = 0; i < view.size(); ++i)
            walk(view.element(i));
        FUZZ_CHECK(!view.element(view.size()));
    }
    if (view.is_map()) {
        const cbor_pair* pairs = cbor_map_handle(view.raw());
        for (std::size_t i = 0; i < view.size(); ++i) {
            const webauthn::CborView key(pairs[i].key);
            const webauthn::CborView value =
                key.text() ? view.member(*key.text()) : view.member(*key.integer());
            FUZZ_CHECK(value.raw() == pairs[i].value);
            walk(value);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const webauthn::CborLimits limits;

    std::size_t prefix = 0;
    try {
        const webauthn::CborDocument document = webauthn::decode_cbor_prefix(input, limits);
        prefix = document.consumed();
        FUZZ_CHECK(prefix > 0 && prefix <= size);
        walk(document.root());

        // What was accepted, written again by libcbor (shortest forms), is accepted again.
        unsigned char* buffer = nullptr;
        std::size_t buffer_size = 0;
        const std::size_t written =
            cbor_serialize_alloc(document.root().raw(), &buffer, &buffer_size);
        if (written > 0) {
            try {
                webauthn::decode_cbor({buffer, written}, {written, limits.max_depth});
            } catch (const webauthn::CborError&) {
                FUZZ_CHECK(!"a re-encoded item was refused");
            }
        }
        std::free(buffer);
    } catch (const webauthn::CborError&) {
    }

    // The whole input is accepted exactly when its prefix is and nothing follows.
    bool whole = true;
    try {
        webauthn::decode_cbor(input, limits);
    } catch (const webauthn::CborError&) {
        whole = false;
    }
    FUZZ_CHECK(whole == (prefix != 0 && prefix == size));
    return 0;
}
