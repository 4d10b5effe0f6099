#pragma once
// The content of every message authd sends: a plain-text body and an HTML alternative, in
// English. Links arrive complete (built from AUTH_PUBLIC_URL by the caller).
#include <string>
#include <string_view>

#include "mail/message.h"

namespace authd::mail {

Email verification_email(std::string_view to, std::string_view username, std::string_view link);
Email password_reset_email(std::string_view to, std::string_view username, std::string_view link);
Email password_changed_notice(std::string_view to, std::string_view username);
Email password_reset_notice(std::string_view to, std::string_view username);
// To the old address, naming the new one.
Email email_changed_notice(std::string_view old_address, std::string_view username,
                           std::string_view new_address);
// With `json` attached as "authd-export-<username>.json" (application/json).
Email data_export_email(std::string_view to, std::string_view username, std::string_view json);

}  // namespace authd::mail
