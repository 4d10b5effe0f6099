#pragma once
// A QR code (libqrencode) drawn as a standalone SVG document, for the authenticator-app
// enrolment screen.
#include <string>
#include <string_view>

namespace authd::otp {

// An SVG of `text` in byte mode, error correction level M, with a 4-module quiet zone, black
// modules on white, scalable (viewBox in modules). Throws std::runtime_error when libqrencode
// cannot encode it (too long).
std::string qr_svg(std::string_view text);

}  // namespace authd::otp
