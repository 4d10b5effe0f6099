#pragma once
// The password rules of API.md, in one place: register, change and reset all call this.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "i18n/message.h"

namespace authd::auth {

struct PasswordPolicyConfig {
    std::size_t min_length = 12;   // Unicode code points
    std::size_t max_length = 128;  // Unicode code points
    double max_similarity = 0.7;   // SequenceMatcher-style ratio against username / e-mail parts
};

class PasswordPolicy {
  public:
    explicit PasswordPolicy(PasswordPolicyConfig config = {});

    // One message per broken rule, in a fixed order (empty: the password is acceptable):
    // password_too_short, password_too_long (both with the limit as "count"),
    // password_too_common, password_similar_to_username, password_similar_to_email,
    // password_entirely_numeric. Invalid UTF-8 gives password_invalid_utf8 alone.
    std::vector<i18n::Message> check(std::string_view password, std::string_view username,
                                     std::string_view email) const;

    const PasswordPolicyConfig& config() const { return config_; }

  private:
    PasswordPolicyConfig config_;
};

// Number of Unicode code points, or nullopt-like SIZE_MAX for invalid UTF-8.
std::size_t utf8_length(std::string_view text);

// difflib.SequenceMatcher(None, a, b).ratio() (without the autojunk heuristic).
double similarity_ratio(std::string_view a, std::string_view b);

}  // namespace authd::auth
