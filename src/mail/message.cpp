#include "mail/message.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "crypto/base64url.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::mail {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxAddressLength = 254;    // RFC 5321 path limit minus the brackets
constexpr std::size_t kMaxMessageIdLength = 250;  // keeps the Message-ID line far below 998
constexpr std::size_t kPreferredLineLength = 76;  // RFC 2047 limit for lines with encoded words
constexpr std::size_t kFoldLineLength = 78;       // RFC 5322 recommended line length
constexpr std::size_t kMaxLineLength = 998;       // RFC 5322 hard limit
constexpr std::string_view kEncodedWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kEncodedWordSuffix = "?=";
constexpr std::size_t kMaxEncodedWordLength = 75;  // RFC 2047 section 2

bool is_ascii_letter_or_digit(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_printable_ascii(char c) {
    return c >= 0x20 && c <= 0x7e;
}

bool is_printable_ascii(std::string_view value) {
    for (char c : value) {
        if (!is_printable_ascii(c)) return false;
    }
    return true;
}

void refuse_line_break(std::string_view value, std::string_view what) {
    if (has_line_break(value)) {
        throw HeaderInjection(std::string(what) + " must not contain CR, LF or NUL");
    }
}

// One plain mailbox "local@domain": nothing a header or SMTP command could be smuggled in.
// Non-ASCII is refused too, since the message is sent without SMTPUTF8.
void validate_plain_address(std::string_view address, std::string_view what) {
    refuse_line_break(address, what);
    if (address.empty() || address.size() > kMaxAddressLength) {
        throw HeaderInjection(std::string(what) + " is not one plain e-mail address");
    }
    constexpr std::string_view forbidden = "<>,;\"()\\";
    std::size_t at_count = 0;
    for (char c : address) {
        if (c == '@') ++at_count;
        if (c <= 0x20 || c >= 0x7f || forbidden.find(c) != std::string_view::npos) {
            throw HeaderInjection(std::string(what) + " is not one plain e-mail address");
        }
    }
    const std::size_t at = address.find('@');
    if (at_count != 1 || at == 0 || at + 1 == address.size()) {
        throw HeaderInjection(std::string(what) + " is not one plain e-mail address");
    }
}

struct Mailbox {
    std::string display_name;  // unquoted, "" when absent
    std::string address;
};

// Splits "Name <address>" (the name possibly quoted) or a bare "address".
Mailbox parse_mailbox(std::string_view mailbox) {
    refuse_line_break(mailbox, "the sender");
    const std::string_view trimmed = text::trim_blanks(mailbox);
    if (trimmed.empty() || trimmed.back() != '>') {
        validate_plain_address(trimmed, "the sender");
        return {"", std::string(trimmed)};
    }
    const std::size_t open = trimmed.rfind('<');
    if (open == std::string_view::npos) {
        throw HeaderInjection("the sender is not one plain e-mail address");
    }
    const std::string_view address = trimmed.substr(open + 1, trimmed.size() - open - 2);
    validate_plain_address(address, "the sender");

    std::string_view name = text::trim_blanks(trimmed.substr(0, open));
    std::string display_name;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
        name = name.substr(1, name.size() - 2);
        for (std::size_t i = 0; i < name.size(); ++i) {
            if (name[i] == '\\' && i + 1 < name.size()) ++i;  // quoted-pair
            display_name += name[i];
        }
    } else {
        display_name = name;
    }
    return {display_name, std::string(address)};
}

// Base64 body lines of 76 characters (RFC 2045 section 6.8), separated by CRLF.
std::string base64_body(std::string_view data) {
    const std::string encoded = crypto::base64_encode(data);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += kPreferredLineLength) {
        if (i > 0) out += kCrlf;
        out += encoded.substr(i, kPreferredLineLength);
    }
    return out;
}

// Quoted-printable (RFC 2045 section 6.7): line breaks of any kind become CRLF, lines are
// soft-broken so that none exceeds 76 characters, and trailing blanks are escaped so that
// transports that strip them cannot change the text.
std::string quoted_printable(std::string_view text) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t line_length = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\r' || c == '\n') {
            out += kCrlf;
            line_length = 0;
            i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        const bool last_of_line =
            i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
        const bool blank = c == ' ' || c == '\t';
        std::string token;
        if ((c > 0x20 && c < 0x7f && c != '=') || (blank && !last_of_line)) {
            token = c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            token = {'=', hex[byte >> 4], hex[byte & 0x0f]};
        }
        // Room for the "=" of a soft break is needed unless the hard line ends here.
        const std::size_t limit = last_of_line ? kPreferredLineLength : kPreferredLineLength - 1;
        if (line_length + token.size() > limit) {
            out += "=\r\n";
            line_length = 0;
        }
        out += token;
        line_length += token.size();
        ++i;
    }
    return out;
}

// RFC 2047 B encoded words for `raw` (made valid UTF-8), each at most 75 characters and cut only
// between characters, separated by CRLF SP. `first_line_used` is how much of the first line the
// header name already takes, so that every line stays within 76 characters.
std::string encoded_words(std::string_view raw, std::size_t first_line_used) {
    const std::string text = utf8::repaired(raw);
    const std::size_t overhead = kEncodedWordPrefix.size() + kEncodedWordSuffix.size();
    std::string out;
    std::size_t start = 0;
    bool first = true;
    while (start < text.size() || first) {
        const std::size_t room =
            first ? std::min(kMaxEncodedWordLength, kPreferredLineLength - first_line_used)
                  : kMaxEncodedWordLength;  // after the SP of the fold
        const std::size_t max_bytes = (room - overhead) / 4 * 3;
        std::size_t end =
            start + utf8::prefix(std::string_view(text).substr(start), max_bytes).size();
        if (end == start && start < text.size()) utf8::next_code_point(text, end);  // no room
        const std::string_view word = std::string_view(text).substr(start, end - start);
        if (!first) out += "\r\n ";
        out += kEncodedWordPrefix;
        out += crypto::base64_encode(word);
        out += kEncodedWordSuffix;
        start = end;
        first = false;
    }
    return out;
}

bool fits_line_limit(std::string_view header) {
    std::size_t line_start = 0;
    while (true) {
        const std::size_t line_end = header.find(kCrlf, line_start);
        const std::size_t length =
            (line_end == std::string_view::npos ? header.size() : line_end) - line_start;
        if (length > kMaxLineLength) return false;
        if (line_end == std::string_view::npos) return true;
        line_start = line_end + kCrlf.size();
    }
}

// An unstructured ASCII value folded (CRLF inserted before a blank) to about 78 characters.
// A fold is only made before a blank run that is followed by a word, so that no folded line
// is blank.
std::string fold_unstructured(std::string_view name, std::string_view value) {
    std::string out(name);
    out += ": ";
    std::size_t line_length = out.size();
    std::size_t i = 0;
    while (i < value.size()) {
        // The next segment: a run of blanks and the word after it.
        std::size_t end = i;
        while (end < value.size() && value[end] == ' ')
            ++end;
        const bool has_word = end < value.size();
        while (end < value.size() && value[end] != ' ')
            ++end;
        const std::size_t length = end - i;
        if (i > 0 && value[i] == ' ' && has_word && line_length + length > kFoldLineLength) {
            out += kCrlf;
            line_length = 0;
        }
        out += value.substr(i, length);
        line_length += length;
        i = end;
    }
    return out;
}

std::string subject_header(std::string_view subject) {
    // Plain when it can be: readable in any client. "=?" would be taken for an encoded word.
    if (is_printable_ascii(subject) && subject.find("=?") == std::string_view::npos) {
        std::string folded = fold_unstructured("Subject", subject);
        if (fits_line_limit(folded)) return folded;
    }
    return "Subject: " + encoded_words(subject, std::string_view("Subject: ").size());
}

std::string from_header(std::string_view from) {
    const Mailbox mailbox = parse_mailbox(from);
    const std::string prefix = "From: ";
    if (mailbox.display_name.empty()) return prefix + mailbox.address;

    const std::string angle_address = "<" + mailbox.address + ">";
    const std::string_view name = mailbox.display_name;
    if (is_printable_ascii(name) && name.find("=?") == std::string_view::npos) {
        bool is_atoms = true;  // letters, digits and the atext symbols, separated by spaces
        for (char c : name) {
            if (!is_ascii_letter_or_digit(c) &&
                std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) == std::string_view::npos) {
                is_atoms = false;
            }
        }
        std::string phrase;
        if (is_atoms) {
            phrase = name;
        } else {
            phrase = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') phrase += '\\';
                phrase += c;
            }
            phrase += '"';
        }
        std::string header = prefix + phrase + " " + angle_address;
        if (header.size() <= kMaxLineLength) return header;
    }
    std::string header = prefix + encoded_words(name, prefix.size());
    const std::size_t last_line = header.rfind(kCrlf);
    const std::size_t last_line_length =
        header.size() - (last_line == std::string::npos ? 0 : last_line + kCrlf.size());
    header += last_line_length + 1 + angle_address.size() > kPreferredLineLength ? "\r\n " : " ";
    return header + angle_address;
}

// RFC 5322 section 3.3 date-time, in UTC.
std::string date_header(std::int64_t unix_time) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto time = static_cast<std::time_t>(unix_time);
    std::tm utc{};
    if (gmtime_r(&time, &utc) == nullptr) throw std::invalid_argument("date out of range");
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000",
                  days[utc.tm_wday], utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900,
                  utc.tm_hour, utc.tm_min, utc.tm_sec);
    return buffer;
}

void validate_message_id(std::string_view message_id) {
    refuse_line_break(message_id, "the Message-ID");
    if (message_id.empty() || message_id.size() > kMaxMessageIdLength) {
        throw HeaderInjection("the Message-ID must be 1 to 250 characters");
    }
    for (char c : message_id) {
        if (!is_ascii_letter_or_digit(c) && c != '.' && c != '@' && c != '_' && c != '-') {
            throw HeaderInjection("the Message-ID may only hold letters, digits and .@_-");
        }
    }
}

// "type/subtype" made of RFC 2045 token characters: no parameter can be slipped in.
void validate_content_type(std::string_view content_type) {
    refuse_line_break(content_type, "an attachment content type");
    const auto is_token_char = [](char c) {
        return is_ascii_letter_or_digit(c) ||
               std::string_view("!#$%&'*+-.^_`{|}~").find(c) != std::string_view::npos;
    };
    const std::size_t slash = content_type.find('/');
    bool valid = slash != std::string_view::npos && slash > 0 && slash + 1 < content_type.size();
    for (std::size_t i = 0; valid && i < content_type.size(); ++i) {
        valid = i == slash || is_token_char(content_type[i]);
    }
    if (!valid) throw HeaderInjection("an attachment content type is not type/subtype");
}

void validate_filename(std::string_view filename) {
    refuse_line_break(filename, "an attachment file name");
    bool valid = !filename.empty() && filename.size() <= 200;
    for (char c : filename) {
        if (!is_ascii_letter_or_digit(c) && c != '.' && c != '_' && c != '-') valid = false;
    }
    if (!valid) throw HeaderInjection("an attachment file name may only hold A-Z a-z 0-9 . _ -");
}

// A boundary cannot occur in the content: QP never writes "=" before anything but a hex digit
// or a line break, and base64 has neither "=_" nor "_". The two boundaries of one message have
// the same length and differ before their end, so neither is a prefix of the other.
class Boundaries {
  public:
    explicit Boundaries(std::string_view message_id) {
        static std::atomic<std::uint64_t> counter{0};
        std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
        for (char c : message_id) {
            hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        }
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "=_authd_%016llx_%08llx",
                      static_cast<unsigned long long>(hash),
                      static_cast<unsigned long long>(counter.fetch_add(1) & 0xffffffffu));
        base_ = buffer;
    }
    std::string mixed() const { return base_ + "_m"; }
    std::string alternative() const { return base_ + "_a"; }

  private:
    std::string base_;
};

std::string text_part(std::string_view subtype, std::string_view content) {
    std::string part = "Content-Type: text/";
    part += subtype;
    part += "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    part += quoted_printable(utf8::repaired(content));  // it says utf-8, so it is
    return part;
}

// Parts of a multipart body. Each part's content is followed by the CRLF that belongs to the
// next delimiter (RFC 2046 section 5.1.1).
std::string multipart(std::string_view subtype, const std::string& boundary,
                      const std::vector<std::string>& parts) {
    std::string out = "Content-Type: multipart/";
    out += subtype;
    out += "; boundary=\"" + boundary + "\"\r\n\r\n";
    for (const std::string& part : parts) {
        out += "--" + boundary + "\r\n";
        out += part;
        out += "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

std::string body(const Email& email, const Boundaries& boundaries) {
    std::string content =
        email.html.empty()
            ? text_part("plain", email.text)
            : multipart("alternative", boundaries.alternative(),
                        {text_part("plain", email.text), text_part("html", email.html)});
    if (email.attachments.empty()) return content;

    std::vector<std::string> parts{content};
    for (const Attachment& attachment : email.attachments) {
        std::string part = "Content-Type: " + attachment.content_type + "; name=\"" +
                           attachment.filename + "\"\r\n";
        part += "Content-Disposition: attachment; filename=\"" + attachment.filename + "\"\r\n";
        part += "Content-Transfer-Encoding: base64\r\n\r\n";
        part += base64_body(attachment.data);
        parts.push_back(std::move(part));
    }
    return multipart("mixed", boundaries.mixed(), parts);
}

}  // namespace

bool has_line_break(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string bare_address(std::string_view mailbox) {
    return parse_mailbox(mailbox).address;
}

std::string render(const Email& email, std::string_view from, std::string_view message_id,
                   std::int64_t unix_time) {
    validate_plain_address(email.to, "the recipient");
    refuse_line_break(email.subject, "the subject");
    validate_message_id(message_id);
    for (const Attachment& attachment : email.attachments) {
        validate_filename(attachment.filename);
        validate_content_type(attachment.content_type);
    }

    std::string out;
    for (const std::string& header :
         {from_header(from), "To: " + email.to, subject_header(email.subject),
          date_header(unix_time), "Message-ID: <" + std::string(message_id) + ">",
          std::string("MIME-Version: 1.0"), std::string("Auto-Submitted: auto-generated")}) {
        out += header;
        out += kCrlf;
    }
    std::string content = body(email, Boundaries(message_id));
    out += content;
    // A single text part ends with its own line break (multiparts already do).
    if (out.size() < 2 || out.compare(out.size() - 2, 2, kCrlf) != 0) out += kCrlf;
    return out;
}

}  // namespace authd::mail
