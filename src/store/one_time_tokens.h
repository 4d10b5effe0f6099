#pragma once
// The hashes of the links sent by e-mail: password reset, address verification (the
// one_time_tokens table).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/repository.h"

namespace authd::store {

enum class TokenPurpose { password_reset, email_verification };

struct OneTimeToken {
    std::string token_hash;
    TokenPurpose purpose = TokenPurpose::password_reset;
    std::string user_id;
    std::string email;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

// Whether the link is live at `now`: not used and not expired.
inline bool live(const OneTimeToken& token, std::int64_t now) {
    return !token.used_at && now < token.expires_at;
}
// The same condition in SQL, for the statement that spends a link; `now` is the statement's
// parameter that holds the time ("$2"). A unit test holds the two together.
inline std::string live_token_sql(std::string_view now) {
    return "used_at IS NULL AND expires_at > " + std::string(now);
}

class OneTimeTokens : public Repository {
  public:
    using Repository::Repository;

    void insert(const OneTimeToken& token);
    std::optional<OneTimeToken> find(const std::string& token_hash);
    // Marks the token used if it is live at `now`; returns whether it did (of concurrent uses,
    // one wins).
    bool use(const std::string& token_hash, std::int64_t now);
    void delete_of_user(const std::string& user_id, TokenPurpose purpose);
};

}  // namespace authd::store
