#include "http/client_address.h"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "http/request_checks.h"
#include "util/text.h"

namespace authd::http {
namespace ip = boost::asio::ip;
namespace {

// "::ffff:10.0.0.1" is how a dual-stack socket shows an IPv4 peer; treat it as the IPv4 address.
ip::address normalized(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

std::optional<ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(text::trim_blanks(text)), ec);
    if (ec) return std::nullopt;
    return normalized(address);
}

// A port as RFC 7239 writes it: 1 to 5 digits up to 65535, or an obfuscated "_name" (which
// hides the port, not the address).
bool valid_port(std::string_view port) {
    if (port.empty()) return false;
    if (port.front() == '_') {
        for (char c : port.substr(1)) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) return false;
        }
        return true;
    }
    if (port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= 65535;
}

// `text` cut at each `separator` that is not inside a quoted-string (RFC 9110 §5.6.4: '"'
// opens and closes, '\' escapes the next character). `unterminated` is set when a quote is
// left open.
std::vector<std::string_view> split_outside_quotes(std::string_view text, char separator,
                                                   bool& unterminated) {
    std::vector<std::string_view> pieces;
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == separator) {
            pieces.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    pieces.push_back(text.substr(start));
    if (quoted) unterminated = true;
    return pieces;
}

// A Forwarded parameter's value: a quoted-string (unquoted here) or a plain run of visible
// characters; nullopt when it is neither (empty, blanks inside, text after the closing quote).
std::optional<std::string> forwarded_value(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.front() != '"') {
        for (char c : text)
            if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) return std::nullopt;
        return std::string(text);
    }
    std::string value;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            if (i + 1 != text.size()) return std::nullopt;
            return value;
        }
        if (c == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
    }
    return std::nullopt;  // no closing quote
}

bool prefix_matches(const ip::address_v6::bytes_type& a, const ip::address_v6::bytes_type& b,
                    unsigned prefix_length) {
    for (unsigned bit = 0; bit < prefix_length; ++bit) {
        const unsigned byte = bit / 8;
        const unsigned mask = 0x80u >> (bit % 8);
        if ((a[byte] & mask) != (b[byte] & mask)) return false;
    }
    return true;
}

}  // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (const auto& entry : entries) {
        boost::system::error_code ec;
        const std::string text(text::trim_blanks(entry));
        if (text.find('/') != std::string::npos) {
            auto v4 = ip::make_network_v4(text, ec);
            if (!ec) {
                v4_.push_back(v4);
                continue;
            }
            ec.clear();
            auto v6 = ip::make_network_v6(text, ec);
            if (!ec) {
                v6_.push_back(v6);
                continue;
            }
        } else if (auto address = parse_address(text)) {
            if (address->is_v4())
                v4_.emplace_back(address->to_v4(), 32);
            else
                v6_.emplace_back(address->to_v6(), 128);
            continue;
        }
        throw std::invalid_argument("invalid trusted proxy \"" + entry + "\"");
    }
}

bool TrustedProxies::contains(const ip::address& raw_address) const {
    const auto address = normalized(raw_address);
    if (address.is_v4()) {
        const auto value = address.to_v4().to_uint();
        for (const auto& network : v4_) {
            const auto mask = network.netmask().to_uint();
            if ((value & mask) == (network.address().to_uint() & mask)) return true;
        }
        return false;
    }
    const auto bytes = address.to_v6().to_bytes();
    for (const auto& network : v6_) {
        if (prefix_matches(bytes, network.address().to_bytes(), network.prefix_length()))
            return true;
    }
    return false;
}

std::optional<ip::address> parse_forwarded_address(std::string_view entry) {
    entry = text::trim_blanks(entry);
    if (entry.empty()) return std::nullopt;
    if (entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto after = entry.substr(close + 1);
        if (!after.empty() && (after.front() != ':' || !valid_port(after.substr(1))))
            return std::nullopt;
        boost::system::error_code ec;
        const auto v6 = ip::make_address_v6(std::string(entry.substr(1, close - 1)), ec);
        if (ec) return std::nullopt;
        return normalized(ip::address(v6));
    }
    if (auto address = parse_address(entry)) return address;
    // Not an address as it is: an IPv4 address with a port ("192.0.2.1:4711"). An IPv6
    // address takes a port only in brackets.
    const auto colon = entry.rfind(':');
    if (colon == std::string_view::npos || !valid_port(entry.substr(colon + 1)))
        return std::nullopt;
    boost::system::error_code ec;
    const auto v4 = ip::make_address_v4(std::string(entry.substr(0, colon)), ec);
    if (ec) return std::nullopt;
    return ip::address(v4);
}

std::vector<std::string> forwarded_for_values(std::string_view forwarded) {
    std::vector<std::string> values;
    bool unterminated = false;
    for (const auto element : split_outside_quotes(forwarded, ',', unterminated)) {
        std::optional<std::string> for_value;
        bool valid = !unterminated;
        for (const auto raw_pair : split_outside_quotes(element, ';', unterminated)) {
            const auto pair = text::trim_blanks(raw_pair);
            if (pair.empty()) continue;  // "for=a;;proto=http" has an empty pair: allowed
            const auto equals = pair.find('=');
            const auto value = equals == std::string_view::npos
                                   ? std::optional<std::string>()
                                   : forwarded_value(text::trim_blanks(pair.substr(equals + 1)));
            const auto name = text::trim_blanks(pair.substr(0, std::min(equals, pair.size())));
            if (!value || name.empty()) {
                valid = false;
                continue;
            }
            if (boost::beast::iequals(name, "for")) {
                if (for_value) valid = false;  // two for= in one element
                for_value = *value;
            }
        }
        values.push_back(valid && for_value ? *for_value : std::string());
    }
    return values;
}

namespace {

// Right to left: each hop appended the address it saw, so the first untrusted one from the
// right is the last that a trusted proxy vouches for. An entry that cannot be read ends the
// walk at the last trusted hop: whatever is left of it may have been written by the client.
// nullopt when every entry is a trusted proxy.
template <typename Entries>
std::optional<ip::address> walk_from_the_right(const ip::address& peer, const Entries& entries,
                                               const TrustedProxies& trusted) {
    ip::address last_trusted = peer;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const auto address = parse_forwarded_address(*it);
        if (!address) return last_trusted;
        if (!trusted.contains(*address)) return *address;
        last_trusted = *address;
    }
    return std::nullopt;
}

std::vector<std::string_view> split_commas(std::string_view list) {
    std::vector<std::string_view> entries;
    std::size_t start = 0;
    for (;;) {
        const auto comma = list.find(',', start);
        entries.push_back(
            list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
        if (comma == std::string_view::npos) return entries;
        start = comma + 1;
    }
}

}  // namespace

std::string resolve_client_address(const ip::address& peer, const ForwardingHeaders& headers,
                                   const TrustedProxies& trusted) {
    const auto peer_address = normalized(peer);
    if (!trusted.contains(peer_address)) return peer_address.to_string();

    // What each header present says; both must say the same.
    std::vector<std::optional<ip::address>> verdicts;
    if (!headers.x_forwarded_for.empty())
        verdicts.push_back(
            walk_from_the_right(peer_address, split_commas(headers.x_forwarded_for), trusted));
    if (!headers.forwarded.empty())
        verdicts.push_back(
            walk_from_the_right(peer_address, forwarded_for_values(headers.forwarded), trusted));
    if (verdicts.size() == 2 && verdicts[0] != verdicts[1]) return peer_address.to_string();
    if (!verdicts.empty() && verdicts[0]) return verdicts[0]->to_string();
    if (auto address = parse_forwarded_address(headers.x_real_ip)) return address->to_string();
    return peer_address.to_string();
}

}  // namespace authd::http
