#pragma once
// Every message authd shows a person, by name. Each name is a key of the catalogues
// resources/i18n/<language>.json; the unit test tests/unit/i18n/catalog_test.cpp checks that every
// catalogue has exactly these keys, so code can only name messages that exist in every language.
#include <array>

#include "i18n/message.h"

// X(name): the constant i18n::keys::name, whose catalogue key is "name".
#define AUTHD_I18N_KEYS(X)                  \
    /* Framework answers (http/) */         \
    X(not_found)                            \
    X(method_not_allowed)                   \
    X(payload_too_large)                    \
    X(headers_too_large)                    \
    X(malformed_request)                    \
    X(host_header_invalid)                  \
    X(transfer_coding_not_implemented)      \
    X(internal_error)                       \
    X(server_busy)                          \
    X(cors_forbidden)                       \
    X(database_unavailable)                 \
    X(database_unavailable_retry)           \
    X(unsupported_media_type)               \
    X(unsupported_content_encoding)         \
    X(json_parse_error)                     \
    X(malformed_form)                       \
    X(no_data_provided)                     \
    X(expected_object)                      \
    /* Body fields */                       \
    X(field_required)                       \
    X(field_null)                           \
    X(field_not_string)                     \
    X(field_blank)                          \
    X(field_not_boolean)                    \
    X(field_not_object)                     \
    X(field_unknown)                        \
    X(null_characters)                      \
    X(text_not_utf8)                        \
    X(invalid_choice)                       \
    /* Credentials and tokens */            \
    X(not_authenticated)                    \
    X(token_not_valid)                      \
    X(token_invalid_or_expired)             \
    X(login_failed)                         \
    X(invalid_credentials)                  \
    X(permission_denied)                    \
    X(reauthentication_required)            \
    X(password_incorrect)                   \
    X(old_password_incorrect)               \
    X(throttled)                            \
    /* The platform's services */           \
    X(platform_refused)                     \
    X(platform_unavailable)                 \
    X(username_change_refused)              \
    X(account_deletion_refused)             \
    X(change_in_progress)                   \
    X(export_service_unavailable)           \
    /* Account fields */                    \
    X(username_too_long)                    \
    X(username_invalid)                     \
    X(username_reserved)                    \
    X(username_taken)                       \
    X(email_too_long)                       \
    X(email_invalid)                        \
    X(email_taken)                          \
    X(passwords_do_not_match)               \
    X(password_not_here)                    \
    X(password_too_short)                   \
    X(password_too_long)                    \
    X(password_too_common)                  \
    X(password_similar_to_username)         \
    X(password_similar_to_email)            \
    X(password_entirely_numeric)            \
    X(password_invalid_utf8)                \
    X(two_fa_fields_disagree)               \
    X(verify_email_before_two_fa)           \
    /* Two-factor authentication */         \
    X(two_fa_required)                      \
    X(ticket_invalid)                       \
    X(code_invalid)                         \
    X(code_invalid_for_new_app)             \
    X(no_pending_app)                       \
    X(no_authenticator_app)                 \
    X(no_verified_email_for_code)           \
    X(otp_send_choice)                      \
    X(otp_code_or_send)                     \
    X(login_code_sent)                      \
    X(authenticator_confirmed)              \
    /* Passkeys */                          \
    X(passkey_refused)                      \
    X(passkey_challenge_invalid)            \
    X(passkey_already_registered)           \
    X(passkey_limit_reached)                \
    X(passkey_name_too_long)                \
    X(passkey_name_invalid)                 \
    X(no_passkey_for_ticket)                \
    X(passkey_unknown)                      \
    X(passkey_not_verified)                 \
    X(passkey_counter_regressed)            \
    X(last_passkey_without_password)        \
    X(password_removal_needs_passkey_login) \
    X(password_removal_needs_passkey)       \
    /* E-mail flows (JSON answers) */       \
    X(password_reset_sent)                  \
    X(reset_link_valid)                     \
    X(reset_link_invalid)                   \
    X(password_reset_complete)              \
    X(csrf_failed)                          \
    X(email_verified)                       \
    X(verification_link_invalid)            \
    X(email_already_verified)               \
    X(verification_sent)                    \
    X(data_export_queued)                   \
    /* Durations in running text */         \
    X(duration_hours)                       \
    X(duration_minutes)                     \
    X(duration_seconds)                     \
    /* HTML pages (web/pages.cpp) */        \
    X(page_reset_requested_title)           \
    X(page_reset_requested_text)            \
    X(page_reset_requested_hint)            \
    X(page_reset_form_title)                \
    X(page_reset_form_hint)                 \
    X(page_reset_form_new_password)         \
    X(page_reset_form_new_password_again)   \
    X(page_reset_form_submit)               \
    X(page_reset_invalid_title)             \
    X(page_reset_invalid_text)              \
    X(page_reset_invalid_next)              \
    X(page_reset_done_title)                \
    X(page_reset_done_text)                 \
    X(page_email_verified_title)            \
    X(page_email_verified_text)             \
    X(page_verification_invalid_title)      \
    X(page_verification_invalid_text)       \
    X(page_verification_invalid_next)       \
    /* E-mails (mail/templates.cpp) */      \
    X(mail_greeting)                        \
    X(mail_if_not_you)                      \
    X(mail_verification_subject)            \
    X(mail_verification_text)               \
    X(mail_verification_expiry)             \
    X(mail_reset_subject)                   \
    X(mail_reset_text)                      \
    X(mail_reset_expiry)                    \
    X(mail_password_changed_subject)        \
    X(mail_password_changed_text)           \
    X(mail_password_reset_subject)          \
    X(mail_password_reset_text)             \
    X(mail_email_changed_subject)           \
    X(mail_email_changed_text)              \
    X(mail_export_subject)                  \
    X(mail_export_text)                     \
    X(mail_export_warning)                  \
    X(mail_export_unavailable)              \
    X(mail_login_code_subject)              \
    X(mail_login_code_text)                 \
    X(mail_login_code_expiry)               \
    X(mail_two_fa_on_subject)               \
    X(mail_two_fa_on_text)                  \
    X(mail_two_fa_off_subject)              \
    X(mail_two_fa_off_text)                 \
    X(mail_authenticator_removed_subject)   \
    X(mail_authenticator_added_subject)     \
    X(mail_authenticator_added_text)        \
    X(mail_authenticator_added_action)      \
    X(mail_authenticator_removed_text)      \
    X(mail_recovery_code_used_subject)      \
    X(mail_recovery_code_used_text)         \
    X(mail_passkey_added_subject)           \
    X(mail_passkey_added_text)              \
    X(mail_passkey_added_action)            \
    X(mail_passkey_removed_subject)         \
    X(mail_passkey_removed_text)            \
    X(mail_password_removed_subject)        \
    X(mail_password_removed_text)

namespace authd::i18n {

namespace keys {
#define AUTHD_I18N_DEFINE_KEY(name) inline constexpr Key name = detail::KeyFactory::make(#name);
AUTHD_I18N_KEYS(AUTHD_I18N_DEFINE_KEY)
#undef AUTHD_I18N_DEFINE_KEY
}  // namespace keys

#define AUTHD_I18N_LIST_KEY(name) keys::name,
// Every key, in the order above.
inline constexpr std::array all_keys = {AUTHD_I18N_KEYS(AUTHD_I18N_LIST_KEY)};
#undef AUTHD_I18N_LIST_KEY

// Sentences that existing clients compare literally (API.md): they stay in English in every
// catalogue, and the unit test checks that they do.
inline constexpr std::array untranslated_keys = {
    keys::login_failed,       // the failed login's exact body: the front end compares it
    keys::username_taken,     // recognised by the front end (Django's sentence)
    keys::username_too_long,  // recognised by the front end (Django's sentence)
};

}  // namespace authd::i18n
