// The totp_devices and recovery_codes tables.
#include <string>

#include "store/second_factors.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kTotpColumns =
    "id, user_id, secret_sealed, digits, step, t0, created_at, confirmed_at, last_used_step, "
    "drift";
const std::string kSelectTotpDevices = std::string("SELECT ") + std::string(kTotpColumns) +
                                       " FROM totp_devices WHERE user_id = $1"
                                       " ORDER BY created_at, id";
const std::string kSelectTotpDevice =
    std::string("SELECT ") + std::string(kTotpColumns) + " FROM totp_devices WHERE id = $1";
constexpr std::string_view kInsertTotpDevice =
    "INSERT INTO totp_devices (id, user_id, secret_sealed, digits, step, t0, created_at, "
    "confirmed_at, last_used_step, drift) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr std::string_view kDeleteTotpDevice = "DELETE FROM totp_devices WHERE id = $1";
constexpr std::string_view kDeleteUnconfirmedTotp =
    "DELETE FROM totp_devices WHERE user_id = $1 AND confirmed_at IS NULL";
constexpr std::string_view kDeleteAllTotp = "DELETE FROM totp_devices WHERE user_id = $1";
constexpr std::string_view kUseTotpStep =
    "UPDATE totp_devices SET last_used_step = $2 "
    "WHERE id = $1 AND (last_used_step IS NULL OR last_used_step < $2)";
constexpr std::string_view kConfirmTotp =
    "UPDATE totp_devices SET confirmed_at = $2 WHERE id = $1 AND confirmed_at IS NULL";
constexpr std::string_view kDeleteOtherConfirmedTotp =
    "DELETE FROM totp_devices WHERE user_id = $1 AND id <> $2 AND confirmed_at IS NOT NULL";

constexpr std::string_view kSelectUnusedRecoveryCodes =
    "SELECT id, user_id, code_hash, created_at, used_at FROM recovery_codes "
    "WHERE user_id = $1 AND used_at IS NULL ORDER BY id";
constexpr std::string_view kDeleteRecoveryCodes = "DELETE FROM recovery_codes WHERE user_id = $1";
constexpr std::string_view kInsertRecoveryCode =
    "INSERT INTO recovery_codes (id, user_id, code_hash, created_at, used_at) "
    "VALUES ($1, $2, $3, $4, NULL)";
constexpr std::string_view kUseRecoveryCode =
    "UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL";

class TotpDeviceReader {
  public:
    explicit TotpDeviceReader(const Result& result) : TotpDeviceReader(ColumnFinder(result)) {}

    TotpDevice operator()(const Row& row) const {
        TotpDevice device;
        device.id = row.text(id_);
        device.user_id = row.text(user_id_);
        device.secret_sealed = row.text(secret_sealed_);
        device.digits = static_cast<int>(row.integer(digits_));
        device.step = row.integer(step_);
        device.t0 = row.integer(t0_);
        device.created_at = row.integer(created_at_);
        device.confirmed_at = row.optional_integer(confirmed_at_);
        device.last_used_step = row.optional_integer(last_used_step_);
        device.drift = row.integer(drift_);
        return device;
    }

  private:
    explicit TotpDeviceReader(ColumnFinder find)
        : id_(find("id")),
          user_id_(find("user_id")),
          secret_sealed_(find("secret_sealed")),
          digits_(find("digits")),
          step_(find("step")),
          t0_(find("t0")),
          created_at_(find("created_at")),
          confirmed_at_(find("confirmed_at")),
          last_used_step_(find("last_used_step")),
          drift_(find("drift")) {}

    Column id_, user_id_, secret_sealed_, digits_, step_, t0_, created_at_, confirmed_at_,
        last_used_step_, drift_;
};

class RecoveryCodeReader {
  public:
    explicit RecoveryCodeReader(const Result& result) : RecoveryCodeReader(ColumnFinder(result)) {}

    RecoveryCode operator()(const Row& row) const {
        RecoveryCode code;
        code.id = row.text(id_);
        code.user_id = row.text(user_id_);
        code.code_hash = row.text(code_hash_);
        code.created_at = row.integer(created_at_);
        code.used_at = row.optional_integer(used_at_);
        return code;
    }

  private:
    explicit RecoveryCodeReader(ColumnFinder find)
        : id_(find("id")),
          user_id_(find("user_id")),
          code_hash_(find("code_hash")),
          created_at_(find("created_at")),
          used_at_(find("used_at")) {}

    Column id_, user_id_, code_hash_, created_at_, used_at_;
};

}  // namespace

std::vector<TotpDevice> SecondFactors::totp_devices(const std::string& user_id) {
    return read_all<TotpDeviceReader>(db_.execute(kSelectTotpDevices, {user_id}));
}

std::optional<TotpDevice> SecondFactors::totp_device(const std::string& device_id) {
    return read_first<TotpDeviceReader>(db_.execute(kSelectTotpDevice, {device_id}));
}

void SecondFactors::insert_totp_device(const TotpDevice& d) {
    db_.execute(kInsertTotpDevice, {d.id, d.user_id, d.secret_sealed, std::int64_t{d.digits},
                                    d.step, d.t0, d.created_at, optional_integer(d.confirmed_at),
                                    optional_integer(d.last_used_step), d.drift});
}

void SecondFactors::delete_totp_devices(const std::string& user_id, bool unconfirmed_only) {
    db_.execute(unconfirmed_only ? kDeleteUnconfirmedTotp : kDeleteAllTotp, {user_id});
}

void SecondFactors::delete_totp_device(const std::string& device_id) {
    db_.execute(kDeleteTotpDevice, {device_id});
}

bool SecondFactors::use_totp_step(const std::string& device_id, std::int64_t step) {
    return db_.execute(kUseTotpStep, {device_id, step}).affected == 1;
}

void SecondFactors::confirm_totp_device(const std::string& device_id, std::int64_t at) {
    db_.execute(kConfirmTotp, {device_id, at});
}

void SecondFactors::delete_other_confirmed_totp(const std::string& user_id,
                                                const std::string& kept_device_id) {
    db_.execute(kDeleteOtherConfirmedTotp, {user_id, kept_device_id});
}

std::vector<RecoveryCode> SecondFactors::unused_recovery_codes(const std::string& user_id) {
    return read_all<RecoveryCodeReader>(db_.execute(kSelectUnusedRecoveryCodes, {user_id}));
}

void SecondFactors::replace_recovery_codes(const std::string& user_id,
                                           const std::vector<RecoveryCode>& codes) {
    db_.execute(kDeleteRecoveryCodes, {user_id});
    for (const RecoveryCode& code : codes)
        db_.execute(kInsertRecoveryCode, {code.id, user_id, code.code_hash, code.created_at});
}

bool SecondFactors::use_recovery_code(const std::string& id, std::int64_t at) {
    return db_.execute(kUseRecoveryCode, {id, at}).affected == 1;
}

}  // namespace authd::store
