#pragma once
// The few HTML pages authd serves (password reset, e-mail verification): complete, valid
// HTML5 documents readable on a phone, with labelled inputs and no external resources, so that
// the strict Content-Security-Policy below holds.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/language.h"

namespace authd::web {

// Every page is in `language` (the request's, else the user's: http/language.h).
// `GET password_reset/done/`: "check your mailbox". `lifetime` (seconds) is how long a reset
// link works, as configured; the same for `lifetime` below.
std::string reset_requested_page(i18n::Language language, std::int64_t lifetime);
// `GET reset/<uidb64>/<token>/`: the form (new password twice) posting back to the same URL
// (action=""), with the CSRF token in a hidden field named "csrf_token"; inputs named
// "new_password" and "new_password2". `errors` are shown above the form (field messages,
// already in `language`). `min_length`: the configured shortest password, stated in the hint.
std::string reset_form_page(i18n::Language language, std::string_view csrf_token,
                            const std::vector<std::string>& errors, std::size_t min_length);
// The link is invalid, used or expired.
std::string reset_invalid_page(i18n::Language language, std::int64_t lifetime);
// `GET reset/done/`: the password was changed.
std::string reset_done_page(i18n::Language language);
// `GET verify_email/<uidb64>/<token>/`: the address is confirmed, or the link is invalid.
std::string email_verified_page(i18n::Language language);
std::string email_verification_invalid_page(i18n::Language language, std::int64_t lifetime);

// The value of the Content-Security-Policy header the pages are made for.
std::string_view content_security_policy();

// `GET passkeys/demo`: a page to try passkeys with nothing else (in English: a tool for
// developers), its script inline; served with passkeys_demo_policy(), which allows that script,
// the client module from authd's own origin and calls to it.
std::string passkeys_demo_page();
std::string_view passkeys_demo_policy();
// `GET webauthn.js`: the browser client (resources/webauthn/webauthn.js).
std::string_view webauthn_client();

}  // namespace authd::web
