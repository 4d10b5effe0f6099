#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::error_kind;
using testing::kClient;

TEST(Sessions, TheStoreReadsASessionWithItsUserInOneStatement) {
    Domain d;
    const store::User user = d.register_user("sam");
    const auth::TokenPair pair = d.login("sam");
    const std::string session_id = d.tokens.decode_access(pair.access).session_id;
    d.store->read([&](store::Transaction& tx) {
        const auto found = tx.sessions().find_with_user(session_id);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->first.id, session_id);
        EXPECT_EQ(found->first.user_id, user.id);
        EXPECT_EQ(found->first.refresh_hash, tx.sessions().find(session_id)->refresh_hash);
        EXPECT_EQ(found->second.id, user.id);
        EXPECT_EQ(found->second.username, "sam");
        EXPECT_EQ(found->second.password_hash, tx.users().find_by_id(user.id)->password_hash);
        EXPECT_FALSE(found->second.totp_ready);
        EXPECT_FALSE(tx.sessions().find_with_user("no such session").has_value());
    });
}

TEST(Sessions, LoginIssuesAccessAndRefreshWithTheSessionClaims) {
    Domain d;
    const store::User user = d.register_user("alice");
    const auth::TokenPair pair = d.login("alice");

    const auth::UserClaims access = d.tokens.decode_access(pair.access);
    const auth::RefreshClaims refresh = d.tokens.decode_refresh(pair.refresh);
    EXPECT_EQ(access.username, "alice");
    EXPECT_EQ(access.subject, user.id);
    EXPECT_EQ(access.session_id, refresh.session_id);
    EXPECT_EQ(access.expires_at - access.issued_at, 15 * 60);
    EXPECT_EQ(access.auth_time, d.clock.now());
    EXPECT_NE(access.jti, refresh.jti);
    EXPECT_EQ(d.sessions.authenticate(pair.access).user.id, user.id);
    // The refresh token lasts as long as its session: a day from the login.
    EXPECT_EQ(d.sessions.introspect(pair.refresh).expires_at - d.clock.now(), 24 * 3600);
}

TEST(Sessions, LoginByEmailIsCaseInsensitive) {
    Domain d;
    d.register_user("bob");
    EXPECT_NO_THROW(d.login("BOB@Example.COM"));
    EXPECT_NO_THROW(d.login("Bob"));
}

TEST(Sessions, UnknownUserAndWrongPasswordCostOneHashAndGiveTheSameAnswer) {
    Domain d;
    d.register_user("carol");
    auto attempt = [&](const char* name, const char* password) -> std::pair<std::string, int> {
        const int before = d.hasher.calls;
        try {
            d.login(name, password);
        } catch (const Error& e) {
            return {std::string(e.detail()) + "|" + e.code(), d.hasher.calls - before};
        }
        return {"no error", d.hasher.calls - before};
    };
    const auto unknown = attempt("nobody", "correct horse battery");
    const auto wrong = attempt("carol", "wrong horse battery");
    EXPECT_EQ(unknown.first, "No active account found with the given credentials|");
    EXPECT_EQ(unknown, wrong);
    EXPECT_EQ(wrong.second, 1);
}

TEST(Sessions, RefreshRotatesAndTheSpentTokenWithinGraceReturnsTheSamePair) {
    Domain d;
    d.register_user("dave");
    const auth::TokenPair first = d.login("dave");
    d.clock.advance(60);
    const auth::TokenPair second = d.sessions.refresh(first.refresh, kClient);
    EXPECT_NE(second.refresh, first.refresh);

    d.clock.advance(5);  // inside the 10 s grace period
    const auth::TokenPair again = d.sessions.refresh(first.refresh, kClient);
    EXPECT_EQ(again.refresh, second.refresh);
    EXPECT_EQ(again.access, second.access);

    // The new token keeps working, and rotates on.
    const auth::TokenPair third = d.sessions.refresh(second.refresh, kClient);
    EXPECT_NE(third.refresh, second.refresh);
    EXPECT_NO_THROW(d.sessions.authenticate(third.access));
}

TEST(Sessions, RefreshTokenReuseAfterGraceRevokesTheSession) {
    Domain d;
    d.register_user("erin");
    const auth::TokenPair first = d.login("erin");
    const auth::TokenPair second = d.sessions.refresh(first.refresh, kClient);
    d.clock.advance(11);

    EXPECT_EQ(error_kind([&] { d.sessions.refresh(first.refresh, kClient); }),
              ErrorKind::unauthenticated);
    // The whole session is gone: the newest refresh token and every access token too.
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(second.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(second.access); }),
              ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(first.access); }), ErrorKind::invalid_token);
}

TEST(Sessions, GracePeriodLastsExactlyItsLength) {
    Domain d;
    d.register_user("gail");
    const auth::TokenPair first = d.login("gail");
    const auth::TokenPair second = d.sessions.refresh(first.refresh, kClient);
    d.clock.advance(9);
    EXPECT_EQ(d.sessions.refresh(first.refresh, kClient).refresh, second.refresh);
    d.clock.advance(1);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(first.refresh, kClient); }),
              ErrorKind::unauthenticated);
}

TEST(Sessions, ZeroGracePeriodDetectsReuseAtOnce) {
    auth::TokenSettings settings;
    settings.refresh_grace_period = 0;
    Domain d(settings);
    d.register_user("zed");
    const auth::TokenPair first = d.login("zed");
    const auth::TokenPair second = d.sessions.refresh(first.refresh, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(first.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(second.access); }),
              ErrorKind::invalid_token);
}

TEST(Sessions, ATokenTwoRotationsOldIsReuseEvenWithinGrace) {
    Domain d;
    d.register_user("frank");
    const auth::TokenPair first = d.login("frank");
    const auth::TokenPair second = d.sessions.refresh(first.refresh, kClient);
    d.sessions.refresh(second.refresh, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(first.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(second.refresh, kClient); }),
              ErrorKind::unauthenticated);
}

TEST(Sessions, RefreshAfterTheIdleTimeoutFails) {
    auth::TokenSettings settings;
    settings.refresh_idle_timeout = 3600;
    Domain d(settings);
    d.register_user("grace");
    const auth::TokenPair pair = d.login("grace");
    d.clock.advance(3601);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(pair.refresh, kClient); }),
              ErrorKind::unauthenticated);
}

TEST(Sessions, RefreshAfterTheAbsoluteLifetimeFails) {
    Domain d;
    d.register_user("heidi");
    auth::TokenPair pair = d.login("heidi");
    // Refreshing every 12 hours keeps the session from idling, not from ending.
    d.clock.advance(12 * 3600);
    pair = d.sessions.refresh(pair.refresh, kClient);
    d.clock.advance(12 * 3600 + 1);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(pair.refresh, kClient); }),
              ErrorKind::unauthenticated);
}

TEST(Sessions, AccessTokenIsRefusedOnceExpiredBeyondTheLeeway) {
    Domain d;
    d.register_user("ivan");
    const auth::TokenPair pair = d.login("ivan");
    d.clock.advance(15 * 60 + 30);
    EXPECT_NO_THROW(d.sessions.authenticate(pair.access));
    d.clock.advance(1);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.access); }), ErrorKind::invalid_token);
}

TEST(Sessions, TokenTypesAreNotInterchangeable) {
    Domain d;
    d.register_user("judy");
    const auth::TokenPair pair = d.login("judy");
    const std::string service = d.services.issue_token("users", "users-secret-123456", kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.refresh); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(service); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(pair.access, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.services.authenticate(pair.access); }), ErrorKind::invalid_token);
    EXPECT_NO_THROW(d.services.authenticate(service));
}

TEST(Sessions, LogoutEndsTheSessionAtOnceAndTwiceIsFine) {
    Domain d;
    d.register_user("kim");
    const auth::TokenPair pair = d.login("kim");
    d.sessions.logout(pair.refresh, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.access); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(pair.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_NO_THROW(d.sessions.logout(pair.refresh, kClient));
}

TEST(Sessions, PasswordChangeRevokesTheOtherSessionsOnly) {
    Domain d;
    d.register_user("leo");
    const auth::TokenPair mine = d.login("leo");
    const auth::TokenPair other = d.login("leo");
    const auth::Principal caller = d.sessions.authenticate(mine.access);
    d.accounts.change_password(
        caller, "leo",
        {"correct horse battery", "a brand new passphrase", "a brand new passphrase"}, kClient);
    EXPECT_NO_THROW(d.sessions.authenticate(mine.access));
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(other.access); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(other.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_EQ(error_kind([&] { d.login("leo"); }), ErrorKind::unauthenticated);
    EXPECT_NO_THROW(d.login("leo", "a brand new passphrase"));
    const auto mails = d.deliver();
    EXPECT_EQ(std::count_if(mails.begin(), mails.end(),
                            [](const auto& m) {
                                return m.has("Subject: Your password was changed") &&
                                       m.envelope.to_address == "leo@example.com";
                            }),
              1);
}

TEST(Sessions, RenameReturnsAPairWithTheNewNameAndRetiresTheOldRefreshToken) {
    Domain d;
    d.register_user("mallory");
    const auth::TokenPair pair = d.login("mallory");
    const auth::Principal caller = d.sessions.authenticate(pair.access);
    auth::ProfileChanges changes;
    changes.username = "mallory2";
    const auth::UpdateResult result = d.accounts.update(caller, "mallory", changes, kClient);
    ASSERT_TRUE(result.tokens);
    EXPECT_EQ(d.tokens.decode_access(result.tokens->access).username, "mallory2");
    EXPECT_NO_THROW(d.sessions.refresh(result.tokens->refresh, kClient));
}

TEST(Sessions, ListAndEndOneSession) {
    Domain d;
    d.register_user("nina");
    const auth::TokenPair first = d.login("nina");
    d.clock.advance(1);
    const auth::TokenPair second = d.login("nina");
    const auth::Principal caller = d.sessions.authenticate(second.access);
    const auto sessions = d.sessions.list(caller);
    ASSERT_EQ(sessions.size(), 2u);
    EXPECT_EQ(sessions.front().session.id, caller.session.id);  // newest first

    d.sessions.end(caller, sessions.back().session.id, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(first.access); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.end(caller, sessions.back().session.id, kClient); }),
              ErrorKind::not_found);
    EXPECT_EQ(error_kind([&] { d.sessions.end(caller, "no-such-session", kClient); }),
              ErrorKind::not_found);
}

TEST(Sessions, IntrospectionReportsLiveAndDeadTokens) {
    Domain d;
    d.register_user("olga");
    const auth::TokenPair pair = d.login("olga");
    auth::IntrospectionResult live = d.sessions.introspect(pair.access);
    EXPECT_TRUE(live.active);
    EXPECT_EQ(live.username, "olga");
    EXPECT_EQ(live.token_type, "access");
    d.sessions.logout(pair.refresh, kClient);
    EXPECT_FALSE(d.sessions.introspect(pair.access).active);
    EXPECT_FALSE(d.sessions.introspect(pair.refresh).active);
    EXPECT_FALSE(d.sessions.introspect("not.a.token").active);
}

TEST(Accounts, UsernameAndEmailAreUniqueCaseInsensitively) {
    Domain d;
    d.register_user("peggy");
    try {
        d.register_user("PEGGY");
        FAIL() << "duplicate accepted";
    } catch (const ValidationError& e) {
        ASSERT_EQ(e.errors().size(), 2u);  // the username and the derived e-mail
        EXPECT_EQ(e.errors()[0].field, "username");
        EXPECT_EQ(i18n::english(e.errors()[0].messages.at(0)),
                  "A user with that username already exists.");
        EXPECT_EQ(e.errors()[1].field, "email");
    }
}

TEST(Accounts, DeleteEndsEverySessionAndFreesTheName) {
    Domain d;
    d.register_user("quinn");
    const auth::TokenPair pair = d.login("quinn");
    d.accounts.remove(d.sessions.authenticate(pair.access), "quinn", std::nullopt, kClient);
    EXPECT_EQ(error_kind([&] { d.sessions.authenticate(pair.access); }), ErrorKind::invalid_token);
    EXPECT_EQ(error_kind([&] { d.sessions.refresh(pair.refresh, kClient); }),
              ErrorKind::unauthenticated);
    EXPECT_NO_THROW(d.register_user("quinn"));
}

TEST(Accounts, OwnerOnlyRoutesRefuseOtherNamesWithTheSameAnswer) {
    Domain d;
    d.register_user("rob");
    d.register_user("sybil");
    const auth::Principal caller = d.sessions.authenticate(d.login("rob").access);
    EXPECT_EQ(error_kind([&] { d.accounts.get(caller, "sybil"); }), ErrorKind::forbidden);
    EXPECT_EQ(error_kind([&] { d.accounts.get(caller, "nobody-at-all"); }), ErrorKind::forbidden);
    EXPECT_EQ(d.accounts.get(caller, "ROB").username, "rob");
}

TEST(Accounts, TwoFactorCannotBeTurnedOnWithoutAReadyFactor) {
    Domain d;
    d.register_user("trent");
    const auth::Principal caller = d.sessions.authenticate(d.login("trent").access);
    auth::ProfileChanges changes;
    changes.two_fa_enable = true;
    EXPECT_THROW(d.accounts.update(caller, "trent", changes, kClient), ValidationError);
}

TEST(Accounts, EmailChangeUnverifiesTheAddressAndTellsTheOldOne) {
    Domain d;
    d.register_user("uma");
    const auth::Principal caller = d.sessions.authenticate(d.login("uma").access);
    auth::ProfileChanges changes;
    changes.email = "uma.new@example.com";
    d.deliver();  // the registration's verification message
    const auth::UpdateResult result = d.accounts.update(caller, "uma", changes, kClient);
    EXPECT_FALSE(result.user.email_verified);
    EXPECT_FALSE(result.tokens);
    auto mails = d.deliver();
    ASSERT_EQ(mails.size(), 2u);
    std::sort(mails.begin(), mails.end(), [](const auto& a, const auto& b) {
        return a.envelope.to_address < b.envelope.to_address;
    });
    EXPECT_EQ(mails[0].envelope.to_address, "uma.new@example.com");
    EXPECT_TRUE(mails[0].has("Subject: Confirm your e-mail address"));
    EXPECT_EQ(mails[1].envelope.to_address, "uma@example.com");
    EXPECT_TRUE(mails[1].has("Subject: Your e-mail address was changed"));
}

}  // namespace
}  // namespace authd
