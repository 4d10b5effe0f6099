#pragma once
// The passkeys' AUTH_WEBAUTHN_* settings (docs/CONFIGURATION.md): who the relying party is and
// which pages may use its credentials.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "webauthn/ceremony.h"

namespace authd::webauthn {

struct PasskeySettings {
    // Handed over by the wiring from AUTH_PUBLIC_URL, before these are read: the defaults of
    // the RP id (its host) and of the origins (its origin).
    std::string public_url = "http://127.0.0.1:8000";

    RelyingParty relying_party;
    std::string rp_name = "authd";
    std::int64_t challenge_lifetime = 300;  // seconds an options answer can be used
};

const config::Settings<PasskeySettings>& passkey_settings();

// The origin of an absolute http(s) URL, as a browser writes it in clientDataJSON
// ("https://example.com", "http://localhost:8000": no default port, no path); throws
// std::invalid_argument for anything else.
std::string origin_of(std::string_view url);
// The host of an origin or URL ("example.com", "127.0.0.1", "::1" without brackets).
std::string host_of(std::string_view url);

}  // namespace authd::webauthn
