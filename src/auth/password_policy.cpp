#include "auth/password_policy.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "i18n/keys.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::auth {

extern const std::string_view kCommonPasswordsText;  // generated from resources/

namespace {

constexpr std::size_t kInvalidUtf8 = SIZE_MAX;

using utf8::next_code_point;

std::optional<std::u32string> decode_utf8(std::string_view text) {
    std::u32string decoded;
    decoded.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const auto code_point = next_code_point(text, pos);
        if (!code_point) return std::nullopt;
        decoded.push_back(*code_point);
    }
    return decoded;
}

// The sum of the sizes of difflib's matching blocks: take the longest common block (the first
// one in `a`, then in `b`, as difflib's find_longest_match does), then repeat on both sides of it.
template <typename Char>
std::size_t matching_characters(std::span<const Char> a, std::span<const Char> b) {
    struct Range {
        std::size_t a_begin, a_end, b_begin, b_end;
    };
    std::size_t total = 0;
    std::vector<Range> pending{{0, a.size(), 0, b.size()}};
    // run_length[j + 1]: length of the common run ending at a[i], b[j] (one row per i).
    std::vector<std::size_t> previous_row(b.size() + 1);
    std::vector<std::size_t> current_row(b.size() + 1);
    while (!pending.empty()) {
        const Range range = pending.back();
        pending.pop_back();

        std::size_t best_a = range.a_begin;
        std::size_t best_b = range.b_begin;
        std::size_t best_size = 0;
        std::fill(previous_row.begin(), previous_row.end(), 0);
        for (std::size_t i = range.a_begin; i < range.a_end; ++i) {
            for (std::size_t j = range.b_begin; j < range.b_end; ++j) {
                const std::size_t run =
                    a[i] == b[j] ? (j > range.b_begin ? previous_row[j] : 0) + 1 : 0;
                current_row[j + 1] = run;
                // Strictly greater keeps the earliest block, like difflib.
                if (run > best_size) {
                    best_size = run;
                    best_a = i + 1 - run;
                    best_b = j + 1 - run;
                }
            }
            std::swap(previous_row, current_row);
        }
        if (best_size == 0) continue;
        total += best_size;
        if (range.a_begin < best_a && range.b_begin < best_b) {
            pending.push_back({range.a_begin, best_a, range.b_begin, best_b});
        }
        if (best_a + best_size < range.a_end && best_b + best_size < range.b_end) {
            pending.push_back({best_a + best_size, range.a_end, best_b + best_size, range.b_end});
        }
    }
    return total;
}

template <typename Char>
double ratio_of(std::span<const Char> a, std::span<const Char> b) {
    const std::size_t length = a.size() + b.size();
    if (length == 0) return 1.0;
    return 2.0 * static_cast<double>(matching_characters(a, b)) / static_cast<double>(length);
}

// ratio() can never exceed 2 * min / (len_a + len_b); skipping pairs whose bound is below the
// threshold is Django's shortcut made exact (Django's own version assumes max_similarity > 0.18).
template <typename Char>
bool ratio_at_least(std::span<const Char> a, std::span<const Char> b, double threshold) {
    const std::size_t length = a.size() + b.size();
    if (length > 0) {
        const double bound =
            2.0 * static_cast<double>(std::min(a.size(), b.size())) / static_cast<double>(length);
        if (bound < threshold) return false;
    }
    return ratio_of(a, b) >= threshold;
}

// Compares code points, as Python does on str; bytes if either side is not valid UTF-8.
bool similarity_at_least(std::string_view a, std::string_view b, double threshold) {
    const auto a_decoded = decode_utf8(a);
    const auto b_decoded = decode_utf8(b);
    if (a_decoded && b_decoded) {
        return ratio_at_least(std::span<const char32_t>(*a_decoded),
                              std::span<const char32_t>(*b_decoded), threshold);
    }
    return ratio_at_least(std::span<const char>(a), std::span<const char>(b), threshold);
}

// Python's str.isspace() for ASCII, which includes the separators 0x1C..0x1F.
bool is_ascii_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

std::string_view strip_ascii_space(std::string_view text) {
    while (!text.empty() && is_ascii_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_ascii_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Python's \w for ASCII; any byte of a multibyte character counts as a word character.
bool is_word_byte(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || byte == '_' || (byte >= '0' && byte <= '9') ||
           (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
}

// re.split(r"\W+", value): keeps the empty parts a leading or trailing separator leaves.
std::vector<std::string_view> split_on_non_word(std::string_view value) {
    std::vector<std::string_view> parts;
    std::size_t part_begin = 0;
    std::size_t pos = 0;
    while (pos < value.size()) {
        if (is_word_byte(value[pos])) {
            ++pos;
            continue;
        }
        parts.push_back(value.substr(part_begin, pos - part_begin));
        while (pos < value.size() && !is_word_byte(value[pos]))
            ++pos;
        part_begin = pos;
    }
    parts.push_back(value.substr(part_begin));
    return parts;
}

// Django's UserAttributeSimilarityValidator for one attribute.
bool too_similar(std::string_view lowered_password, std::string_view value, double threshold) {
    if (value.empty()) return false;
    const std::string lowered_value = text::ascii_lower(value);
    auto candidates = split_on_non_word(lowered_value);
    candidates.push_back(lowered_value);
    return std::any_of(candidates.begin(), candidates.end(), [&](std::string_view candidate) {
        return similarity_at_least(lowered_password, candidate, threshold);
    });
}

// Built once per process: every PasswordPolicy shares it, and it is read-only afterwards.
const std::unordered_set<std::string>& common_passwords() {
    static const std::unordered_set<std::string> passwords = [] {
        std::unordered_set<std::string> set;
        set.reserve(20000);
        std::string_view rest = kCommonPasswordsText;
        while (!rest.empty()) {
            const std::size_t end = rest.find('\n');
            const std::string_view line = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            const std::string_view entry = strip_ascii_space(line);
            if (!entry.empty()) set.insert(text::ascii_lower(entry));
        }
        return set;
    }();
    return passwords;
}

bool entirely_numeric(std::string_view password) {
    return !password.empty() && std::all_of(password.begin(), password.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

PasswordPolicy::PasswordPolicy(PasswordPolicyConfig config) : config_(config) {
    common_passwords();  // pay for building the set at start-up, not on the first request
}

std::vector<i18n::Message> PasswordPolicy::check(std::string_view password,
                                                 std::string_view username,
                                                 std::string_view email) const {
    namespace keys = i18n::keys;
    const std::size_t length = utf8_length(password);
    if (length == kInvalidUtf8) return {keys::password_invalid_utf8};

    std::vector<i18n::Message> messages;
    if (length < config_.min_length)
        messages.emplace_back(keys::password_too_short,
                              std::vector<i18n::Arg>{{"count", config_.min_length}});
    if (length > config_.max_length)
        messages.emplace_back(keys::password_too_long,
                              std::vector<i18n::Arg>{{"count", config_.max_length}});
    const std::string lowered = text::ascii_lower(password);
    if (common_passwords().contains(std::string(strip_ascii_space(lowered))))
        messages.emplace_back(keys::password_too_common);
    if (too_similar(lowered, username, config_.max_similarity))
        messages.emplace_back(keys::password_similar_to_username);
    if (too_similar(lowered, email, config_.max_similarity))
        messages.emplace_back(keys::password_similar_to_email);
    if (entirely_numeric(password)) messages.emplace_back(keys::password_entirely_numeric);
    return messages;
}

std::size_t utf8_length(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < text.size(); ++count) {
        if (!next_code_point(text, pos)) return kInvalidUtf8;
    }
    return count;
}

double similarity_ratio(std::string_view a, std::string_view b) {
    const auto a_decoded = decode_utf8(a);
    const auto b_decoded = decode_utf8(b);
    if (a_decoded && b_decoded) {
        return ratio_of(std::span<const char32_t>(*a_decoded),
                        std::span<const char32_t>(*b_decoded));
    }
    return ratio_of(std::span<const char>(a), std::span<const char>(b));
}

}  // namespace authd::auth
