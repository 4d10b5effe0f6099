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

std::string resolve(const char* peer, std::string_view xff, std::string_view forwarded,
                    std::string_view real_ip, const TrustedProxies& trusted) {
    return resolve_client_address(make_address(peer), {xff, forwarded, real_ip}, trusted);
}

std::string xff(std::string_view value, const TrustedProxies& trusted) {
    return resolve("10.0.0.1", value, "", "", trusted);
}

std::string fwd(std::string_view value, const TrustedProxies& trusted) {
    return resolve("10.0.0.1", "", value, "", trusted);
}

TEST(ResolveClientAddress, UntrustedPeerIsTheClient) {
    TrustedProxies trusted({"10.0.0.1"});
    EXPECT_EQ(resolve("203.0.113.5", "1.2.3.4", "for=1.2.3.4", "5.6.7.8", trusted), "203.0.113.5");
    EXPECT_EQ(resolve("::ffff:203.0.113.5", "", "", "", trusted), "203.0.113.5");
}

TEST(ResolveClientAddress, RightMostUntrustedForwardedEntry) {
    TrustedProxies trusted({"10.0.0.0/8"});
    EXPECT_EQ(xff("1.1.1.1, 2.2.2.2", trusted), "2.2.2.2");
    EXPECT_EQ(xff("1.1.1.1, 2.2.2.2, 10.0.0.9", trusted), "2.2.2.2");
    EXPECT_EQ(xff(" 2001:db8::1 ", trusted), "2001:db8::1");
    EXPECT_EQ(xff("::ffff:198.51.100.7", trusted), "198.51.100.7");
}

TEST(ResolveClientAddress, EntriesWithPortsAreTheirAddress) {
    TrustedProxies trusted({"10.0.0.0/8"});
    // Proxies that write the port they saw (IIS ARR, Azure Application Gateway): the client
    // is the address, and nothing left of it is believed.
    EXPECT_EQ(xff("6.6.6.6, 5.5.5.5:4444", trusted), "5.5.5.5");
    EXPECT_EQ(xff("6.6.6.6, [2001:db8::1]:4444", trusted), "2001:db8::1");
    EXPECT_EQ(xff("6.6.6.6, [2001:db8::1]", trusted), "2001:db8::1");
    EXPECT_EQ(xff("6.6.6.6, 5.5.5.5:4444, 10.9.9.9:80", trusted), "5.5.5.5");
    EXPECT_EQ(xff("6.6.6.6, [::ffff:5.5.5.5]:1", trusted), "5.5.5.5");
}

TEST(ResolveClientAddress, UnreadableEntryEndsTheWalkAtTheLastTrustedHop) {
    TrustedProxies trusted({"10.0.0.0/8"});
    // The proxy wrote something that is not an address: what is left of it may be anyone's.
    EXPECT_EQ(xff("6.6.6.6, unknown", trusted), "10.0.0.1");
    EXPECT_EQ(xff("6.6.6.6, _hidden", trusted), "10.0.0.1");
    EXPECT_EQ(xff("1.1.1.1,garbage, 10.3.3.3", trusted), "10.3.3.3");
    EXPECT_EQ(xff("6.6.6.6, 5.5.5.5:99999", trusted), "10.0.0.1");    // port out of range
    EXPECT_EQ(xff("6.6.6.6, 5.5.5.5:", trusted), "10.0.0.1");         // empty port
    EXPECT_EQ(xff("6.6.6.6, 2001:db8::1]:80", trusted), "10.0.0.1");  // unbalanced bracket
    EXPECT_EQ(xff("6.6.6.6, [2001:db8::1]x", trusted), "10.0.0.1");
    EXPECT_EQ(xff("6.6.6.6, [5.5.5.5]", trusted), "10.0.0.1");  // IPv4 in brackets
    EXPECT_EQ(xff("6.6.6.6, ", trusted), "10.0.0.1");           // empty entry
    EXPECT_EQ(xff("6.6.6.6, \"5.5.5.5\"", trusted), "10.0.0.1");
}

TEST(ResolveClientAddress, OnlyTrustedEntriesFallBackToRealIp) {
    TrustedProxies trusted({"10.0.0.0/8"});
    EXPECT_EQ(xff("10.5.5.5, 10.6.6.6", trusted), "10.0.0.1");
    EXPECT_EQ(resolve("10.0.0.1", "10.5.5.5", "", "198.51.100.2", trusted), "198.51.100.2");
    EXPECT_EQ(resolve("10.0.0.1", "10.5.5.5", "for=10.6.6.6", "198.51.100.2", trusted),
              "198.51.100.2");
}

TEST(ResolveClientAddress, FallsBackToRealIpThenPeer) {
    TrustedProxies trusted({"10.0.0.0/8"});
    EXPECT_EQ(resolve("10.0.0.1", "", "", "198.51.100.2", trusted), "198.51.100.2");
    EXPECT_EQ(resolve("10.0.0.1", "", "", "198.51.100.2:4444", trusted), "198.51.100.2");
    EXPECT_EQ(resolve("10.0.0.1", "", "", "bogus", trusted), "10.0.0.1");
    EXPECT_EQ(resolve("10.0.0.1", "", "", "", trusted), "10.0.0.1");
    // A forwarding list that was present decides, even when it ends at the proxy.
    EXPECT_EQ(resolve("10.0.0.1", "10.1.1.1, bogus", "", "198.51.100.2", trusted), "10.0.0.1");
}

TEST(ResolveClientAddress, ForwardedHeader) {
    TrustedProxies trusted({"10.0.0.0/8"});
    EXPECT_EQ(fwd("for=192.0.2.60;proto=http;by=203.0.113.43", trusted), "192.0.2.60");
    EXPECT_EQ(fwd("for=6.6.6.6, for=192.0.2.43", trusted), "192.0.2.43");
    EXPECT_EQ(fwd("For=\"[2001:db8:cafe::17]:4711\"", trusted), "2001:db8:cafe::17");
    EXPECT_EQ(fwd("for=\"192.0.2.43:47011\"", trusted), "192.0.2.43");
    EXPECT_EQ(fwd("for=\"[2001:db8::1]\"", trusted), "2001:db8::1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=192.0.2.43;proto=\"h,t;tp\", for=10.2.2.2", trusted),
              "192.0.2.43");
    EXPECT_EQ(fwd("for=\"[2001:db8::1]:_port\"", trusted), "2001:db8::1");
    // Unknown and obfuscated identifiers (RFC 7239 §6) end what can be believed.
    EXPECT_EQ(fwd("for=6.6.6.6, for=unknown", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=_hidden", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=_x, for=10.4.4.4", trusted), "10.4.4.4");
    // Elements that cannot be read: no for=, two for=, a broken pair or quote.
    EXPECT_EQ(fwd("for=6.6.6.6, by=10.0.0.1", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=5.5.5.5;for=7.7.7.7", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=5.5.5.5;proto", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=\"5.5.5.5", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=\"5.5.5.5\"x", trusted), "10.0.0.1");
    EXPECT_EQ(fwd("for=6.6.6.6, for=[2001:db8::1]:80", trusted), "2001:db8::1");  // unquoted
    EXPECT_EQ(fwd("for=6.6.6.6,", trusted), "10.0.0.1");
}

TEST(ResolveClientAddress, BothHeadersMustAgree) {
    TrustedProxies trusted({"10.0.0.0/8"});
    EXPECT_EQ(resolve("10.0.0.1", "5.5.5.5", "for=5.5.5.5", "", trusted), "5.5.5.5");
    // One of them was written by the client (the proxy keeps only the other): neither is
    // believed.
    EXPECT_EQ(resolve("10.0.0.1", "5.5.5.5", "for=6.6.6.6", "", trusted), "10.0.0.1");
    EXPECT_EQ(resolve("10.0.0.1", "5.5.5.5", "for=unknown", "", trusted), "10.0.0.1");
}

TEST(ForwardedForValues, OneValuePerElement) {
    EXPECT_EQ(forwarded_for_values("for=a;proto=https, proto=http;for=\"b\\\"c\", by=x"),
              (std::vector<std::string>{"a", "b\"c", ""}));
    EXPECT_EQ(forwarded_for_values(" for = a ; ; proto=http"), (std::vector<std::string>{"a"}));
    EXPECT_EQ(forwarded_for_values(""), (std::vector<std::string>{""}));
}

TEST(ParseForwardedAddress, Forms) {
    EXPECT_EQ(parse_forwarded_address("192.0.2.1")->to_string(), "192.0.2.1");
    EXPECT_EQ(parse_forwarded_address(" 192.0.2.1:65535 ")->to_string(), "192.0.2.1");
    EXPECT_EQ(parse_forwarded_address("[2001:db8::1]:0")->to_string(), "2001:db8::1");
    EXPECT_EQ(parse_forwarded_address("2001:db8::1")->to_string(), "2001:db8::1");
    EXPECT_FALSE(parse_forwarded_address("192.0.2.1:65536"));
    EXPECT_FALSE(parse_forwarded_address("192.0.2.1:123456"));
    EXPECT_FALSE(parse_forwarded_address("192.0.2.1:+80"));
    EXPECT_FALSE(parse_forwarded_address("example.com:80"));
    EXPECT_FALSE(parse_forwarded_address("unknown"));
    EXPECT_FALSE(parse_forwarded_address(""));
    EXPECT_FALSE(parse_forwarded_address("[]"));
    EXPECT_FALSE(parse_forwarded_address("[2001:db8::1]:"));
}

}  // namespace
}  // namespace authd::http
