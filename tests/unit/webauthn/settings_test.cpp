#include "webauthn/settings.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace authd::webauthn {
namespace {

TEST(Origin, IsWhatABrowserWritesInClientData) {
    EXPECT_EQ(origin_of("https://example.com"), "https://example.com");
    EXPECT_EQ(origin_of("https://Example.COM:443/path?q"), "https://example.com");
    EXPECT_EQ(origin_of("http://localhost:80/"), "http://localhost");
    EXPECT_EQ(origin_of("http://localhost:8000/api"), "http://localhost:8000");
    EXPECT_EQ(origin_of("http://[::1]:8000"), "http://[::1]:8000");
    EXPECT_THROW(origin_of("ftp://example.com"), std::invalid_argument);
    EXPECT_THROW(origin_of("example.com"), std::invalid_argument);
}

TEST(Host, HasNoPortNorBrackets) {
    EXPECT_EQ(host_of("https://Auth.Example.com:8443/x"), "auth.example.com");
    EXPECT_EQ(host_of("http://127.0.0.1:8000"), "127.0.0.1");
    EXPECT_EQ(host_of("http://[::1]:8000"), "::1");
}

}  // namespace
}  // namespace authd::webauthn
