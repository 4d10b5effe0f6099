#pragma once
// Authenticator apps and recovery codes (the totp_devices and recovery_codes tables).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct TotpDevice {
    std::string id;
    std::string user_id;
    std::string secret_sealed;  // encrypted; see otp/sealed_box.h
    int digits = 6;
    std::int64_t step = 30;
    std::int64_t t0 = 0;
    std::int64_t drift = 0;  // steps the app's clock is off: codes are looked for at now + drift
    std::int64_t created_at = 0;
    std::optional<std::int64_t> confirmed_at;
    std::optional<std::int64_t> last_used_step;
};

struct RecoveryCode {
    std::string id;
    std::string user_id;
    std::string code_hash;  // a password hash (PHC string)
    std::int64_t created_at = 0;
    std::optional<std::int64_t> used_at;
};

class SecondFactors : public Repository {
  public:
    using Repository::Repository;

    // The user's apps, oldest first.
    std::vector<TotpDevice> totp_devices(const std::string& user_id);
    std::optional<TotpDevice> totp_device(const std::string& device_id);
    void insert_totp_device(const TotpDevice& device);
    // Removes the user's apps: the unconfirmed ones only, or all.
    void delete_totp_devices(const std::string& user_id, bool unconfirmed_only);
    void delete_totp_device(const std::string& device_id);
    // Records `step` as used if no later or equal step was (of concurrent uses of one code, one
    // wins). Returns whether it did.
    bool use_totp_step(const std::string& device_id, std::int64_t step);
    // Sets when the app was confirmed, unless it was already.
    void confirm_totp_device(const std::string& device_id, std::int64_t at);
    // Deletes the user's confirmed apps but `kept_device_id`.
    void delete_other_confirmed_totp(const std::string& user_id, const std::string& kept_device_id);

    std::vector<RecoveryCode> unused_recovery_codes(const std::string& user_id);
    // Replaces every recovery code of the user.
    void replace_recovery_codes(const std::string& user_id, const std::vector<RecoveryCode>& codes);
    // Marks the code used if it was not; returns whether it did.
    bool use_recovery_code(const std::string& id, std::int64_t at);
};

}  // namespace authd::store
