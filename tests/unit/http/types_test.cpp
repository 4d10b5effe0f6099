#include "http/types.h"

#include <gtest/gtest.h>

namespace authd::http {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(UserAgent, IsKeptValidAndAtMost256Bytes) {
    const std::string long_agent = std::string(255, 'a') + "\xC3\xA9\xC3\xA9";
    EXPECT_EQ(clean_user_agent(long_agent), std::string(255, 'a'));
    EXPECT_EQ(clean_user_agent("Agent \xFF (x)"), "Agent " + kReplacement + " (x)");
    EXPECT_EQ(clean_user_agent(std::string(300, 'z')).size(), kMaxUserAgentBytes);
}

TEST(UserAgent, TheRequestContextGivesItCleaned) {
    Request request{bhttp::verb::get, "/", 11};
    request.set(bhttp::field::user_agent, "Agent \xFF (x)");
    const RequestContext context{request, "/", {}, "127.0.0.1", "rid", std::nullopt};
    EXPECT_EQ(context.user_agent(), "Agent " + kReplacement + " (x)");
}

}  // namespace
}  // namespace authd::http
