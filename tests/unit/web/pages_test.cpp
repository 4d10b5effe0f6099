#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <utility>
#include <vector>

#include "i18n/catalog.h"
#include "i18n/language.h"
#include "web/pages.h"

namespace authd::web {
namespace {

using i18n::duration_text;

const std::string kHostile = "\"><script>alert(1)</script>";
constexpr i18n::Language en = i18n::Language::en;
constexpr i18n::Language fr = i18n::Language::fr;
constexpr i18n::Language es = i18n::Language::es;

std::vector<std::pair<std::string, std::string>> all_pages() {
    return {
        {"reset_requested", reset_requested_page(en, 3600)},
        {"reset_form", reset_form_page(en, "token-123", {}, 12)},
        {"reset_form_with_errors",
         reset_form_page(en, "token-123", {"Too short.", "Too common."}, 12)},
        {"reset_invalid", reset_invalid_page(en, 3600)},
        {"reset_done", reset_done_page(en)},
        {"email_verified", email_verified_page(en)},
        {"email_verification_invalid", email_verification_invalid_page(en, 86400)},
    };
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t found = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++found;
    }
    return found;
}

// The test's own hash, independent of the code under test: base64(SHA-256(text)).
std::string base64_sha256(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EXPECT_EQ(EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr), 1);
    unsigned char encoded[4 * EVP_MAX_MD_SIZE];
    const int written = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(written));
}

std::string style_text(const std::string& page) {
    const auto open = page.find("<style>");
    const auto close = page.find("</style>");
    if (open == std::string::npos || close == std::string::npos || close < open) return "";
    const auto start = open + std::string("<style>").size();
    return page.substr(start, close - start);
}

TEST(Pages, AreCompleteHtml5DocumentsForPhones) {
    for (const auto& [name, page] : all_pages()) {
        SCOPED_TRACE(name);
        EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
        EXPECT_NE(page.find("<html lang=\"en\">"), std::string::npos);
        EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
        EXPECT_NE(
            page.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
            std::string::npos);
        EXPECT_EQ(count(page, "<title>"), 1u);
        EXPECT_EQ(count(page, "</title>"), 1u);
        EXPECT_EQ(count(page, "<main>"), 1u);
        EXPECT_EQ(count(page, "</main>"), 1u);
        EXPECT_EQ(count(page, "<h1>"), 1u);
        EXPECT_EQ(count(page, "</h1>"), 1u);
        EXPECT_EQ(count(page, "<style>"), 1u);
        EXPECT_EQ(count(page, "</body>"), 1u);
        EXPECT_NE(page.find("</html>"), std::string::npos);
        EXPECT_EQ(page.find_first_not_of(" \n", page.find("</html>") + 7), std::string::npos);
        EXPECT_LT(page.find("</style>"), page.find("</head>"));
    }
}

TEST(Pages, LoadNothingAndRunNothing) {
    for (const auto& [name, page] : all_pages()) {
        SCOPED_TRACE(name);
        EXPECT_EQ(page.find("<script"), std::string::npos);
        EXPECT_EQ(page.find(" style=\""), std::string::npos);
        EXPECT_EQ(page.find("http://"), std::string::npos);
        EXPECT_EQ(page.find("https://"), std::string::npos);
        EXPECT_EQ(page.find("javascript:"), std::string::npos);
        EXPECT_EQ(page.find("<img"), std::string::npos);
        EXPECT_EQ(page.find("<link"), std::string::npos);
        EXPECT_EQ(page.find("@import"), std::string::npos);
        EXPECT_EQ(page.find(" onclick="), std::string::npos);
        EXPECT_EQ(page.find(" onsubmit="), std::string::npos);
    }
}

TEST(Pages, ContentSecurityPolicyAllowsExactlyTheStyleInThePage) {
    const std::string policy(content_security_policy());
    for (const auto& [name, page] : all_pages()) {
        SCOPED_TRACE(name);
        const std::string style = style_text(page);
        ASSERT_FALSE(style.empty());
        EXPECT_EQ(policy, "default-src 'none'; style-src 'sha256-" + base64_sha256(style) +
                              "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    }
}

TEST(Pages, ContentSecurityPolicyIsStable) {
    EXPECT_EQ(content_security_policy(), content_security_policy());
    EXPECT_EQ(content_security_policy().data(), content_security_policy().data());
}

// The passkeys demo runs its one inline module script and loads the client from authd alone.
TEST(Pages, PasskeysDemoRunsExactlyItsOwnScript) {
    const std::string page = passkeys_demo_page();
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(count(page, "<script"), 1u);
    const auto open = page.find("<script type=\"module\">");
    const auto close = page.find("</script>");
    ASSERT_NE(open, std::string::npos);
    ASSERT_LT(open, close);
    const std::string script = page.substr(open + 22, close - open - 22);
    EXPECT_NE(script.find("import("), std::string::npos);
    EXPECT_EQ(passkeys_demo_policy(),
              "default-src 'none'; script-src 'self' 'sha256-" + base64_sha256(script) +
                  "'; connect-src 'self'; style-src 'sha256-" + base64_sha256(style_text(page)) +
                  "'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'");
    for (const char* id : {"passkey-login", "password-login", "second-factor-passkey", "otp-submit",
                           "add-passkey", "logout", "status"})
        EXPECT_NE(page.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
    EXPECT_EQ(page.find("http://"), std::string::npos);
    EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(Pages, TheClientIsAModuleWithNoDependencies) {
    const std::string_view client = webauthn_client();
    EXPECT_NE(client.find("export async function register(accessToken, name"), std::string::npos);
    EXPECT_NE(client.find("export async function login("), std::string::npos);
    EXPECT_NE(client.find("export async function secondFactor(ticket"), std::string::npos);
    // No import statement: nothing else to load.
    EXPECT_EQ(client.find("\nimport "), std::string::npos);
}

TEST(Pages, StyleIsAPhoneFriendlyColumn) {
    const std::string style = style_text(reset_form_page(en, "t", {}, 12));
    EXPECT_NE(style.find("max-width:28rem"), std::string::npos);
    EXPECT_NE(style.find("width:100%"), std::string::npos);
}

TEST(Pages, ResetFormStatesTheConfiguredLength) {
    EXPECT_NE(reset_form_page(en, "t", {}, 16).find("At least 16 characters"), std::string::npos);
}

TEST(Pages, ResetFormHasLabelledInputsAndTheCsrfField) {
    const std::string page = reset_form_page(en, "csrf-abc", {}, 12);
    EXPECT_NE(page.find("<form method=\"post\" action=\"\">"), std::string::npos);
    EXPECT_NE(page.find("<input type=\"hidden\" name=\"csrf_token\" value=\"csrf-abc\">"),
              std::string::npos);
    EXPECT_NE(page.find("<label for=\"new_password\">New password</label>"), std::string::npos);
    EXPECT_NE(page.find("<label for=\"new_password2\">New password (again)</label>"),
              std::string::npos);
    for (const std::string field : {"new_password", "new_password2"}) {
        SCOPED_TRACE(field);
        EXPECT_NE(page.find("<input type=\"password\" id=\"" + field + "\" name=\"" + field +
                            "\" autocomplete=\"new-password\""),
                  std::string::npos);
    }
    EXPECT_EQ(count(page, " required>"), 2u);
    EXPECT_EQ(page.find("minlength"), std::string::npos);
    EXPECT_NE(page.find("<button type=\"submit\">Change my password</button>"), std::string::npos);
    EXPECT_NE(page.find("At least 12 characters; avoid common passwords and your name."),
              std::string::npos);
    EXPECT_EQ(page.find("class=\"errors\""), std::string::npos);
}

TEST(Pages, ResetFormShowsErrorsAboveTheForm) {
    const std::string page =
        reset_form_page(en, "t", {"The two passwords differ.", "Too short."}, 12);
    const auto errors = page.find("<ul class=\"errors\" role=\"alert\">");
    ASSERT_NE(errors, std::string::npos);
    EXPECT_LT(errors, page.find("<form"));
    EXPECT_NE(page.find("<li>The two passwords differ.</li>"), std::string::npos);
    EXPECT_NE(page.find("<li>Too short.</li>"), std::string::npos);
}

TEST(Pages, ResetFormEscapesHostileTokenAndErrors) {
    const std::string page =
        reset_form_page(en, kHostile, {kHostile, "<b>bold</b> & 'quoted'"}, 12);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("<b>"), std::string::npos);
    EXPECT_NE(page.find("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">"),
              std::string::npos);
    EXPECT_NE(page.find("<li>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</li>"),
              std::string::npos);
    EXPECT_NE(page.find("<li>&lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39;</li>"),
              std::string::npos);
}

TEST(Pages, SayWhatHappened) {
    EXPECT_NE(reset_requested_page(en, 3600).find("Check your mailbox"), std::string::npos);
    EXPECT_NE(reset_requested_page(en, 3600).find("expires in 1 hour."), std::string::npos);
    EXPECT_NE(reset_invalid_page(en, 3600).find("This link is invalid or has expired"),
              std::string::npos);
    EXPECT_NE(reset_invalid_page(en, 3600).find("only for 1 hour,"), std::string::npos);
    EXPECT_NE(reset_invalid_page(en, 3600).find("new password reset link"), std::string::npos);
    EXPECT_NE(reset_done_page(en).find("Your password has been changed"), std::string::npos);
    EXPECT_NE(reset_done_page(en).find("Every session was signed out"), std::string::npos);
    EXPECT_NE(email_verified_page(en).find("Your e-mail address is confirmed"), std::string::npos);
    EXPECT_NE(email_verification_invalid_page(en, 86400).find(
                  "This confirmation link is invalid or has expired"),
              std::string::npos);
}

TEST(Pages, StateTheConfiguredLifetime) {
    EXPECT_EQ(duration_text(en, 86400), "24 hours");
    EXPECT_EQ(duration_text(en, 3600), "1 hour");
    EXPECT_EQ(duration_text(en, 5400), "90 minutes");
    EXPECT_EQ(duration_text(en, 60), "1 minute");
    EXPECT_EQ(duration_text(en, 1), "1 second");
    EXPECT_EQ(duration_text(en, 61), "61 seconds");
    EXPECT_NE(reset_requested_page(en, 900).find("expires in 15 minutes."), std::string::npos);
    EXPECT_NE(reset_invalid_page(en, 120).find("only for 2 minutes,"), std::string::npos);
    EXPECT_NE(email_verification_invalid_page(en, 172800).find("only for 48 hours,"),
              std::string::npos);
}

TEST(Pages, AreInTheGivenLanguage) {
    EXPECT_EQ(reset_done_page(en).find("<html lang=\"en\">"), 16u);
    const std::string french = reset_form_page(fr, "t", {}, 12);
    EXPECT_NE(french.find("<html lang=\"fr\">"), std::string::npos);
    EXPECT_NE(french.find("<title>Choisissez un nouveau mot de passe</title>"), std::string::npos);
    EXPECT_NE(french.find("<label for=\"new_password\">Nouveau mot de passe</label>"),
              std::string::npos);
    EXPECT_NE(french.find("<button type=\"submit\">Changer mon mot de passe</button>"),
              std::string::npos);
    EXPECT_EQ(french.find("New password"), std::string::npos);
    const std::string spanish = email_verification_invalid_page(es, 86400);
    EXPECT_NE(spanish.find("<html lang=\"es\">"), std::string::npos);
    EXPECT_NE(spanish.find("<h1>Este enlace de confirmación no es válido o ha caducado</h1>"),
              std::string::npos);
    EXPECT_NE(spanish.find("solo durante 24 horas,"), std::string::npos);
}

TEST(Pages, TranslatedTextIsEscaped) {
    // The French texts hold apostrophes: they reach the page as entities.
    const std::string page = reset_invalid_page(fr, 3600);
    EXPECT_NE(page.find("ne fonctionne qu&#39;une seule fois"), std::string::npos);
    EXPECT_EQ(page.find("qu'une"), std::string::npos);
}

TEST(Pages, DurationsFollowEachLanguagesPlural) {
    EXPECT_EQ(duration_text(fr, 3600), "1\u00a0heure");
    EXPECT_EQ(duration_text(fr, 7200), "2\u00a0heures");
    EXPECT_EQ(duration_text(fr, 0), "0\u00a0seconde");  // French: 0 is singular
    EXPECT_EQ(duration_text(es, 0), "0 segundos");
    EXPECT_EQ(duration_text(es, 60), "1 minuto");
    EXPECT_EQ(duration_text(en, 0), "0 seconds");
}

}  // namespace
}  // namespace authd::web
