#pragma once
// The content of every message authd sends: a plain-text body and an HTML alternative, in the
// recipient's language. Links arrive complete (built from AUTH_PUBLIC_URL by the caller).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/language.h"
#include "mail/message.h"

namespace authd::mail {

// Each message is in `language`: the recipient's (store::User::lang).
// `lifetime`: how long the link works, in seconds (stated in the text).
Email verification_email(i18n::Language language, std::string_view to, std::string_view username,
                         std::string_view link, std::int64_t lifetime);
Email password_reset_email(i18n::Language language, std::string_view to, std::string_view username,
                           std::string_view link, std::int64_t lifetime);
Email password_changed_notice(i18n::Language language, std::string_view to,
                              std::string_view username);
Email password_reset_notice(i18n::Language language, std::string_view to,
                            std::string_view username);
// To the old address, naming the new one.
Email email_changed_notice(i18n::Language language, std::string_view old_address,
                           std::string_view username, std::string_view new_address);
// A second-factor code for a login; `minutes` is how long it works.
Email login_code_email(i18n::Language language, std::string_view to, std::string_view username,
                       std::string_view code, std::int64_t minutes);
Email two_factor_enabled_notice(i18n::Language language, std::string_view to,
                                std::string_view username);
Email two_factor_disabled_notice(i18n::Language language, std::string_view to,
                                 std::string_view username);
// An app was confirmed: when (ISO 8601 UTC), from which address and client.
Email authenticator_added_notice(i18n::Language language, std::string_view to,
                                 std::string_view username, std::string_view time,
                                 std::string_view address, std::string_view client);
Email authenticator_removed_notice(i18n::Language language, std::string_view to,
                                   std::string_view username);
// A passkey named `name` was added: when (ISO 8601 UTC), from which address and client.
Email passkey_added_notice(i18n::Language language, std::string_view to, std::string_view username,
                           std::string_view name, std::string_view time, std::string_view address,
                           std::string_view client);
Email passkey_removed_notice(i18n::Language language, std::string_view to,
                             std::string_view username, std::string_view name);
Email password_removed_notice(i18n::Language language, std::string_view to,
                              std::string_view username);
// `remaining`: unused recovery codes left.
Email recovery_code_used_notice(i18n::Language language, std::string_view to,
                                std::string_view username, int remaining);
// With `json` attached as "authd-export-<username>.json" (application/json). `unavailable`
// names the data that could not be gathered (services that could not be reached).
Email data_export_email(i18n::Language language, std::string_view to, std::string_view username,
                        std::string_view json, const std::vector<std::string>& unavailable = {});

}  // namespace authd::mail
