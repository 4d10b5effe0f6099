#pragma once
// Which address a request comes from, when reverse proxies may stand in front of the server.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

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

// The client's address as text. A peer that is not a trusted proxy is the client. Behind a
// trusted proxy: the right-most X-Forwarded-For entry that is not itself a trusted proxy
// (entries that are not addresses are skipped, since anyone can prepend them), else a valid
// X-Real-IP, else the peer. IPv4-mapped IPv6 addresses are reported as IPv4.
std::string resolve_client_address(const boost::asio::ip::address& peer,
                                   std::string_view forwarded_for, std::string_view real_ip,
                                   const TrustedProxies& trusted);

}  // namespace authd::http
