#pragma once
// The password rules of API.md, in one place: register, change and reset all call this.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

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
    //  "This password is too short. It must contain at least 12 characters."
    //  "This password is too long. It must contain at most 128 characters."
    //  "This password is too common."
    //  "The password is too similar to the username."
    //  "The password is too similar to the email address."
    //  "This password is entirely numeric."
    // Invalid UTF-8 gives "The password is not valid UTF-8." alone.
    std::vector<std::string> check(std::string_view password, std::string_view username,
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
