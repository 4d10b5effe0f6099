// The one_time_tokens table.
#include <string>

#include "store/one_time_tokens.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kInsertToken =
    "INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, expires_at, "
    "used_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)";
constexpr std::string_view kSelectToken =
    "SELECT token_hash, purpose, user_id, email, created_at, expires_at, used_at "
    "FROM one_time_tokens WHERE token_hash = $1";
const std::string kUseToken =
    "UPDATE one_time_tokens SET used_at = $2 WHERE token_hash = $1 AND " + live_token_sql("$2");
constexpr std::string_view kDeleteTokens =
    "DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2";

std::string_view purpose_name(TokenPurpose purpose) {
    return purpose == TokenPurpose::password_reset ? "password_reset" : "email_verification";
}

class TokenReader {
  public:
    explicit TokenReader(const Result& result) : TokenReader(ColumnFinder(result)) {}

    OneTimeToken operator()(const Row& row) const {
        OneTimeToken token;
        token.token_hash = row.text(token_hash_);
        token.purpose = row.text(purpose_) == "password_reset" ? TokenPurpose::password_reset
                                                               : TokenPurpose::email_verification;
        token.user_id = row.text(user_id_);
        token.email = row.text(email_);
        token.created_at = row.integer(created_at_);
        token.expires_at = row.integer(expires_at_);
        token.used_at = row.optional_integer(used_at_);
        return token;
    }

  private:
    explicit TokenReader(ColumnFinder find)
        : token_hash_(find("token_hash")),
          purpose_(find("purpose")),
          user_id_(find("user_id")),
          email_(find("email")),
          created_at_(find("created_at")),
          expires_at_(find("expires_at")),
          used_at_(find("used_at")) {}

    Column token_hash_, purpose_, user_id_, email_, created_at_, expires_at_, used_at_;
};

}  // namespace

void OneTimeTokens::insert(const OneTimeToken& t) {
    db_.execute(kInsertToken, {t.token_hash, std::string(purpose_name(t.purpose)), t.user_id,
                               t.email, t.created_at, t.expires_at});
}

std::optional<OneTimeToken> OneTimeTokens::find(const std::string& token_hash) {
    return read_first<TokenReader>(db_.execute(kSelectToken, {token_hash}));
}

bool OneTimeTokens::use(const std::string& token_hash, std::int64_t now) {
    return db_.execute(kUseToken, {token_hash, now}).affected == 1;
}

void OneTimeTokens::delete_of_user(const std::string& user_id, TokenPurpose purpose) {
    db_.execute(kDeleteTokens, {user_id, std::string(purpose_name(purpose))});
}

}  // namespace authd::store
