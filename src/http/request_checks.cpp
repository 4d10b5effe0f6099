#include "http/request_checks.h"

#include <boost/asio/ip/address_v6.hpp>
#include <boost/beast/core/string.hpp>

#include <vector>

#include "util/errors.h"
#include "util/text.h"

namespace authd::http {
namespace beast = boost::beast;
namespace {

// A coding's name as an answer may quote it: lower-cased, at most 40 characters, every
// character that a token cannot hold (RFC 9110 §5.6.2: controls, blanks, bytes over 0x7F,
// separators) replaced by '?', so that the JSON answer is valid UTF-8 whatever was sent.
std::string quotable(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 40)) {
        const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        out += !token ? '?' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

// The elements of every `name` header of `header`, as one comma-separated list (RFC 9110
// §5.3), each without its parameters and made quotable; empty elements are skipped.
std::vector<std::string> list_elements(const bhttp::fields& header, bhttp::field name) {
    std::vector<std::string> elements;
    auto [first, last] = header.equal_range(name);
    for (auto it = first; it != last; ++it) {
        std::string_view rest = it->value();
        for (;;) {
            const auto comma = rest.find(',');
            auto element = rest.substr(0, comma);
            element = text::trim_blanks(element.substr(0, element.find(';')));
            if (!element.empty()) elements.push_back(quotable(element));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return elements;
}

bool is_reg_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~!$&'()*+,;=%").find(c) != std::string_view::npos;
}

bool valid_host_value(std::string_view value) {
    std::string_view port;
    if (!value.empty() && value.front() == '[') {
        const auto close = value.find(']');
        if (close == std::string_view::npos) return false;
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(std::string(value.substr(1, close - 1)), ec);
        if (ec) return false;
        const auto rest = value.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
        if (!rest.empty()) port = rest.substr(1);
    } else {
        const auto colon = value.find(':');
        const auto host = value.substr(0, colon);
        for (char c : host)
            if (!is_reg_name_char(c)) return false;
        if (colon != std::string_view::npos) port = value.substr(colon + 1);
    }
    for (char c : port)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

std::string_view target_path(std::string_view target) {
    std::string_view rest = target;
    const auto separator = rest.find("://");
    if (separator != std::string_view::npos && !rest.empty() && rest.front() != '/') {
        const auto scheme = rest.substr(0, separator);
        if (beast::iequals(scheme, "http") || beast::iequals(scheme, "https")) {
            rest.remove_prefix(separator + 3);
            const auto path_start = rest.find_first_of("/?#");
            if (path_start == std::string_view::npos || rest[path_start] != '/') return "/";
            rest.remove_prefix(path_start);
        }
    }
    return rest.substr(0, rest.find_first_of("?#"));
}

bool valid_host_headers(const bhttp::request_header<>& header) {
    const auto count = header.count(bhttp::field::host);
    if (count == 0) return header.version() < 11;
    if (count > 1) return false;
    return valid_host_value(header[bhttp::field::host]);
}

TransferCodings transfer_codings(const bhttp::request_header<>& header) {
    TransferCodings result;
    if (header.find(bhttp::field::transfer_encoding) == header.end()) return result;
    int chunked = 0;
    for (auto& coding : list_elements(header, bhttp::field::transfer_encoding)) {
        if (coding == "chunked") {
            ++chunked;
            continue;
        }
        result.verdict = TransferCodings::Verdict::unsupported;
        result.coding = std::move(coding);
        return result;
    }
    // RFC 9112 §6.1: chunked exactly once (and so last); HTTP/1.0 knows no transfer codings, so
    // its framing cannot be trusted.
    result.verdict = chunked == 1 && header.version() >= 11 ? TransferCodings::Verdict::chunked
                                                            : TransferCodings::Verdict::malformed;
    return result;
}

void refuse_content_codings(const Request& request) {
    for (const auto& coding : list_elements(request, bhttp::field::content_encoding)) {
        if (coding == "identity") continue;
        throw Error(
            ErrorKind::unsupported_encoding, "unsupported_content_encoding",
            i18n::Message(i18n::keys::unsupported_content_encoding, {{"encoding", coding}}));
    }
}

}  // namespace authd::http
