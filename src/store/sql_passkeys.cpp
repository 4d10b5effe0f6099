// The passkeys and webauthn_challenges tables.
#include <string>

#include "store/passkeys.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kPasskeyColumns =
    "id, user_id, credential_id, user_handle, public_key, algorithm, sign_count, transports, "
    "aaguid, backup_eligible, backed_up, name, created_at, last_used_at";
const std::string kSelectPasskeysOfUser = std::string("SELECT ") + std::string(kPasskeyColumns) +
                                          " FROM passkeys WHERE user_id = $1"
                                          " ORDER BY created_at, id";
const std::string kSelectPasskey =
    std::string("SELECT ") + std::string(kPasskeyColumns) + " FROM passkeys WHERE id = $1";
const std::string kSelectPasskeyByCredential = std::string("SELECT ") +
                                               std::string(kPasskeyColumns) +
                                               " FROM passkeys WHERE credential_id = $1";
constexpr std::string_view kInsertPasskey =
    "INSERT INTO passkeys (id, user_id, credential_id, user_handle, public_key, algorithm, "
    "sign_count, transports, aaguid, backup_eligible, backed_up, name, created_at, last_used_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
constexpr std::string_view kRenamePasskey =
    "UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2";
constexpr std::string_view kDeletePasskey = "DELETE FROM passkeys WHERE id = $1 AND user_id = $2";
constexpr std::string_view kRecordPasskeyUse =
    "UPDATE passkeys SET sign_count = $3, backed_up = $4, last_used_at = $5 "
    "WHERE id = $1 AND sign_count = $2";

constexpr std::string_view kInsertChallenge =
    "INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, user_handle, ticket_hash, "
    "created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)";
const std::string kUseChallenge =
    "UPDATE webauthn_challenges SET used_at = $2 "
    "WHERE challenge_hash = $1 AND " +
    live_challenge_sql("$2");
constexpr std::string_view kSelectChallenge =
    "SELECT challenge_hash, purpose, user_id, user_handle, ticket_hash, created_at, expires_at, "
    "used_at FROM webauthn_challenges WHERE challenge_hash = $1";
constexpr std::string_view kDeleteExpiredChallenges =
    "DELETE FROM webauthn_challenges WHERE expires_at <= $1";

class PasskeyReader {
  public:
    explicit PasskeyReader(const Result& result) : PasskeyReader(ColumnFinder(result)) {}

    Passkey operator()(const Row& row) const {
        Passkey passkey;
        passkey.id = row.text(id_);
        passkey.user_id = row.text(user_id_);
        passkey.credential_id = row.text(credential_id_);
        passkey.user_handle = row.text(user_handle_);
        passkey.public_key = row.text(public_key_);
        passkey.algorithm = static_cast<int>(row.integer(algorithm_));
        passkey.sign_count = row.integer(sign_count_);
        passkey.transports = row.text(transports_);
        passkey.aaguid = row.text(aaguid_);
        passkey.backup_eligible = row.boolean(backup_eligible_);
        passkey.backed_up = row.boolean(backed_up_);
        passkey.name = row.text(name_);
        passkey.created_at = row.integer(created_at_);
        passkey.last_used_at = row.optional_integer(last_used_at_);
        return passkey;
    }

  private:
    explicit PasskeyReader(ColumnFinder find)
        : id_(find("id")),
          user_id_(find("user_id")),
          credential_id_(find("credential_id")),
          user_handle_(find("user_handle")),
          public_key_(find("public_key")),
          algorithm_(find("algorithm")),
          sign_count_(find("sign_count")),
          transports_(find("transports")),
          aaguid_(find("aaguid")),
          backup_eligible_(find("backup_eligible")),
          backed_up_(find("backed_up")),
          name_(find("name")),
          created_at_(find("created_at")),
          last_used_at_(find("last_used_at")) {}

    Column id_, user_id_, credential_id_, user_handle_, public_key_, algorithm_, sign_count_,
        transports_, aaguid_, backup_eligible_, backed_up_, name_, created_at_, last_used_at_;
};

class ChallengeReader {
  public:
    explicit ChallengeReader(const Result& result) : ChallengeReader(ColumnFinder(result)) {}

    WebauthnChallenge operator()(const Row& row) const {
        WebauthnChallenge challenge;
        challenge.challenge_hash = row.text(challenge_hash_);
        challenge.purpose = row.text(purpose_);
        challenge.user_id = row.optional_text(user_id_);
        challenge.user_handle = row.text(user_handle_);
        challenge.ticket_hash = row.text(ticket_hash_);
        challenge.created_at = row.integer(created_at_);
        challenge.expires_at = row.integer(expires_at_);
        challenge.used_at = row.optional_integer(used_at_);
        return challenge;
    }

  private:
    explicit ChallengeReader(ColumnFinder find)
        : challenge_hash_(find("challenge_hash")),
          purpose_(find("purpose")),
          user_id_(find("user_id")),
          user_handle_(find("user_handle")),
          ticket_hash_(find("ticket_hash")),
          created_at_(find("created_at")),
          expires_at_(find("expires_at")),
          used_at_(find("used_at")) {}

    Column challenge_hash_, purpose_, user_id_, user_handle_, ticket_hash_, created_at_,
        expires_at_, used_at_;
};

}  // namespace

std::vector<Passkey> Passkeys::of_user(const std::string& user_id) {
    return read_all<PasskeyReader>(db_.execute(kSelectPasskeysOfUser, {user_id}));
}

std::optional<Passkey> Passkeys::find(const std::string& id) {
    return read_first<PasskeyReader>(db_.execute(kSelectPasskey, {id}));
}

std::optional<Passkey> Passkeys::find_by_credential_id(const std::string& credential_id) {
    return read_first<PasskeyReader>(db_.execute(kSelectPasskeyByCredential, {credential_id}));
}

void Passkeys::insert(const Passkey& p) {
    try {
        db_.execute(kInsertPasskey,
                    {p.id, p.user_id, p.credential_id, p.user_handle, p.public_key,
                     std::int64_t{p.algorithm}, p.sign_count, p.transports, p.aaguid,
                     std::int64_t{p.backup_eligible}, std::int64_t{p.backed_up}, p.name,
                     p.created_at, optional_integer(p.last_used_at)});
    } catch (const UniqueViolation&) {
        throw Duplicate("credential_id");
    }
}

bool Passkeys::rename(const std::string& id, const std::string& user_id, const std::string& name) {
    return db_.execute(kRenamePasskey, {id, user_id, name}).affected == 1;
}

bool Passkeys::remove(const std::string& id, const std::string& user_id) {
    return db_.execute(kDeletePasskey, {id, user_id}).affected == 1;
}

bool Passkeys::record_use(const std::string& id, std::int64_t expected_sign_count,
                          std::int64_t sign_count, bool backed_up, std::int64_t at) {
    return db_.execute(kRecordPasskeyUse,
                       {id, expected_sign_count, sign_count, std::int64_t{backed_up}, at})
               .affected == 1;
}

void Passkeys::insert_challenge(const WebauthnChallenge& c) {
    db_.execute(kInsertChallenge, {c.challenge_hash, c.purpose, optional_text(c.user_id),
                                   c.user_handle, c.ticket_hash, c.created_at, c.expires_at});
}

std::optional<WebauthnChallenge> Passkeys::use_challenge(const std::string& challenge_hash,
                                                         std::int64_t now) {
    if (db_.execute(kUseChallenge, {challenge_hash, now}).affected != 1) return std::nullopt;
    return read_first<ChallengeReader>(db_.execute(kSelectChallenge, {challenge_hash}));
}

void Passkeys::delete_expired_challenges(std::int64_t before) {
    db_.execute(kDeleteExpiredChallenges, {before});
}

}  // namespace authd::store
