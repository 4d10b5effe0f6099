// libFuzzer target: the username and e-mail address rules (auth/user_rules.h) and the mail
// layer's address checks (mail/message.h), which must agree: an address accepted at
// registration is one the mailer can send to.
//
// Input: a candidate address or name on the first line; the rest, if any, is the display name
// of a "Name <address>" sender and the subject and bodies of a message to the address.
#include <string>

#include "auth/user_rules.h"
#include "fuzz_support.h"
#include "mail/message.h"

using namespace authd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    const std::string_view address = fuzz::take_until(input, '\n');
    const std::string_view extra = input;

    if (!auth::username_problem(address)) {
        FUZZ_CHECK(!address.empty() && address.size() <= auth::kMaxUsernameLength);
        FUZZ_CHECK(!auth::is_reserved_username(address));
        for (char c : address)
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
    }
    (void)auth::lang_problem(address);

    const bool valid_email = !auth::email_problem(address);
    if (valid_email) {
        FUZZ_CHECK(address.size() <= auth::kMaxEmailLength);
        FUZZ_CHECK(!mail::has_line_break(address));
        // What registration accepts, the mailer takes as it is.
        FUZZ_CHECK(mail::bare_address(address) == address);
    }

    // The sender parser: a bare address or "Name <address>", never a header break.
    const std::string sender = std::string(extra) + " <" + std::string(address) + ">";
    for (std::string_view mailbox : {address, std::string_view(sender)}) {
        try {
            const std::string bare = mail::bare_address(mailbox);
            FUZZ_CHECK(!bare.empty() && !mail::has_line_break(bare));
            FUZZ_CHECK(bare.find_first_of("<>,;\"()\\ ") == std::string::npos);
        } catch (const mail::HeaderInjection&) {
        }
    }

    // A whole message: to the address, from "<rest> <address>", the rest as subject and text.
    // Only HeaderInjection may refuse it, and never for an address registration accepts.
    mail::Email email;
    email.to = std::string(address);
    email.subject = std::string(extra);
    email.text = std::string(extra);
    email.html = std::string(extra);
    std::string mime;
    try {
        mime = mail::render(email, sender, "fuzz@auth.example.test", 1'700'000'000);
    } catch (const mail::HeaderInjection&) {
        if (valid_email && !mail::has_line_break(extra)) {
            // The sender may still be refused (its name part is the fuzzer's); a plain one
            // must work.
            email.subject = "Subject";
            mime = mail::render(email, "Authd <no-reply@auth.example.test>",
                                "fuzz@auth.example.test", 1'700'000'000);
        }
    }
    if (!mime.empty()) {
        FUZZ_CHECK(mime.find("\r\nTo: " + email.to + "\r\n") != std::string::npos);
        // CRLF line endings only, and no line over RFC 5322's 998 characters.
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < mime.size(); ++i) {
            if (mime[i] == '\n') {
                FUZZ_CHECK(i > 0 && mime[i - 1] == '\r');
                FUZZ_CHECK(i - 1 - line_start <= 998);
                line_start = i + 1;
            } else if (mime[i] == '\r') {
                FUZZ_CHECK(i + 1 < mime.size() && mime[i + 1] == '\n');
            } else if (mime[i] == '\0') {
                FUZZ_CHECK(false);
            }
        }
        FUZZ_CHECK(line_start == mime.size());
    }
    return 0;
}
