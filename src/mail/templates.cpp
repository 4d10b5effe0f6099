#include "mail/templates.h"

#include <algorithm>
#include <vector>

#include "i18n/catalog.h"
#include "i18n/keys.h"
#include "util/text.h"

namespace authd::mail {
namespace {

// RFC 5322 recommends lines of at most 78 characters.
constexpr std::size_t kMaxLineLength = 78;

// One paragraph of a message. Links are kept whole on a line of their own, so that mail
// clients can make them clickable and copying them stays easy.
struct Block {
    std::string text;
    bool is_link = false;
};

// Word-wraps `paragraph` at kMaxLineLength. A single word longer than that (a very long
// address) stays whole on its own line rather than being cut.
std::string wrap(std::string_view paragraph) {
    std::string wrapped;
    std::size_t line_length = 0;
    std::size_t position = 0;
    while (position < paragraph.size()) {
        const std::size_t end = std::min(paragraph.find(' ', position), paragraph.size());
        const std::string_view word = paragraph.substr(position, end - position);
        position = end + 1;
        if (word.empty()) continue;
        if (line_length > 0 && line_length + 1 + word.size() > kMaxLineLength) {
            wrapped += '\n';
            line_length = 0;
        } else if (line_length > 0) {
            wrapped += ' ';
            ++line_length;
        }
        wrapped += word;
        line_length += word.size();
    }
    return wrapped;
}

std::string render_text(const std::vector<Block>& blocks) {
    std::string text;
    for (const Block& block : blocks) {
        if (!text.empty()) text += "\n\n";
        text += block.is_link ? block.text : wrap(block.text);
    }
    text += '\n';
    return text;
}

// A plain document: mail clients drop <style> and external resources anyway.
std::string render_html(i18n::Language language, std::string_view subject,
                        const std::vector<Block>& blocks) {
    std::string html = "<!DOCTYPE html>\n<html lang=\"";
    html += i18n::code(language);
    html +=
        "\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    html += text::html_escape(subject);
    html += "</title>\n</head>\n<body>\n";
    for (const Block& block : blocks) {
        const std::string escaped = text::html_escape(block.text);
        if (block.is_link) {
            html += "<p><a href=\"" + escaped + "\">" + escaped + "</a></p>\n";
        } else {
            html += "<p>" + escaped + "</p>\n";
        }
    }
    html += "</body>\n</html>\n";
    return html;
}

// One message's texts in one language.
struct Words {
    i18n::Language language;
    std::string operator()(const i18n::Message& message) const {
        return i18n::translate(language, message);
    }
    // "Hello <username>,"
    Block greeting(std::string_view username) const {
        return {(*this)(i18n::Message(i18n::keys::mail_greeting, {{"username", username}}))};
    }
    // A paragraph naming the account.
    Block about(i18n::Key key, std::string_view username) const {
        return {(*this)(i18n::Message(key, {{"username", username}}))};
    }
    Block if_not_you() const { return {(*this)(i18n::keys::mail_if_not_you)}; }
};

Email make_email(const Words& words, std::string_view to, i18n::Key subject_key,
                 const std::vector<Block>& blocks) {
    Email email;
    email.to = std::string(to);
    email.subject = words(subject_key);
    email.text = render_text(blocks);
    email.html = render_html(words.language, email.subject, blocks);
    return email;
}

Block link(std::string_view url) {
    return {std::string(url), true};
}

// Letters, digits, '.', '_' and '-' survive in every mail client and file system.
std::string safe_filename_part(std::string_view text) {
    std::string safe(text);
    for (char& c : safe) {
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!allowed) c = '_';
    }
    return safe;
}

// "The link works once and expires in <duration>. ..."
Block expiry(const Words& words, i18n::Key key, std::int64_t lifetime) {
    return {
        words(i18n::Message(key, {{"duration", i18n::duration_text(words.language, lifetime)}}))};
}

}  // namespace

namespace keys = i18n::keys;

Email verification_email(i18n::Language language, std::string_view to, std::string_view username,
                         std::string_view link_url, std::int64_t lifetime) {
    const Words words{language};
    return make_email(
        words, to, keys::mail_verification_subject,
        {words.greeting(username), words.about(keys::mail_verification_text, username),
         link(link_url), expiry(words, keys::mail_verification_expiry, lifetime)});
}

Email password_reset_email(i18n::Language language, std::string_view to, std::string_view username,
                           std::string_view link_url, std::int64_t lifetime) {
    const Words words{language};
    return make_email(words, to, keys::mail_reset_subject,
                      {words.greeting(username), words.about(keys::mail_reset_text, username),
                       link(link_url), expiry(words, keys::mail_reset_expiry, lifetime)});
}

Email password_changed_notice(i18n::Language language, std::string_view to,
                              std::string_view username) {
    const Words words{language};
    return make_email(
        words, to, keys::mail_password_changed_subject,
        {words.greeting(username), words.about(keys::mail_password_changed_text, username),
         words.if_not_you()});
}

Email password_reset_notice(i18n::Language language, std::string_view to,
                            std::string_view username) {
    const Words words{language};
    return make_email(words, to, keys::mail_password_reset_subject,
                      {words.greeting(username),
                       words.about(keys::mail_password_reset_text, username), words.if_not_you()});
}

Email email_changed_notice(i18n::Language language, std::string_view old_address,
                           std::string_view username, std::string_view new_address) {
    const Words words{language};
    return make_email(
        words, old_address, keys::mail_email_changed_subject,
        {words.greeting(username),
         {words(i18n::Message(keys::mail_email_changed_text,
                              {{"username", username}, {"new_address", new_address}}))},
         words.if_not_you()});
}

Email data_export_email(i18n::Language language, std::string_view to, std::string_view username,
                        std::string_view json, const std::vector<std::string>& unavailable) {
    const Words words{language};
    const std::string filename = "authd-export-" + safe_filename_part(username) + ".json";
    std::vector<Block> blocks{words.greeting(username),
                              words.about(keys::mail_export_text, username)};
    if (!unavailable.empty()) {
        std::string names;
        for (const std::string& name : unavailable)
            names += (names.empty() ? "" : ", ") + name;
        blocks.push_back(
            {words(i18n::Message(keys::mail_export_unavailable, {{"services", names}}))});
    }
    blocks.push_back({words(keys::mail_export_warning)});
    Email email = make_email(words, to, keys::mail_export_subject, blocks);
    email.attachments.push_back({filename, "application/json", std::string(json)});
    return email;
}

Email login_code_email(i18n::Language language, std::string_view to, std::string_view username,
                       std::string_view code, std::int64_t minutes) {
    const Words words{language};
    return make_email(words, to, keys::mail_login_code_subject,
                      {words.greeting(username),
                       words.about(keys::mail_login_code_text, username),
                       {std::string(code)},
                       {words(i18n::Message(keys::mail_login_code_expiry, {{"count", minutes}}))}});
}

Email two_factor_enabled_notice(i18n::Language language, std::string_view to,
                                std::string_view username) {
    const Words words{language};
    return make_email(words, to, keys::mail_two_fa_on_subject,
                      {words.greeting(username), words.about(keys::mail_two_fa_on_text, username),
                       words.if_not_you()});
}

Email two_factor_disabled_notice(i18n::Language language, std::string_view to,
                                 std::string_view username) {
    const Words words{language};
    return make_email(words, to, keys::mail_two_fa_off_subject,
                      {words.greeting(username), words.about(keys::mail_two_fa_off_text, username),
                       words.if_not_you()});
}

Email authenticator_added_notice(i18n::Language language, std::string_view to,
                                 std::string_view username, std::string_view time,
                                 std::string_view address, std::string_view client) {
    const Words words{language};
    return make_email(
        words, to, keys::mail_authenticator_added_subject,
        {words.greeting(username),
         {words(i18n::Message(
             keys::mail_authenticator_added_text,
             {{"username", username}, {"time", time}, {"address", address}, {"client", client}}))},
         {words(keys::mail_authenticator_added_action)}});
}

Email authenticator_removed_notice(i18n::Language language, std::string_view to,
                                   std::string_view username) {
    const Words words{language};
    return make_email(
        words, to, keys::mail_authenticator_removed_subject,
        {words.greeting(username), words.about(keys::mail_authenticator_removed_text, username),
         words.if_not_you()});
}

Email passkey_added_notice(i18n::Language language, std::string_view to, std::string_view username,
                           std::string_view name, std::string_view time, std::string_view address,
                           std::string_view client) {
    const Words words{language};
    return make_email(words, to, keys::mail_passkey_added_subject,
                      {words.greeting(username),
                       {words(i18n::Message(keys::mail_passkey_added_text, {{"name", name},
                                                                            {"username", username},
                                                                            {"time", time},
                                                                            {"address", address},
                                                                            {"client", client}}))},
                       {words(keys::mail_passkey_added_action)}});
}

Email passkey_removed_notice(i18n::Language language, std::string_view to,
                             std::string_view username, std::string_view name) {
    const Words words{language};
    return make_email(words, to, keys::mail_passkey_removed_subject,
                      {words.greeting(username),
                       {words(i18n::Message(keys::mail_passkey_removed_text,
                                            {{"name", name}, {"username", username}}))},
                       words.if_not_you()});
}

Email password_removed_notice(i18n::Language language, std::string_view to,
                              std::string_view username) {
    const Words words{language};
    return make_email(
        words, to, keys::mail_password_removed_subject,
        {words.greeting(username), words.about(keys::mail_password_removed_text, username),
         words.if_not_you()});
}

Email recovery_code_used_notice(i18n::Language language, std::string_view to,
                                std::string_view username, int remaining) {
    const Words words{language};
    return make_email(words, to, keys::mail_recovery_code_used_subject,
                      {words.greeting(username),
                       {words(i18n::Message(keys::mail_recovery_code_used_text,
                                            {{"username", username}, {"count", remaining}}))},
                       words.if_not_you()});
}

}  // namespace authd::mail
