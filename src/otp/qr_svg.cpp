#include "otp/qr_svg.h"

#include <qrencode.h>

#include <climits>
#include <memory>
#include <stdexcept>

namespace authd::otp {
namespace {

constexpr int quiet_zone = 4;  // modules of white around the symbol (ISO/IEC 18004)

struct QrCodeDeleter {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

std::string qr_svg(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) {
        throw std::runtime_error("text too long for a QR code");
    }
    const std::unique_ptr<QRcode, QrCodeDeleter> code(
        QRcode_encodeData(static_cast<int>(text.size()),
                          reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
    if (!code) throw std::runtime_error("libqrencode could not encode the text");

    const int width = code->width;
    const std::string size = std::to_string(width + 2 * quiet_zone);
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " +
                      size + "\" shape-rendering=\"crispEdges\">";
    svg += "<rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/>";
    svg += "<path fill=\"#000\" d=\"";
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            if ((code->data[y * width + x] & 1) == 0) continue;  // bit 0: dark module
            svg += 'M';
            svg += std::to_string(x + quiet_zone);
            svg += ',';
            svg += std::to_string(y + quiet_zone);
            svg += "h1v1h-1z";
        }
    }
    svg += "\"/></svg>";
    return svg;
}

}  // namespace authd::otp
