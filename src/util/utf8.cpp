#include "util/utf8.h"

namespace authd::utf8 {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct Decoded {
    std::optional<char32_t> code_point;  // nullopt: ill-formed
    std::size_t length = 1;  // bytes read: the character, or the maximal ill-formed subpart
};

Decoded decode(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) return {lead, 1};
    std::size_t continuation_count = 0;
    char32_t code_point = 0;
    // The second byte's range is what rules out overlongs, surrogates and values past U+10FFFF.
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        continuation_count = 1;
        code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        continuation_count = 2;
        code_point = lead & 0x0F;
        if (lead == 0xE0) second_min = 0xA0;
        if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        continuation_count = 3;
        code_point = lead & 0x07;
        if (lead == 0xF0) second_min = 0x90;
        if (lead == 0xF4) second_max = 0x8F;
    } else {
        return {std::nullopt, 1};  // a stray continuation byte, C0/C1 or F5..FF
    }
    for (std::size_t i = 1; i <= continuation_count; ++i) {
        // Truncated or interrupted: what was read so far is one ill-formed subpart.
        if (pos + i >= text.size()) return {std::nullopt, i};
        const unsigned char next = byte(pos + i);
        const unsigned char min = i == 1 ? second_min : 0x80;
        const unsigned char max = i == 1 ? second_max : 0xBF;
        if (next < min || next > max) return {std::nullopt, i};
        code_point = (code_point << 6) | (next & 0x3F);
    }
    return {code_point, continuation_count + 1};
}

}  // namespace

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos) {
    const Decoded decoded = decode(text, pos);
    if (decoded.code_point) pos += decoded.length;
    return decoded.code_point;
}

bool is_valid(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();)
        if (!next_code_point(text, pos)) return false;
    return true;
}

std::string repaired(std::string_view text) {
    if (is_valid(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t pos = 0; pos < text.size();) {
        const Decoded decoded = decode(text, pos);
        if (decoded.code_point)
            out.append(text.substr(pos, decoded.length));
        else
            out.append(kReplacement);
        pos += decoded.length;
    }
    return out;
}

std::string_view prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Back to the start of the character that the cut would split (at most 3 bytes back).
    for (std::size_t back = 0;
         back < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++back)
        --end;
    return text.substr(0, end);
}

std::string cleaned(std::string_view text, std::size_t max_bytes) {
    const std::string valid = repaired(text);
    return std::string(prefix(valid, max_bytes));
}

}  // namespace authd::utf8
