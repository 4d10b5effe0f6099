#include "auth/links.h"

#include "auth/secrets.h"
#include "crypto/base64url.h"
#include "util/text.h"

namespace authd::auth {
namespace {
constexpr std::size_t kTokenBytes = 32;
}  // namespace

OneTimeLinks::OneTimeLinks(std::string public_url, const Clock& clock, Random& random)
    : public_url_(std::move(public_url)), clock_(clock), random_(random) {}

std::string OneTimeLinks::create(store::Transaction& tx, store::TokenPurpose purpose,
                                 const store::User& user, std::int64_t lifetime,
                                 std::string_view route) {
    const std::string token = random_.token(kTokenBytes);
    store::OneTimeToken row;
    row.token_hash = hash_identifier(token);
    row.purpose = purpose;
    row.user_id = user.id;
    row.email = user.email;
    row.created_at = clock_.now();
    row.expires_at = row.created_at + lifetime;
    tx.one_time_tokens().insert(row);
    return public_url_ + "/api/auth/" + std::string(route) + "/" +
           crypto::base64url_encode(user.id) + "/" + token + "/";
}

std::optional<store::User> OneTimeLinks::check(store::Transaction& tx, store::TokenPurpose purpose,
                                               std::string_view uidb64, std::string_view token) {
    const auto user_id = parse_link(uidb64, token);
    if (!user_id) return std::nullopt;
    const auto row = tx.one_time_tokens().find(hash_identifier(token));
    if (!row || row->purpose != purpose || row->user_id != *user_id ||
        !store::live(*row, clock_.now()))
        return std::nullopt;
    auto user = tx.users().find_by_id(row->user_id);
    if (!user || !user->is_active ||
        text::ascii_lower(user->email) != text::ascii_lower(row->email))
        return std::nullopt;
    return user;
}

std::optional<store::User> OneTimeLinks::use(store::Transaction& tx, store::TokenPurpose purpose,
                                             std::string_view uidb64, std::string_view token) {
    auto user = check(tx, purpose, uidb64, token);
    if (!user || !tx.one_time_tokens().use(hash_identifier(token), clock_.now()))
        return std::nullopt;
    return user;
}

}  // namespace authd::auth
