#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "mail/transport.h"

namespace authd::mail {
namespace {

std::string without_carriage_returns(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        out += text[i];
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Quoted-printable back to text: soft breaks joined, =XX decoded.
std::string decode_quoted_printable(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string header_line(std::string_view message, std::string_view name) {
    const std::string key = "\n" + std::string(name) + ": ";
    const std::string padded = "\n" + std::string(message);
    const auto start = padded.find(key);
    if (start == std::string::npos) return "";
    const auto end = padded.find('\n', start + 1);
    return padded.substr(start + 1, end - start - 1);
}

// The message's plain-text part, decoded, so that links can be copied from the terminal;
// the whole MIME text when there is no quoted-printable text part.
std::string readable(const std::string& message) {
    const std::string marker = "Content-Type: text/plain; charset=utf-8\n";
    const auto part = message.find(marker);
    if (part == std::string::npos) return message;
    const auto body = message.find("\n\n", part);
    if (body == std::string::npos) return message;
    const std::string_view headers(message.data() + part, body - part);
    if (headers.find("quoted-printable") == std::string_view::npos) return message;
    auto end = message.find("\n--=_authd", body);
    if (end == std::string::npos) end = message.size();
    std::string text =
        decode_quoted_printable(std::string_view(message).substr(body + 2, end - body - 2));
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return header_line(message, "Subject") + "\n\n" + text;
}

// The zero-configuration run: each message's subject and text, on standard output.
class ConsoleTransport final : public Transport {
  public:
    void deliver(const Envelope& envelope, const std::string& mime,
                 std::stop_token /*stop: printing does not wait*/) override {
        const std::string block = "----- e-mail to " + envelope.to_address + " -----\n" +
                                  readable(without_carriage_returns(mime)) +
                                  "\n----- end of e-mail -----\n";
        // One process-wide lock, so that concurrent messages never interleave on stdout.
        static std::mutex stdout_mutex;
        std::lock_guard lock(stdout_mutex);
        std::fwrite(block.data(), 1, block.size(), stdout);
        std::fflush(stdout);
    }
};

}  // namespace

std::unique_ptr<Transport> make_console_transport() {
    return std::make_unique<ConsoleTransport>();
}

}  // namespace authd::mail
