#pragma once
// E-mail messages: what the domain writes (Email) and how it becomes an RFC 5322 / MIME text.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace authd::mail {

struct Attachment {
    std::string filename;      // e.g. "authd-export.json"
    std::string content_type;  // e.g. "application/json"
    std::string data;          // raw bytes
};

struct Email {
    std::string to;       // one address, "local@domain"
    std::string subject;  // UTF-8
    std::string text;     // UTF-8 plain-text body (always present)
    std::string html;     // UTF-8 HTML alternative ("" for text only)
    std::vector<Attachment> attachments;
};

// A field that would let user input add a header (CR, LF or NUL), or an address that is not
// one plain mailbox. Raised at input validation and again when a message is built.
class HeaderInjection : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

struct Envelope {
    std::string from_address;  // the bare address of `from` (for SMTP MAIL FROM)
    std::string to_address;    // for RCPT TO
};

// Renders `email` as a complete MIME message with CRLF line endings:
// From, To, Subject (RFC 2047 encoded-word when not plain ASCII), Date (RFC 5322, from
// `unix_time`), Message-ID (<message_id>), MIME-Version; the body is text/plain, or
// multipart/alternative (text, html) when html is set, wrapped in multipart/mixed when there
// are attachments (base64, with a filename). Text parts are UTF-8, quoted-printable or base64.
// `from` is "Name <address>" or a bare address. Throws HeaderInjection.
std::string render(const Email& email, std::string_view from, std::string_view message_id,
                   std::int64_t unix_time);

// The bare address of "Name <address>" or "address". Throws HeaderInjection when it is not
// one plain address or carries CR/LF/NUL.
std::string bare_address(std::string_view mailbox);

// Whether `value` holds CR, LF or NUL.
bool has_line_break(std::string_view value);

}  // namespace authd::mail
