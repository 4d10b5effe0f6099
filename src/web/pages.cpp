#include "web/pages.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "crypto/base64url.h"
#include "i18n/catalog.h"
#include "i18n/keys.h"
#include "util/text.h"

namespace authd::web {

// Generated from resources/webauthn/ (CMakeLists.txt, embed_text).
extern const std::string_view kWebauthnClient;
extern const std::string_view kPasskeysDemoScript;

using i18n::duration_text;
using text::html_escape;
namespace {

// The only styling of every page. Its exact bytes are hashed into the CSP, so any change here
// changes the header too (computed at startup, never by hand).
constexpr std::string_view kStyle =
    "*,*::before,*::after{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;padding:1rem;background:#eef1f5;color:#1b2130;"
    "font:1.125rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\","
    "Arial,sans-serif}"
    "main{max-width:28rem;margin:2rem auto;padding:1.5rem 1.25rem;background:#fff;"
    "border:1px solid #d5dbe4;border-radius:.75rem}"
    "h1{margin:0 0 1rem;font-size:1.5rem;line-height:1.25}"
    "p{margin:0 0 1rem}"
    "p:last-child{margin-bottom:0}"
    ".hint{color:#4a5468;font-size:1rem}"
    ".errors{margin:0 0 1rem;padding:.75rem 1rem .75rem 2rem;color:#8a1111;"
    "background:#fdecec;border:1px solid #efb3b3;border-radius:.5rem}"
    "label{display:block;margin:1rem 0 .375rem;font-weight:600}"
    "input{display:block;width:100%;min-height:3rem;padding:.625rem .75rem;font:inherit;"
    "color:inherit;background:#fff;border:1px solid #8b94a5;border-radius:.5rem}"
    "input:focus,button:focus{outline:3px solid #7aa7f0;outline-offset:1px}"
    "button{display:block;width:100%;min-height:3rem;margin-top:1.5rem;padding:.75rem 1rem;"
    "font:inherit;font-weight:600;color:#fff;background:#1f5fd1;border:0;"
    "border-radius:.5rem;cursor:pointer}"
    "button:hover{background:#184caa}"
    "[hidden]{display:none!important}";

std::string base64_sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return crypto::base64_encode(digest, digest_length);
}

// A complete document around `content` (already HTML). The referrer policy keeps the token in
// a reset URL from leaking should the user follow a link elsewhere.
std::string document(i18n::Language language, std::string_view title, std::string_view content) {
    std::string html;
    html.reserve(kStyle.size() + content.size() + 512);
    html += "<!DOCTYPE html>\n<html lang=\"";
    html += i18n::code(language);
    html += "\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    html += "<meta name=\"robots\" content=\"noindex\">\n";
    html += "<title>";
    html += html_escape(title);
    html += "</title>\n<style>";
    html += kStyle;
    html += "</style>\n</head>\n<body>\n<main>\n<h1>";
    html += html_escape(title);
    html += "</h1>\n";
    html += content;
    html += "</main>\n</body>\n</html>\n";
    return html;
}

// The page's texts in one language: escaped for HTML, or plain (a title, escaped later).
struct Words {
    i18n::Language language;
    std::string operator()(const i18n::Message& message) const {
        return html_escape(plain(message));
    }
    std::string plain(const i18n::Message& message) const {
        return i18n::translate(language, message);
    }
};

}  // namespace

std::string_view content_security_policy() {
    static const std::string policy =
        "default-src 'none'; style-src 'sha256-" + base64_sha256(kStyle) +
        "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    return policy;
}

std::string reset_requested_page(i18n::Language language, std::int64_t lifetime) {
    const Words words{language};
    const std::string content =
        "<p>" +
        words(i18n::Message(i18n::keys::page_reset_requested_text,
                            {{"duration", duration_text(language, lifetime)}})) +
        "</p>\n<p class=\"hint\">" + words(i18n::keys::page_reset_requested_hint) + "</p>\n";
    return document(language, words.plain(i18n::keys::page_reset_requested_title), content);
}

std::string reset_form_page(i18n::Language language, std::string_view csrf_token,
                            const std::vector<std::string>& errors, std::size_t min_length) {
    const Words words{language};
    std::string content;
    if (!errors.empty()) {
        content += "<ul class=\"errors\" role=\"alert\">\n";
        for (const std::string& error : errors) {
            content += "<li>" + html_escape(error) + "</li>\n";
        }
        content += "</ul>\n";
    }
    // No minlength: the length rule is server configuration, enforced (and reported) there.
    content += "<p class=\"hint\" id=\"password_rules\">" +
               words(i18n::Message(i18n::keys::page_reset_form_hint, {{"count", min_length}})) +
               "</p>\n"
               "<form method=\"post\" action=\"\">\n"
               "<input type=\"hidden\" name=\"csrf_token\" value=\"" +
               html_escape(csrf_token) +
               "\">\n"
               "<label for=\"new_password\">" +
               words(i18n::keys::page_reset_form_new_password) +
               "</label>\n"
               "<input type=\"password\" id=\"new_password\" name=\"new_password\" "
               "autocomplete=\"new-password\" aria-describedby=\"password_rules\" required>\n"
               "<label for=\"new_password2\">" +
               words(i18n::keys::page_reset_form_new_password_again) +
               "</label>\n"
               "<input type=\"password\" id=\"new_password2\" name=\"new_password2\" "
               "autocomplete=\"new-password\" required>\n"
               "<button type=\"submit\">" +
               words(i18n::keys::page_reset_form_submit) +
               "</button>\n"
               "</form>\n";
    return document(language, words.plain(i18n::keys::page_reset_form_title), content);
}

std::string reset_invalid_page(i18n::Language language, std::int64_t lifetime) {
    const Words words{language};
    const std::string content =
        "<p>" +
        words(i18n::Message(i18n::keys::page_reset_invalid_text,
                            {{"duration", duration_text(language, lifetime)}})) +
        "</p>\n<p>" + words(i18n::keys::page_reset_invalid_next) + "</p>\n";
    return document(language, words.plain(i18n::keys::page_reset_invalid_title), content);
}

std::string reset_done_page(i18n::Language language) {
    const Words words{language};
    return document(language, words.plain(i18n::keys::page_reset_done_title),
                    "<p>" + words(i18n::keys::page_reset_done_text) + "</p>\n");
}

std::string email_verified_page(i18n::Language language) {
    const Words words{language};
    return document(language, words.plain(i18n::keys::page_email_verified_title),
                    "<p>" + words(i18n::keys::page_email_verified_text) + "</p>\n");
}

std::string email_verification_invalid_page(i18n::Language language, std::int64_t lifetime) {
    const Words words{language};
    const std::string content =
        "<p>" +
        words(i18n::Message(i18n::keys::page_verification_invalid_text,
                            {{"duration", duration_text(language, lifetime)}})) +
        "</p>\n<p>" + words(i18n::keys::page_verification_invalid_next) + "</p>\n";
    return document(language, words.plain(i18n::keys::page_verification_invalid_title), content);
}

std::string passkeys_demo_page() {
    std::string content =
        "<p id=\"status\" role=\"status\">Loading\u2026</p>\n"
        "<p id=\"error\" class=\"errors\" role=\"alert\" hidden></p>\n"
        "<section id=\"anonymous\" hidden>\n"
        "<button type=\"button\" id=\"passkey-login\">Log in with a passkey</button>\n"
        "<label for=\"username\">Username or e-mail</label>\n"
        "<input id=\"username\" autocomplete=\"username webauthn\">\n"
        "<label for=\"password\">Password</label>\n"
        "<input id=\"password\" type=\"password\" autocomplete=\"current-password\">\n"
        "<button type=\"button\" id=\"password-login\">Log in with the password</button>\n"
        "</section>\n"
        "<section id=\"second-factor\" hidden>\n"
        "<button type=\"button\" id=\"second-factor-passkey\">Use a passkey</button>\n"
        "<label for=\"otp-code\">Code</label>\n"
        "<input id=\"otp-code\" inputmode=\"numeric\" autocomplete=\"one-time-code\">\n"
        "<button type=\"button\" id=\"otp-submit\">Send the code</button>\n"
        "</section>\n"
        "<section id=\"account\" hidden>\n"
        "<ul id=\"passkeys\"></ul>\n"
        "<label for=\"passkey-name\">Name of a new passkey</label>\n"
        "<input id=\"passkey-name\" value=\"Passkey\">\n"
        "<label for=\"current-password\">Password (when the login is not recent)</label>\n"
        "<input id=\"current-password\" type=\"password\" autocomplete=\"current-password\">\n"
        "<button type=\"button\" id=\"add-passkey\">Add a passkey</button>\n"
        "<button type=\"button\" id=\"logout\">Log out</button>\n"
        "</section>\n"
        "<script type=\"module\">";
    content += kPasskeysDemoScript;
    content += "</script>\n";
    return document(i18n::Language::en, "Passkeys", content);
}

std::string_view passkeys_demo_policy() {
    static const std::string policy =
        "default-src 'none'; script-src 'self' 'sha256-" + base64_sha256(kPasskeysDemoScript) +
        "'; connect-src 'self'; style-src 'sha256-" + base64_sha256(kStyle) +
        "'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
    return policy;
}

std::string_view webauthn_client() {
    return kWebauthnClient;
}

}  // namespace authd::web
