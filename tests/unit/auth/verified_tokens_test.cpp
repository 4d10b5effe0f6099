#include <gtest/gtest.h>

#include "auth/verified_tokens.h"
#include "test_support.h"

namespace authd {
namespace {

using auth::VerifiedTokenCache;
using testing::Domain;
using testing::kClient;

VerifiedTokenCache::Claims claims_of(std::string_view name) {
    return std::make_shared<const boost::json::object>(boost::json::object{{"username", name}});
}

TEST(VerifiedTokenCache, FindsOnlyTheExactTokenItWasGiven) {
    VerifiedTokenCache cache(100);
    const auto digest = VerifiedTokenCache::digest("header.payload.signature");
    cache.insert(digest, claims_of("amy"), 2000, 1000);
    ASSERT_NE(cache.find(digest), nullptr);
    EXPECT_EQ(cache.find(digest)->at("username"), "amy");
    EXPECT_EQ(cache.find(VerifiedTokenCache::digest("header.payload.signaturf")), nullptr);
    EXPECT_EQ(cache.find(VerifiedTokenCache::digest("header.payload.signature ")), nullptr);
}

TEST(VerifiedTokenCache, StaysWithinItsCapacityAndDropsExpiredEntriesFirst) {
    VerifiedTokenCache cache(160);  // 16 shards of 10
    for (int i = 0; i < 5000; ++i)
        cache.insert(VerifiedTokenCache::digest("token " + std::to_string(i)), claims_of("x"),
                     i % 2 ? 5000 : 1500, 1000);
    EXPECT_LE(cache.size(), 160u);
    // Later, the expired half leaves before any live entry.
    const auto live = VerifiedTokenCache::digest("token live");
    cache.insert(live, claims_of("y"), 5000, 2000);
    EXPECT_NE(cache.find(live), nullptr);
}

TEST(VerifiedTokenCache, KeepsNothingExpiredOrWithNoCapacity) {
    VerifiedTokenCache cache(100);
    cache.insert(VerifiedTokenCache::digest("old"), claims_of("x"), 999, 1000);
    EXPECT_EQ(cache.size(), 0u);
    VerifiedTokenCache none(0);
    none.insert(VerifiedTokenCache::digest("t"), claims_of("x"), 5000, 1000);
    EXPECT_EQ(none.find(VerifiedTokenCache::digest("t")), nullptr);
}

TEST(TokenIssuer, RemembersAccessTokensButChecksTheirClaimsAtEveryUse) {
    Domain d;
    d.register_user("ivy");
    const auth::TokenPair pair = d.login("ivy");
    EXPECT_EQ(d.tokens.remembered_tokens(), 0u);
    EXPECT_EQ(d.tokens.decode_access(pair.access).username, "ivy");
    EXPECT_EQ(d.tokens.remembered_tokens(), 1u);
    EXPECT_EQ(d.tokens.decode_access(pair.access).username, "ivy");
    EXPECT_EQ(d.tokens.remembered_tokens(), 1u);
    // A remembered access token is still not a refresh or a service token, nor a remembered
    // service token an access token ...
    EXPECT_THROW(d.tokens.decode_refresh(pair.access), auth::InvalidToken);
    EXPECT_THROW(d.tokens.decode_service(pair.access), auth::InvalidToken);
    const std::string service = d.services.issue_token("users", "users-secret-123456", kClient);
    EXPECT_NO_THROW(d.tokens.decode_service(service));
    EXPECT_EQ(d.tokens.remembered_tokens(), 2u);
    EXPECT_THROW(d.tokens.decode_access(service), auth::InvalidToken);
    // ... and it still expires (15 min + 30 s of leeway).
    d.clock.advance(15 * 60 + 31);
    EXPECT_THROW(d.tokens.decode_access(pair.access), auth::InvalidToken);
    // Refresh tokens are spent at their first use: not remembered.
    const auth::TokenPair second = d.login("ivy");
    d.tokens.decode_refresh(second.refresh);
    EXPECT_EQ(d.tokens.remembered_tokens(), 2u);
}

TEST(TokenIssuer, AlteredCopiesOfARememberedTokenAreRefused) {
    Domain d;
    d.register_user("kim");
    const std::string access = d.login("kim").access;
    d.tokens.decode_access(access);
    for (std::size_t i = access.rfind('.') + 1; i < access.size(); i += 7) {
        std::string altered = access;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_THROW(d.tokens.decode_access(altered), auth::InvalidToken) << i;
    }
    EXPECT_THROW(d.tokens.decode_access(access + "A"), auth::InvalidToken);
    EXPECT_EQ(d.tokens.remembered_tokens(), 1u);
}

TEST(TokenIssuer, RemembersNothingWithACacheSizeOfZero) {
    auth::TokenSettings settings;
    settings.verified_cache_size = 0;
    Domain d(settings);
    d.register_user("lou");
    const std::string access = d.login("lou").access;
    EXPECT_EQ(d.tokens.decode_access(access).username, "lou");
    EXPECT_EQ(d.tokens.remembered_tokens(), 0u);
}

}  // namespace
}  // namespace authd
