#include "http/client_address.h"

#include <gtest/gtest.h>

namespace authd::http {
namespace {

using boost::asio::ip::make_address;

TEST(TrustedProxies, ParsesAddressesAndBlocks) {
    TrustedProxies trusted({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"});
    EXPECT_TRUE(trusted.contains(make_address("10.200.3.4")));
    EXPECT_TRUE(trusted.contains(make_address("192.168.1.7")));
    EXPECT_FALSE(trusted.contains(make_address("192.168.1.8")));
    EXPECT_FALSE(trusted.contains(make_address("11.0.0.1")));
    EXPECT_TRUE(trusted.contains(make_address("fd12:3456::1")));
    EXPECT_TRUE(trusted.contains(make_address("::1")));
    EXPECT_FALSE(trusted.contains(make_address("fe80::1")));
    EXPECT_TRUE(trusted.contains(make_address("::ffff:10.1.2.3")));  // IPv4-mapped
    EXPECT_FALSE(TrustedProxies().contains(make_address("127.0.0.1")));
    EXPECT_TRUE(TrustedProxies().empty());
}

TEST(TrustedProxies, BlockWithHostBitsStillMatches) {
    TrustedProxies trusted({"172.16.5.9/12"});
    EXPECT_TRUE(trusted.contains(make_address("172.31.255.255")));
    EXPECT_FALSE(trusted.contains(make_address("172.32.0.0")));
}

TEST(TrustedProxies, RefusesGarbage) {
    EXPECT_THROW(TrustedProxies({"not-an-ip"}), std::invalid_argument);
    EXPECT_THROW(TrustedProxies({"10.0.0.0/33"}), std::invalid_argument);
    EXPECT_THROW(TrustedProxies({"10.0.0.0/"}), std::invalid_argument);
}

TEST(ResolveClientAddress, UntrustedPeerIsTheClient) {
    TrustedProxies trusted({"10.0.0.1"});
    EXPECT_EQ(resolve_client_address(make_address("203.0.113.5"), "1.2.3.4", "5.6.7.8", trusted),
              "203.0.113.5");
    EXPECT_EQ(resolve_client_address(make_address("::ffff:203.0.113.5"), "", "", trusted),
              "203.0.113.5");
}

TEST(ResolveClientAddress, RightMostUntrustedForwardedEntry) {
    TrustedProxies trusted({"10.0.0.0/8"});
    const auto proxy = make_address("10.0.0.1");
    EXPECT_EQ(resolve_client_address(proxy, "1.1.1.1, 2.2.2.2", "", trusted), "2.2.2.2");
    EXPECT_EQ(resolve_client_address(proxy, "1.1.1.1, 2.2.2.2, 10.0.0.9", "", trusted), "2.2.2.2");
    EXPECT_EQ(resolve_client_address(proxy, "1.1.1.1,garbage, 10.3.3.3", "", trusted), "1.1.1.1");
    EXPECT_EQ(resolve_client_address(proxy, " 2001:db8::1 ", "", trusted), "2001:db8::1");
}

TEST(ResolveClientAddress, FallsBackToRealIpThenPeer) {
    TrustedProxies trusted({"10.0.0.0/8"});
    const auto proxy = make_address("10.0.0.1");
    EXPECT_EQ(resolve_client_address(proxy, "10.1.1.1, bogus", "198.51.100.2", trusted),
              "198.51.100.2");
    EXPECT_EQ(resolve_client_address(proxy, "", "198.51.100.2", trusted), "198.51.100.2");
    EXPECT_EQ(resolve_client_address(proxy, "", "bogus", trusted), "10.0.0.1");
    EXPECT_EQ(resolve_client_address(proxy, "", "", trusted), "10.0.0.1");
}

}  // namespace
}  // namespace authd::http
