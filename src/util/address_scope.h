#pragma once
// The unit that per-address limits and shares count: an IPv4 address as it is, an IPv6 address
// as the /64 it belongs to ("2001:db8:1:2::/64"; one subscriber is usually given a whole /64,
// so counting single addresses would let a client rotate through billions), an IPv4-mapped IPv6
// address as its IPv4 address. Anything else (not an address) is counted as written.
#include <string>
#include <string_view>

namespace authd {

std::string address_scope(std::string_view address);

}  // namespace authd
