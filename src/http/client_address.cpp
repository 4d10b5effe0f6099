#include "http/client_address.h"

#include <optional>
#include <stdexcept>

namespace authd::http {
namespace ip = boost::asio::ip;
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// "::ffff:10.0.0.1" is how a dual-stack socket shows an IPv4 peer; treat it as the IPv4 address.
ip::address normalized(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

std::optional<ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(trim(text)), ec);
    if (ec) return std::nullopt;
    return normalized(address);
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
        const std::string text(trim(entry));
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

std::string resolve_client_address(const ip::address& peer, std::string_view forwarded_for,
                                   std::string_view real_ip, const TrustedProxies& trusted) {
    const auto peer_address = normalized(peer);
    if (!trusted.contains(peer_address)) return peer_address.to_string();

    // Right to left: each hop appended the address it saw, so the first untrusted one from the
    // right is the last that a trusted proxy vouches for.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        const auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        const auto address = parse_address(entry);
        if (address && !trusted.contains(*address)) return address->to_string();
    }
    if (auto address = parse_address(real_ip)) return address->to_string();
    return peer_address.to_string();
}

}  // namespace authd::http
