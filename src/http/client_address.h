#pragma once
// Which address a request comes from, when reverse proxies may stand in front of the server.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authd::http {

// The proxies whose forwarding headers are believed: single addresses or CIDR blocks, IPv4 and
// IPv6 ("10.0.0.0/8", "::1", "fd00::/8").
class TrustedProxies {
  public:
    TrustedProxies() = default;
    // Throws std::invalid_argument naming the first entry that is neither an address nor a block.
    explicit TrustedProxies(const std::vector<std::string>& entries);

    bool contains(const boost::asio::ip::address& address) const;
    bool empty() const { return v4_.empty() && v6_.empty(); }

  private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

// One hop's address as a proxy writes it in X-Forwarded-For, X-Real-IP or a `for=` of
// Forwarded (already unquoted): "192.0.2.1", "2001:db8::1", "192.0.2.1:4711",
// "[2001:db8::1]" or "[2001:db8::1]:4711", blanks around it ignored. nullopt for anything else
// ("unknown", an obfuscated "_hidden", a port out of range, an empty entry). IPv4-mapped IPv6
// addresses come back as IPv4.
std::optional<boost::asio::ip::address> parse_forwarded_address(std::string_view entry);

// The `for=` values of an RFC 7239 Forwarded header (several header lines joined by commas),
// one per element, left to right, unquoted. An element with no readable `for=` (none, a
// syntax error, a repeated parameter) gives an empty value, which parse_forwarded_address
// refuses: the walk below stops there.
std::vector<std::string> forwarded_for_values(std::string_view forwarded);

// The forwarding headers of one request, several lines of one header joined by commas; empty
// when absent.
struct ForwardingHeaders {
    std::string_view x_forwarded_for;
    std::string_view forwarded;  // RFC 7239
    std::string_view x_real_ip;
};

// The client's address as text. A peer that is not a trusted proxy is the client, whatever
// its headers say. Behind a trusted proxy, each of X-Forwarded-For and Forwarded that is
// present is walked from the right (each hop appends the address it saw): the first entry that
// is not a trusted proxy is the client; an unreadable entry ends what can be believed, and the
// last trusted hop (the peer, or the trusted entry right of the unreadable one) is the client.
// When both headers are present and say different things, one of them was written by the
// client: neither is believed, the peer is the client. When the entries are all trusted
// proxies (or neither header is there): a valid X-Real-IP, else the peer. IPv4-mapped IPv6
// addresses are reported as IPv4.
std::string resolve_client_address(const boost::asio::ip::address& peer,
                                   const ForwardingHeaders& headers, const TrustedProxies& trusted);

}  // namespace authd::http
