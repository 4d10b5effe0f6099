#include "otp/qr_svg.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace authd::otp {
namespace {

// The modules of an SVG drawn by qr_svg, read back from its path: a square grid of N x N,
// true where a module is dark.
struct Symbol {
    int size = 0;
    std::vector<std::vector<bool>> dark;
};

// The text between `prefix` and the next `terminator`, or nullopt. (std::regex is avoided:
// libstdc++'s recursive matcher overflows the stack on a path of a few thousand modules.)
std::optional<std::string> between(const std::string& text, const std::string& prefix,
                                   char terminator) {
    const auto start = text.find(prefix);
    if (start == std::string::npos) return std::nullopt;
    const auto from = start + prefix.size();
    const auto stop = text.find(terminator, from);
    if (stop == std::string::npos) return std::nullopt;
    return text.substr(from, stop - from);
}

// Reads a decimal number at `pos`, advancing it; -1 when there is none.
int read_number(const std::string& text, std::size_t& pos) {
    const auto start = pos;
    int value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 6) {
        value = value * 10 + (text[pos++] - '0');
    }
    return pos == start ? -1 : value;
}

Symbol read_back(const std::string& svg) {
    Symbol symbol;
    const auto view_box = between(svg, "viewBox=\"0 0 ", '"');
    if (!view_box) {
        ADD_FAILURE() << "no viewBox";
        return symbol;
    }
    std::size_t pos = 0;
    const int width = read_number(*view_box, pos);
    const bool separated = pos < view_box->size() && (*view_box)[pos] == ' ';
    ++pos;
    const int height = read_number(*view_box, pos);
    if (width <= 0 || !separated || height != width || pos != view_box->size()) {
        ADD_FAILURE() << "not a square viewBox: " << *view_box;
        return symbol;
    }
    symbol.size = width;
    symbol.dark.assign(symbol.size, std::vector<bool>(symbol.size, false));

    const auto path = svg.find("<path");
    if (path == std::string::npos) {
        ADD_FAILURE() << "no path";
        return symbol;
    }
    const auto d = between(svg.substr(path), " d=\"", '"');
    if (!d) {
        ADD_FAILURE() << "no d in the path";
        return symbol;
    }
    static const std::string close = "h1v1h-1z";
    pos = 0;
    while (pos < d->size()) {
        if ((*d)[pos] != 'M') {
            ADD_FAILURE() << "unexpected path data at " << pos;
            return symbol;
        }
        ++pos;
        const int x = read_number(*d, pos);
        if (pos >= d->size() || (*d)[pos] != ',') {
            ADD_FAILURE() << "no comma at " << pos;
            return symbol;
        }
        ++pos;
        const int y = read_number(*d, pos);
        if (x < 0 || y < 0 || d->compare(pos, close.size(), close) != 0) {
            ADD_FAILURE() << "not a one-module square at " << pos;
            return symbol;
        }
        pos += close.size();
        // Nothing is drawn in the 4-module quiet zone.
        EXPECT_GE(x, 4);
        EXPECT_GE(y, 4);
        EXPECT_LT(x, symbol.size - 4);
        EXPECT_LT(y, symbol.size - 4);
        if (x >= symbol.size || y >= symbol.size) continue;
        EXPECT_FALSE(symbol.dark[y][x]) << "module drawn twice: " << x << "," << y;
        symbol.dark[y][x] = true;
    }
    return symbol;
}

// The 7x7 finder pattern whose top-left module is at (left, top) in the symbol (quiet zone
// excluded): a dark ring, a light ring, a dark 3x3 centre.
void expect_finder(const Symbol& symbol, int left, int top) {
    for (int dy = 0; dy < 7; ++dy) {
        for (int dx = 0; dx < 7; ++dx) {
            const bool ring = dx == 0 || dy == 0 || dx == 6 || dy == 6;
            const bool centre = dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4;
            EXPECT_EQ(symbol.dark[4 + top + dy][4 + left + dx], ring || centre)
                << "finder at " << left << "," << top << " module " << dx << "," << dy;
        }
    }
}

TEST(QrSvg, IsAnSvgWithAViewBoxAndOnePath) {
    const std::string svg = qr_svg("otpauth://totp/ACME:alice?secret=MY");
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
    EXPECT_NE(svg.find("shape-rendering=\"crispEdges\""), std::string::npos);
    EXPECT_NE(svg.find("<rect"), std::string::npos);
    const auto first_path = svg.find("<path");
    ASSERT_NE(first_path, std::string::npos);
    EXPECT_EQ(svg.find("<path", first_path + 1), std::string::npos);
    EXPECT_TRUE(svg.ends_with("</svg>"));
}

TEST(QrSvg, ModulesFormAQrSymbol) {
    for (const std::string& text :
         {std::string("a"),
          std::string("otpauth://totp/ACME%20Co:alice%40example.com"
                      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co"
                      "&algorithm=SHA1&digits=6&period=30"),
          std::string(1000, 'x')}) {
        const Symbol symbol = read_back(qr_svg(text));
        const int width = symbol.size - 8;
        ASSERT_GE(width, 21) << text;
        ASSERT_EQ((width - 17) % 4, 0) << "not a QR width: " << width;
        const int version = (width - 17) / 4;
        EXPECT_GE(version, 1);
        EXPECT_LE(version, 40);
        // Finder patterns in three corners.
        expect_finder(symbol, 0, 0);
        expect_finder(symbol, width - 7, 0);
        expect_finder(symbol, 0, width - 7);
        // Timing patterns: row and column 6 alternate between the finders.
        for (int i = 8; i < width - 8; ++i) {
            EXPECT_EQ(symbol.dark[4 + 6][4 + i], i % 2 == 0) << "timing row " << i;
            EXPECT_EQ(symbol.dark[4 + i][4 + 6], i % 2 == 0) << "timing column " << i;
        }
        // The always-dark module beside the bottom-left finder.
        EXPECT_TRUE(symbol.dark[4 + 4 * version + 9][4 + 8]);
    }
}

TEST(QrSvg, LongerTextNeedsALargerVersion) {
    const int small = read_back(qr_svg("a")).size;
    const int large = read_back(qr_svg(std::string(500, 'a'))).size;
    EXPECT_EQ(small, 21 + 8);  // version 1
    EXPECT_GT(large, small);
}

TEST(QrSvg, EncodesBytesIncludingNul) {
    EXPECT_NO_THROW(qr_svg(std::string("a\0b", 3)));
}

TEST(QrSvg, ThrowsWhenTheTextDoesNotFit) {
    // Version 40 at level M holds at most 2331 bytes.
    EXPECT_THROW(qr_svg(std::string(5000, 'x')), std::runtime_error);
}

}  // namespace
}  // namespace authd::otp
