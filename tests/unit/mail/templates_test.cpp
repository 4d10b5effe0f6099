#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "mail/templates.h"

namespace authd::mail {
namespace {

// An ampersand in the query shows that the link is escaped in HTML and intact in text.
const std::string kLink = "https://auth.example.com/reset/MQ/c0ffee-0123456789abcdef/?a=1&b=2";
constexpr i18n::Language en = i18n::Language::en;

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
        verification_email(en, "ann@example.com", username, kLink, 86400),
        password_reset_email(en, "ann@example.com", username, kLink, 3600),
        password_changed_notice(en, "ann@example.com", username),
        password_reset_notice(en, "ann@example.com", username),
        email_changed_notice(en, "ann@example.com", username, "new@example.org"),
        data_export_email(en, "ann@example.com", username, "{\"username\":\"ann\"}"),
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
    const Email email = verification_email(en, "ann@example.com", "ann", kLink, 86400);
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
    const Email email = password_reset_email(en, "ann@example.com", "ann", kLink, 3600);
    expect_link(email);
    expect_short_lines(email, kLink);
    EXPECT_NE(unwrapped(email.text).find("1 hour"), std::string::npos);
    EXPECT_NE(unwrapped(email.text)
                  .find("If you did not ask for this, you can ignore this "
                        "message; your password stays as it is."),
              std::string::npos);
}

TEST(Templates, LinksStateTheConfiguredLifetime) {
    const std::string verify =
        unwrapped(verification_email(en, "a@example.com", "a", kLink, 90).text);
    EXPECT_NE(verify.find("The link works once and expires in 90 seconds."), std::string::npos)
        << verify;
    const std::string reset =
        unwrapped(password_reset_email(en, "a@example.com", "a", kLink, 900).text);
    EXPECT_NE(reset.find("The link works once and expires in 15 minutes."), std::string::npos)
        << reset;
    EXPECT_EQ(reset.find("hour"), std::string::npos);
}

TEST(Templates, NoticesTellWhatToDoIfItWasNotYou) {
    const std::string advice =
        "If you did not do this, reset your password at once and contact support.";
    for (const Email& email : {password_changed_notice(en, "ann@example.com", "ann"),
                               password_reset_notice(en, "ann@example.com", "ann"),
                               email_changed_notice(en, "ann@example.com", "ann", "new@x.org")}) {
        SCOPED_TRACE(email.subject);
        EXPECT_NE(unwrapped(email.text).find(advice), std::string::npos);
        EXPECT_NE(email.html.find(advice), std::string::npos);
        EXPECT_EQ(email.html.find("<a "), std::string::npos);
    }
}

TEST(Templates, EmailChangedGoesToTheOldAddressAndNamesTheNewOne) {
    const Email email = email_changed_notice(en, "old@example.com", "ann", "new&<x>@example.org");
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
    const Email email = data_export_email(en, "ann@example.com", "ann.b_c-1", json);
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
    const Email email = data_export_email(en, "ann@example.com", "a b/../\"é\"@c", "{}");
    ASSERT_EQ(email.attachments.size(), 1u);
    // "é" is two bytes in UTF-8, so two underscores.
    EXPECT_EQ(email.attachments[0].filename, "authd-export-a_b_..______c.json");
}

TEST(Templates, AreInTheRecipientsLanguage) {
    const Email french =
        verification_email(i18n::Language::fr, "ann@example.com", "ann", kLink, 86400);
    EXPECT_EQ(french.subject, "Confirmez votre adresse e-mail");
    EXPECT_EQ(french.text.rfind("Bonjour ann,\n\n", 0), 0u) << french.text;
    EXPECT_NE(unwrapped(french.text).find("compte authd «\u00a0ann\u00a0»"), std::string::npos);
    EXPECT_NE(unwrapped(french.text).find("expire dans 24\u00a0heures."), std::string::npos);
    EXPECT_EQ(french.html.rfind("<!DOCTYPE html>\n<html lang=\"fr\">", 0), 0u);
    EXPECT_NE(french.html.find("<title>Confirmez votre adresse e-mail</title>"), std::string::npos);
    expect_link(french);
    expect_short_lines(french, kLink);
    EXPECT_EQ(french.text.find("Hello"), std::string::npos);

    const Email spanish =
        password_reset_email(i18n::Language::es, "ann@example.com", "ann", kLink, 3600);
    EXPECT_EQ(spanish.subject, "Restablezca su contraseña");
    EXPECT_EQ(spanish.text.rfind("Hola, ann:\n\n", 0), 0u) << spanish.text;
    EXPECT_NE(unwrapped(spanish.text).find("caduca en 1 hora."), std::string::npos);
}

TEST(Templates, CountsFollowEachLanguagesPlural) {
    const auto text = [](i18n::Language language, int remaining) {
        return unwrapped(
            recovery_code_used_notice(language, "ann@example.com", "ann", remaining).text);
    };
    EXPECT_NE(text(en, 1).find("1 code is left."), std::string::npos);
    EXPECT_NE(text(en, 0).find("0 codes are left."), std::string::npos);
    EXPECT_NE(text(i18n::Language::fr, 0).find("il reste 0\u00a0code."), std::string::npos);
    EXPECT_NE(text(i18n::Language::fr, 2).find("il reste 2\u00a0codes."), std::string::npos);
    EXPECT_NE(text(i18n::Language::es, 1).find("queda 1 código."), std::string::npos);
    EXPECT_NE(text(i18n::Language::es, 0).find("quedan 0 códigos."), std::string::npos);
    const Email code = login_code_email(i18n::Language::es, "ann@example.com", "ann", "012345", 1);
    EXPECT_EQ(code.subject, "Su código de inicio de sesión");
    EXPECT_NE(code.text.find("\n\n012345\n\n"), std::string::npos);
    EXPECT_NE(unwrapped(code.text).find("caduca en 1 minuto."), std::string::npos);
}

}  // namespace
}  // namespace authd::mail
