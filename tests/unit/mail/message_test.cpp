#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "mail/message.h"

namespace authd {
namespace {

using mail::Attachment;
using mail::Email;
using mail::HeaderInjection;

constexpr std::string_view kFrom = "authd <noreply@example.com>";
constexpr std::string_view kMessageId = "20261124.abc123@authd.example.com";
constexpr std::int64_t kTime = 1795525200;  // Tue, 24 Nov 2026 13:00:00 UTC

std::string render(const Email& email, std::string_view from = kFrom) {
    return mail::render(email, from, kMessageId, kTime);
}

Email simple_email() {
    Email email;
    email.to = "alice@example.com";
    email.subject = "Welcome";
    email.text = "Hello Alice,\nwelcome to authd.\n";
    return email;
}

std::vector<std::string> split(std::string_view text, std::string_view separator) {
    std::vector<std::string> pieces;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        pieces.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos) return pieces;
        start = end + separator.size();
    }
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// A header block and a body, split at the first empty line; header values unfolded.
struct Entity {
    std::string raw_headers;
    std::map<std::string, std::string> headers;  // unfolded values
    std::string body;
};

Entity parse_entity(std::string_view text) {
    Entity entity;
    const std::size_t blank = text.find("\r\n\r\n");
    EXPECT_NE(blank, std::string_view::npos) << "no blank line after the headers";
    if (blank == std::string_view::npos) return entity;
    entity.raw_headers = text.substr(0, blank);
    entity.body = text.substr(blank + 4);
    std::string name;
    for (const std::string& line : split(entity.raw_headers, "\r\n")) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            entity.headers[name] += line;  // unfolding removes only the CRLF
            continue;
        }
        const std::size_t colon = line.find(": ");
        EXPECT_NE(colon, std::string::npos) << "malformed header line: " << line;
        if (colon == std::string::npos) continue;
        name = line.substr(0, colon);
        EXPECT_EQ(entity.headers.count(name), 0u) << "header twice: " << name;
        entity.headers[name] = line.substr(colon + 2);
    }
    return entity;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard padded base64, line breaks ignored; fails the test on anything else.
std::string decode_base64(std::string_view text) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    std::size_t padding = 0;
    for (char c : text) {
        if (c == '\r' || c == '\n') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        const int value = base64_value(c);
        EXPECT_GE(value, 0) << "not base64: " << c;
        EXPECT_EQ(padding, 0u) << "data after padding";
        buffer = buffer << 6 | static_cast<unsigned>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(buffer >> bits & 0xff);
        }
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode_quoted_printable(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (text.substr(i + 1, 2) == "\r\n") {
            i += 2;  // soft line break
        } else {
            const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            EXPECT_TRUE(high >= 0 && low >= 0) << "bad escape at " << i;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        }
    }
    return out;
}

// Decodes a header value made of "=?UTF-8?B?...?=" words separated by blanks; each word must
// hold whole UTF-8 sequences.
std::string decode_encoded_words(std::string_view value) {
    std::string out;
    for (const std::string& word : split(value, " ")) {
        EXPECT_LE(word.size(), 75u) << word;
        EXPECT_TRUE(starts_with(word, "=?UTF-8?B?")) << word;
        EXPECT_EQ(word.substr(word.size() - 2), "?=") << word;
        const std::string decoded = decode_base64(word.substr(10, word.size() - 12));
        EXPECT_FALSE(decoded.empty());
        // Whole sequences: no leading continuation byte, no cut-off lead byte at the end.
        EXPECT_NE(static_cast<unsigned char>(decoded.front()) & 0xc0, 0x80) << word;
        std::size_t tail = 0;
        while (tail < decoded.size() &&
               (static_cast<unsigned char>(decoded[decoded.size() - 1 - tail]) & 0xc0) == 0x80) {
            ++tail;
        }
        const auto lead = static_cast<unsigned char>(decoded[decoded.size() - 1 - tail]);
        const std::size_t expected_tail = lead >= 0xf0   ? 3
                                          : lead >= 0xe0 ? 2
                                          : lead >= 0xc0 ? 1
                                                         : 0;
        EXPECT_EQ(tail, expected_tail) << "a UTF-8 sequence is split in " << word;
        out += decoded;
    }
    return out;
}

std::string boundary_of(const std::string& content_type) {
    const std::string marker = "boundary=\"";
    const std::size_t start = content_type.find(marker);
    EXPECT_NE(start, std::string::npos) << content_type;
    if (start == std::string::npos) return "";
    const std::size_t end = content_type.find('"', start + marker.size());
    return content_type.substr(start + marker.size(), end - start - marker.size());
}

// The parts of a multipart body (RFC 2046 section 5.1.1), checking the delimiters.
std::vector<std::string> parts_of(std::string_view body, const std::string& boundary) {
    const std::string first = "--" + boundary + "\r\n";
    const std::string delimiter = "\r\n--" + boundary;
    std::vector<std::string> parts;
    std::size_t start = body.find(first);
    EXPECT_EQ(start, 0u) << "the body does not start with the first delimiter";
    if (start == std::string_view::npos) return parts;
    start += first.size();
    while (true) {
        const std::size_t end = body.find(delimiter, start);
        EXPECT_NE(end, std::string_view::npos) << "no closing delimiter";
        if (end == std::string_view::npos) return parts;
        parts.emplace_back(body.substr(start, end - start));
        const std::string_view after = body.substr(end + delimiter.size());
        if (starts_with(after, "--")) {
            EXPECT_EQ(after, "--\r\n") << "something after the closing delimiter";
            return parts;
        }
        EXPECT_TRUE(starts_with(after, "\r\n"));
        start = end + delimiter.size() + 2;
    }
}

void expect_crlf_only(std::string_view mime) {
    for (std::size_t i = 0; i < mime.size(); ++i) {
        if (mime[i] == '\n') {
            ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << "bare LF at " << i;
        }
        if (mime[i] == '\r') {
            ASSERT_TRUE(i + 1 < mime.size() && mime[i + 1] == '\n') << "bare CR at " << i;
        }
    }
}

void expect_lines_at_most(std::string_view text, std::size_t limit) {
    for (const std::string& line : split(text, "\r\n")) {
        EXPECT_LE(line.size(), limit) << line;
    }
}

std::string crlf(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

TEST(Mime, TextOnlyMessageHasCrlfLinesAndTheStandardHeaders) {
    const std::string mime = render(simple_email());
    expect_crlf_only(mime);
    const Entity message = parse_entity(mime);
    EXPECT_EQ(message.headers.at("From"), "authd <noreply@example.com>");
    EXPECT_EQ(message.headers.at("To"), "alice@example.com");
    EXPECT_EQ(message.headers.at("Subject"), "Welcome");
    EXPECT_EQ(message.headers.at("Date"), "Tue, 24 Nov 2026 13:00:00 +0000");
    EXPECT_EQ(message.headers.at("Message-ID"), "<20261124.abc123@authd.example.com>");
    EXPECT_EQ(message.headers.at("MIME-Version"), "1.0");
    EXPECT_EQ(message.headers.at("Auto-Submitted"), "auto-generated");
    EXPECT_EQ(message.headers.at("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(message.headers.at("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_TRUE(starts_with(mime, "From: "));
    EXPECT_EQ(decode_quoted_printable(message.body), "Hello Alice,\r\nwelcome to authd.\r\n");
}

TEST(Mime, DateIsRfc5322InUtcFromTheGivenTime) {
    EXPECT_EQ(parse_entity(mail::render(simple_email(), kFrom, kMessageId, 0)).headers.at("Date"),
              "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(
        parse_entity(mail::render(simple_email(), kFrom, kMessageId, 951868799)).headers.at("Date"),
        "Tue, 29 Feb 2000 23:59:59 +0000");
}

TEST(Mime, Utf8SubjectBecomesShortEncodedWordsThatDecodeBack) {
    const std::string subject = "Réinitialisation du mot de passe — authd";
    for (const std::string& text : {subject, subject + " " + subject + " " + subject + " 🔑🔑🔑"}) {
        Email email = simple_email();
        email.subject = text;
        const std::string mime = render(email);
        expect_crlf_only(mime);
        const Entity message = parse_entity(mime);
        expect_lines_at_most(message.raw_headers, 76);
        EXPECT_EQ(decode_encoded_words(message.headers.at("Subject")), text);
    }
}

TEST(Mime, LongAsciiSubjectIsFoldedAndUnfoldsBack) {
    Email email = simple_email();
    std::string subject;
    for (int i = 0; i < 40; ++i)
        subject += "word" + std::to_string(i) + " ";
    subject += "end";
    email.subject = subject;
    const Entity message = parse_entity(render(email));
    expect_lines_at_most(message.raw_headers, 78);
    EXPECT_EQ(message.headers.at("Subject"), subject);
}

TEST(Mime, SubjectThatLooksLikeAnEncodedWordIsEncoded) {
    Email email = simple_email();
    email.subject = "=?UTF-8?B?SGk=?=";
    EXPECT_EQ(decode_encoded_words(parse_entity(render(email)).headers.at("Subject")),
              email.subject);
}

TEST(Mime, QuotedPrintableBodyDecodesBackToTheText) {
    Email email = simple_email();
    email.text = "Bonjour Zoë, ceci est un lien : https://auth.example.com/reset?token=abc=def\n" +
                 std::string(200, 'x') + "\n" + std::string(150, 'e') + "é€\n" +
                 "trailing blanks  \nand a tab\t\n\nwindows\r\nold mac\rend = 100%";
    const Entity message = parse_entity(render(email));
    expect_lines_at_most(message.body, 76);
    for (const std::string& line : split(message.body, "\r\n")) {
        EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t')) << line;
        for (char c : line)
            EXPECT_TRUE((c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t');
    }
    const std::string expected =
        crlf("Bonjour Zoë, ceci est un lien : https://auth.example.com/reset?token=abc=def\n" +
             std::string(200, 'x') + "\n" + std::string(150, 'e') + "é€\n" +
             "trailing blanks  \nand a tab\t\n\nwindows\nold mac\nend = 100%");
    EXPECT_EQ(decode_quoted_printable(message.body), expected + "\r\n");
}

TEST(Mime, HtmlMakesMultipartAlternativeWithTextFirst) {
    Email email = simple_email();
    email.html = "<p>Hello <b>Alice</b> — <a href=\"https://x.example/?a=1\">confirm</a></p>";
    const std::string mime = render(email);
    expect_crlf_only(mime);
    const Entity message = parse_entity(mime);
    const std::string content_type = message.headers.at("Content-Type");
    EXPECT_TRUE(starts_with(content_type, "multipart/alternative; boundary=\"")) << content_type;
    const std::string boundary = boundary_of(content_type);
    EXPECT_TRUE(starts_with(boundary, "=_authd_")) << boundary;

    const std::vector<std::string> parts = parts_of(message.body, boundary);
    ASSERT_EQ(parts.size(), 2u);
    const Entity text = parse_entity(parts[0]);
    const Entity html = parse_entity(parts[1]);
    EXPECT_EQ(text.headers.at("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(html.headers.at("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(html.headers.at("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(decode_quoted_printable(text.body), crlf(email.text));
    EXPECT_EQ(decode_quoted_printable(html.body), email.html);
}

TEST(Mime, AttachmentsMakeMultipartMixedWithBase64Parts) {
    Email email = simple_email();
    email.html = "<p>Your export</p>";
    std::string json = "{\"user\":\"alice\",\"note\":\"ünïcödé\",\"items\":[";
    for (int i = 0; i < 50; ++i)
        json += std::to_string(i) + ",";
    json += "0]}";
    std::string binary;
    for (int i = 0; i < 256; ++i)
        binary += static_cast<char>(i);
    email.attachments = {{"authd-export.json", "application/json", json},
                         {"raw_bytes.bin", "application/octet-stream", binary}};
    const std::string mime = render(email);
    expect_crlf_only(mime);
    const Entity message = parse_entity(mime);
    const std::string mixed = boundary_of(message.headers.at("Content-Type"));
    EXPECT_TRUE(starts_with(message.headers.at("Content-Type"), "multipart/mixed;"));

    const std::vector<std::string> parts = parts_of(message.body, mixed);
    ASSERT_EQ(parts.size(), 3u);
    const Entity alternative = parse_entity(parts[0]);
    EXPECT_TRUE(starts_with(alternative.headers.at("Content-Type"), "multipart/alternative;"));
    const std::string inner = boundary_of(alternative.headers.at("Content-Type"));
    EXPECT_NE(inner, mixed);
    EXPECT_FALSE(starts_with(inner, mixed));  // neither delimiter may match the other's lines
    EXPECT_FALSE(starts_with(mixed, inner));
    EXPECT_EQ(parts_of(alternative.body, inner).size(), 2u);

    const Entity export_part = parse_entity(parts[1]);
    EXPECT_EQ(export_part.headers.at("Content-Type"),
              "application/json; name=\"authd-export.json\"");
    EXPECT_EQ(export_part.headers.at("Content-Disposition"),
              "attachment; filename=\"authd-export.json\"");
    EXPECT_EQ(export_part.headers.at("Content-Transfer-Encoding"), "base64");
    expect_lines_at_most(export_part.body, 76);
    EXPECT_EQ(decode_base64(export_part.body), json);
    EXPECT_EQ(decode_base64(parse_entity(parts[2]).body), binary);

    // A new boundary for every render.
    EXPECT_NE(boundary_of(parse_entity(render(email)).headers.at("Content-Type")), mixed);
}

TEST(Mime, TextWithAttachmentAndNoHtmlPutsThePlainPartFirst) {
    Email email = simple_email();
    email.attachments = {{"a.txt", "text/plain", "x"}};
    const Entity message = parse_entity(render(email));
    const std::vector<std::string> parts =
        parts_of(message.body, boundary_of(message.headers.at("Content-Type")));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parse_entity(parts[0]).headers.at("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(decode_base64(parse_entity(parts[1]).body), "x");
}

TEST(Mime, FromDisplayNameIsQuotedOrEncodedAsNeeded) {
    const auto from_of = [](std::string_view from) {
        return parse_entity(render(simple_email(), from)).headers.at("From");
    };
    EXPECT_EQ(from_of("noreply@example.com"), "noreply@example.com");
    EXPECT_EQ(from_of("Authd Team <noreply@example.com>"), "Authd Team <noreply@example.com>");
    EXPECT_EQ(from_of("Authd, Inc. <noreply@example.com>"),
              "\"Authd, Inc.\" <noreply@example.com>");
    EXPECT_EQ(from_of("\"Say \\\"hi\\\"\" <noreply@example.com>"),
              "\"Say \\\"hi\\\"\" <noreply@example.com>");

    const std::string encoded = from_of("Équipe authd <noreply@example.com>");
    const std::string suffix = " <noreply@example.com>";
    ASSERT_GT(encoded.size(), suffix.size());
    EXPECT_EQ(encoded.substr(encoded.size() - suffix.size()), suffix);
    EXPECT_EQ(decode_encoded_words(encoded.substr(0, encoded.size() - suffix.size())),
              "Équipe authd");
}

TEST(Mime, HeaderInjectionIsRefusedInEveryField) {
    const auto refused = [](const Email& email, std::string_view from = kFrom,
                            std::string_view message_id = kMessageId) {
        try {
            mail::render(email, from, message_id, kTime);
        } catch (const HeaderInjection&) {
            return true;
        }
        return false;
    };
    EXPECT_FALSE(refused(simple_email()));

    for (const char* to :
         {"a@b.c\r\nBcc: x@y.z", "a@b.c\n", "Alice <a@b.c>", "a@b@c", "a b@c.d", "@b.c", "a@",
          "ab.c", "a@b.c,x@y.z", "a@b.c;", "\"a\"@b.c", "a(x)@b.c", "a\\b@c.d", ""}) {
        Email email = simple_email();
        email.to = to;
        EXPECT_TRUE(refused(email)) << to;
    }
    Email email = simple_email();
    email.to = std::string("a@b.c\0x", 7);
    EXPECT_TRUE(refused(email));

    email = simple_email();
    email.subject = "Hello\nBcc: x@y.z";
    EXPECT_TRUE(refused(email));
    email.subject = "Hello\rthere";
    EXPECT_TRUE(refused(email));

    EXPECT_TRUE(refused(simple_email(), "authd <noreply@example.com>\r"));
    EXPECT_TRUE(refused(simple_email(), "authd\r\nBcc: x@y.z <noreply@example.com>"));
    EXPECT_TRUE(refused(simple_email(), "authd <a@b@c>"));
    EXPECT_TRUE(refused(simple_email(), kFrom, "id\r\nBcc: x@y.z"));
    EXPECT_TRUE(refused(simple_email(), kFrom, "<id@x>"));
    EXPECT_TRUE(refused(simple_email(), kFrom, "id x"));
    EXPECT_TRUE(refused(simple_email(), kFrom, ""));

    for (const char* filename : {"../etc/passwd", "a b.json", "a\".json", "a\r\n.json", ""}) {
        email = simple_email();
        email.attachments = {{filename, "application/json", "{}"}};
        EXPECT_TRUE(refused(email)) << filename;
    }
    for (const char* type : {"application/json\r\nBcc: x@y.z", "text/plain; charset=x", "json",
                             "application/json\""}) {
        email = simple_email();
        email.attachments = {{"a.json", type, "{}"}};
        EXPECT_TRUE(refused(email)) << type;
    }
}

TEST(Mime, BareAddressTakesTheAddressOutOfAMailbox) {
    EXPECT_EQ(mail::bare_address("Name <a@b.c>"), "a@b.c");
    EXPECT_EQ(mail::bare_address("a@b.c"), "a@b.c");
    EXPECT_EQ(mail::bare_address("\"Doe, Jane\" <jane@example.com>"), "jane@example.com");
    EXPECT_EQ(mail::bare_address("<a@b.c>"), "a@b.c");
    EXPECT_EQ(mail::bare_address("Équipe <a@b.c> "), "a@b.c");
    for (const char* invalid : {"", "Name", "Name <>", "Name <a@b.c", "Name <a b@c.d>", "a@b.c\r\n",
                                "Name <a@b.c>\nBcc: x@y.z", "a@b.c, d@e.f"}) {
        EXPECT_THROW(mail::bare_address(invalid), HeaderInjection) << invalid;
    }
}

TEST(Mime, HasLineBreakFindsCrLfAndNul) {
    EXPECT_FALSE(mail::has_line_break("plain text\tand tab"));
    EXPECT_TRUE(mail::has_line_break("a\rb"));
    EXPECT_TRUE(mail::has_line_break("a\nb"));
    EXPECT_TRUE(mail::has_line_break(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace authd
