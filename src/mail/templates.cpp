#include "mail/templates.h"

#include <algorithm>
#include <vector>

#include "web/pages.h"

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
std::string render_html(std::string_view subject, const std::vector<Block>& blocks) {
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    html += web::html_escape(subject);
    html += "</title>\n</head>\n<body>\n";
    for (const Block& block : blocks) {
        const std::string escaped = web::html_escape(block.text);
        if (block.is_link) {
            html += "<p><a href=\"" + escaped + "\">" + escaped + "</a></p>\n";
        } else {
            html += "<p>" + escaped + "</p>\n";
        }
    }
    html += "</body>\n</html>\n";
    return html;
}

Email make_email(std::string_view to, std::string subject, const std::vector<Block>& blocks) {
    Email email;
    email.to = std::string(to);
    email.text = render_text(blocks);
    email.html = render_html(subject, blocks);
    email.subject = std::move(subject);
    return email;
}

Block greeting(std::string_view username) {
    return {"Hello " + std::string(username) + ","};
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

const char* const kIfNotYou =
    "If you did not do this, reset your password at once and contact support.";

}  // namespace

Email verification_email(std::string_view to, std::string_view username, std::string_view link_url,
                         std::int64_t lifetime) {
    return make_email(to, "Confirm your e-mail address",
                      {greeting(username),
                       {"This address was given for the authd account \"" + std::string(username) +
                        "\". To confirm that it is yours, open this link:"},
                       link(link_url),
                       {"The link works once and expires in " + web::duration_text(lifetime) +
                        ". If you did not ask for this, you can ignore this message."}});
}

Email password_reset_email(std::string_view to, std::string_view username,
                           std::string_view link_url, std::int64_t lifetime) {
    return make_email(
        to, "Reset your password",
        {greeting(username),
         {"Someone asked to reset the password of the authd account \"" + std::string(username) +
          "\", which uses this address. To choose a new password, "
          "open this link:"},
         link(link_url),
         {"The link works once and expires in " + web::duration_text(lifetime) +
          ". If you did not ask for this, you can ignore this message; your password stays "
          "as it is."}});
}

Email password_changed_notice(std::string_view to, std::string_view username) {
    return make_email(to, "Your password was changed",
                      {greeting(username),
                       {"The password of your authd account \"" + std::string(username) +
                        "\" was just changed. We send this notice whenever it changes."},
                       {kIfNotYou}});
}

Email password_reset_notice(std::string_view to, std::string_view username) {
    return make_email(to, "Your password was reset",
                      {greeting(username),
                       {"The password of your authd account \"" + std::string(username) +
                        "\" was just reset with a link sent to this address."},
                       {kIfNotYou}});
}

Email email_changed_notice(std::string_view old_address, std::string_view username,
                           std::string_view new_address) {
    return make_email(old_address, "Your e-mail address was changed",
                      {greeting(username),
                       {"The e-mail address of your authd account \"" + std::string(username) +
                        "\" was just changed from this address to " + std::string(new_address) +
                        ". Messages about the account will go to the new address from now "
                        "on."},
                       {kIfNotYou}});
}

Email data_export_email(std::string_view to, std::string_view username, std::string_view json) {
    const std::string filename = "authd-export-" + safe_filename_part(username) + ".json";
    Email email = make_email(
        to, "Your authd data export",
        {greeting(username),
         {"You asked for a copy of your data. The attached JSON file holds everything authd "
          "stores about the account \"" +
          std::string(username) + "\"."},
         {"If you did not ask for this, someone may be using your account: reset your "
          "password at once and contact support."}});
    email.attachments.push_back({filename, "application/json", std::string(json)});
    return email;
}

Email login_code_email(std::string_view to, std::string_view username, std::string_view code,
                       std::int64_t minutes) {
    return make_email(
        to, "Your login code",
        {greeting(username),
         {"Someone signed in to the authd account \"" + std::string(username) +
          "\" with its password. To finish logging in, enter this code:"},
         {std::string(code)},
         {"The code works once and expires in " + std::to_string(minutes) +
          (minutes == 1 ? " minute." : " minutes.") +
          " If you did not try to log in, someone knows your password: change it at once."}});
}

Email two_factor_enabled_notice(std::string_view to, std::string_view username) {
    return make_email(
        to, "Two-factor authentication is on",
        {greeting(username),
         {"Two-factor authentication was just turned on for your authd account \"" +
          std::string(username) + "\". Logging in will ask for a code as well as your password."},
         {kIfNotYou}});
}

Email two_factor_disabled_notice(std::string_view to, std::string_view username) {
    return make_email(to, "Two-factor authentication is off",
                      {greeting(username),
                       {"Two-factor authentication was just turned off for your authd account \"" +
                        std::string(username) + "\". Logging in now needs only your password."},
                       {kIfNotYou}});
}

Email authenticator_removed_notice(std::string_view to, std::string_view username) {
    return make_email(to, "Your authenticator app was removed",
                      {greeting(username),
                       {"The authenticator app of your authd account \"" + std::string(username) +
                        "\" was just removed; its codes no longer work."},
                       {kIfNotYou}});
}

Email recovery_code_used_notice(std::string_view to, std::string_view username, int remaining) {
    return make_email(to, "A recovery code was used",
                      {greeting(username),
                       {"A recovery code was just used to log in to your authd account \"" +
                        std::string(username) + "\". Each code works once; " +
                        std::to_string(remaining) + (remaining == 1 ? " code is" : " codes are") +
                        " left. You can make new ones in your account settings."},
                       {kIfNotYou}});
}

}  // namespace authd::mail
