#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "mail/templates.h"

namespace authd::mail {
namespace {

// An ampersand in the query shows that the link is escaped in HTML and intact in text.
const std::string kLink = "https://auth.example.com/reset/MQ/c0ffee-0123456789abcdef/?a=1&b=2";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

// The text with line breaks folded into spaces, to find sentences whatever the wrapping.
std::string unwrapped(const std::string& text) {
    std::string flat = text;
    for (char& c : flat) {
        if (c == '\n') c = ' ';
    }
    return flat;
}

void expect_short_lines(const Email& email, const std::string& allowed_long_line = "") {
    for (const std::string& line : lines_of(email.text)) {
        if (line == allowed_long_line) continue;
        EXPECT_LE(line.size(), 78u) << line;
    }
}

void expect_html_document(const Email& email) {
    EXPECT_EQ(email.html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
    EXPECT_NE(email.html.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_NE(email.html.find("<title>" + email.subject + "</title>"), std::string::npos);
    EXPECT_NE(email.html.find("</body>\n</html>"), std::string::npos);
    EXPECT_EQ(email.html.find("<script"), std::string::npos);
}

void expect_link(const Email& email) {
    EXPECT_NE(email.text.find("\n" + kLink + "\n"), std::string::npos) << email.text;
    const std::string escaped =
        "https://auth.example.com/reset/MQ/c0ffee-0123456789abcdef/?a=1&amp;b=2";
    EXPECT_NE(email.html.find("<a href=\"" + escaped + "\">" + escaped + "</a>"), std::string::npos)
        << email.html;
    EXPECT_EQ(email.html.find("a=1&b=2"), std::string::npos);
}

std::vector<Email> all_emails(const std::string& username) {
    return {
        verification_email("ann@example.com", username, kLink, 86400),
        password_reset_email("ann@example.com", username, kLink, 3600),
        password_changed_notice("ann@example.com", username),
        password_reset_notice("ann@example.com", username),
        email_changed_notice("ann@example.com", username, "new@example.org"),
        data_export_email("ann@example.com", username, "{\"username\":\"ann\"}"),
    };
}

TEST(Templates, SubjectsAndRecipients) {
    const std::vector<Email> emails = all_emails("ann");
    const std::vector<std::string> subjects = {
        "Confirm your e-mail address",     "Reset your password",
        "Your password was changed",       "Your password was reset",
        "Your e-mail address was changed", "Your authd data export",
    };
    ASSERT_EQ(emails.size(), subjects.size());
    for (std::size_t i = 0; i < emails.size(); ++i) {
        EXPECT_EQ(emails[i].subject, subjects[i]);
        EXPECT_EQ(emails[i].to, "ann@example.com");
        EXPECT_EQ(emails[i].text.rfind("Hello ann,\n", 0), 0u) << emails[i].text;
        EXPECT_NE(emails[i].html.find("<p>Hello ann,</p>"), std::string::npos);
        expect_html_document(emails[i]);
        expect_short_lines(emails[i]);
    }
}

TEST(Templates, VerificationCarriesTheLinkFor24Hours) {
    const Email email = verification_email("ann@example.com", "ann", kLink, 86400);
    expect_link(email);
    expect_short_lines(email, kLink);
    EXPECT_NE(unwrapped(email.text).find("24 hours"), std::string::npos);
    EXPECT_NE(unwrapped(email.text)
                  .find("If you did not ask for this, you can ignore this "
                        "message."),
              std::string::npos);
    EXPECT_NE(email.html.find("24 hours"), std::string::npos);
}

TEST(Templates, ResetCarriesTheLinkForOneHour) {
    const Email email = password_reset_email("ann@example.com", "ann", kLink, 3600);
    expect_link(email);
    expect_short_lines(email, kLink);
    EXPECT_NE(unwrapped(email.text).find("1 hour"), std::string::npos);
    EXPECT_NE(unwrapped(email.text)
                  .find("If you did not ask for this, you can ignore this "
                        "message; your password stays as it is."),
              std::string::npos);
}

TEST(Templates, LinksStateTheConfiguredLifetime) {
    const std::string verify = unwrapped(verification_email("a@example.com", "a", kLink, 90).text);
    EXPECT_NE(verify.find("The link works once and expires in 90 seconds."), std::string::npos)
        << verify;
    const std::string reset =
        unwrapped(password_reset_email("a@example.com", "a", kLink, 900).text);
    EXPECT_NE(reset.find("The link works once and expires in 15 minutes."), std::string::npos)
        << reset;
    EXPECT_EQ(reset.find("hour"), std::string::npos);
}

TEST(Templates, NoticesTellWhatToDoIfItWasNotYou) {
    const std::string advice =
        "If you did not do this, reset your password at once and contact support.";
    for (const Email& email : {password_changed_notice("ann@example.com", "ann"),
                               password_reset_notice("ann@example.com", "ann"),
                               email_changed_notice("ann@example.com", "ann", "new@x.org")}) {
        SCOPED_TRACE(email.subject);
        EXPECT_NE(unwrapped(email.text).find(advice), std::string::npos);
        EXPECT_NE(email.html.find(advice), std::string::npos);
        EXPECT_EQ(email.html.find("<a "), std::string::npos);
    }
}

TEST(Templates, EmailChangedGoesToTheOldAddressAndNamesTheNewOne) {
    const Email email = email_changed_notice("old@example.com", "ann", "new&<x>@example.org");
    EXPECT_EQ(email.to, "old@example.com");
    EXPECT_NE(unwrapped(email.text).find("new&<x>@example.org"), std::string::npos);
    EXPECT_NE(email.html.find("new&amp;&lt;x&gt;@example.org"), std::string::npos);
}

TEST(Templates, HtmlEscapesTheUsername) {
    for (const Email& email : all_emails("<b>x</b>")) {
        SCOPED_TRACE(email.subject);
        EXPECT_EQ(email.html.find("<b>"), std::string::npos);
        EXPECT_NE(email.html.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
        EXPECT_NE(email.text.find("<b>x</b>"), std::string::npos);  // plain text stays plain
    }
}

TEST(Templates, LongNamesAreWrappedWithinTheLineLimit) {
    const std::string long_name(60, 'n');
    for (const Email& email : all_emails(long_name)) {
        SCOPED_TRACE(email.subject);
        expect_short_lines(email, kLink);
        EXPECT_NE(email.text.find(long_name), std::string::npos);
    }
}

TEST(Templates, DataExportAttachesTheJson) {
    const std::string json = "{\"username\":\"ann\",\"email\":\"ann@example.com\"}";
    const Email email = data_export_email("ann@example.com", "ann.b_c-1", json);
    ASSERT_EQ(email.attachments.size(), 1u);
    EXPECT_EQ(email.attachments[0].filename, "authd-export-ann.b_c-1.json");
    EXPECT_EQ(email.attachments[0].content_type, "application/json");
    EXPECT_EQ(email.attachments[0].data, json);
    EXPECT_NE(unwrapped(email.text).find("everything authd stores"), std::string::npos);
    EXPECT_NE(unwrapped(email.text).find("JSON"), std::string::npos);
    for (const Email& other : all_emails("ann")) {
        if (other.subject != email.subject) {
            EXPECT_TRUE(other.attachments.empty());
        }
    }
}

TEST(Templates, DataExportFilenameKeepsOnlySafeCharacters) {
    const Email email = data_export_email("ann@example.com", "a b/../\"é\"@c", "{}");
    ASSERT_EQ(email.attachments.size(), 1u);
    // "é" is two bytes in UTF-8, so two underscores.
    EXPECT_EQ(email.attachments[0].filename, "authd-export-a_b_..______c.json");
}

}  // namespace
}  // namespace authd::mail
