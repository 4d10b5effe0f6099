#include <gtest/gtest.h>

#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::kClient;

constexpr const char* kPassword = "correct horse battery";

// The Retry-After of a 429, 0 for success, -1 for any other failure.
template <class F>
int retry_after(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind() == ErrorKind::rate_limited ? e.retry_after() : -1;
    }
    return 0;
}

struct LoginLimitsTest : ::testing::Test {
    Domain d;
    int attempt(const std::string& login, const std::string& password,
                const std::string& ip = "198.51.100.7") {
        return retry_after([&] { d.login_flow.password_step(login, password, {ip, "test"}); });
    }
    std::vector<store::SecurityEvent> events_of(const std::string& username) {
        std::vector<store::SecurityEvent> events;
        d.store->read([&](store::Transaction& tx) {
            events = tx.audit().of_user(tx.users().find_by_username(username)->id, 100);
        });
        return events;
    }
};

TEST_F(LoginLimitsTest, APairThatKeepsFailingWaitsLongerEachTime) {
    d.register_user("amy");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(attempt("amy", "wrong password!!"), -1);
    // The 6th try is refused before the password is looked at, even the right one.
    const int calls_before = d.hasher.calls;
    EXPECT_EQ(attempt("amy", kPassword), 1);
    EXPECT_EQ(d.hasher.calls, calls_before);
    d.clock.advance(1);
    EXPECT_EQ(attempt("amy", "wrong password!!"), -1);
    EXPECT_EQ(attempt("amy", kPassword), 2);  // doubled
    // Another address is not held back by this pair.
    EXPECT_EQ(attempt("amy", kPassword, "203.0.113.9"), 0);
    d.clock.advance(2);
    EXPECT_EQ(attempt("amy", kPassword), 0);
    // A success ends the pair's backoff.
    EXPECT_EQ(attempt("amy", "wrong password!!"), -1);
    EXPECT_EQ(attempt("amy", kPassword), 0);
}

TEST_F(LoginLimitsTest, AttemptsInFlightCountAsFailuresUntilReleased) {
    // Parallel logins: each is admitted and counted before any password is checked, so the
    // sixth of a burst waits like the sixth failure would.
    d.register_user("ann");
    const std::string account = "name:ann";
    const std::string address = "198.51.100.7";
    std::vector<auth::LoginLimits::Attempt> in_flight;
    for (int i = 0; i < 5; ++i)
        in_flight.push_back(d.login_limits.admit(account, address));
    EXPECT_EQ(retry_after([&] { d.login_limits.admit(account, address); }), 1);
    // Released (they were not failures), they no longer count.
    for (const auto& attempt : in_flight)
        d.login_limits.release(attempt);
    EXPECT_EQ(retry_after([&] { d.login_limits.release(d.login_limits.admit(account, address)); }),
              0);
}

TEST_F(LoginLimitsTest, ALoginTurnedAwayByTheHashPoolIsNotAFailure) {
    d.register_user("abe");
    d.hasher.busy = true;
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(attempt("abe", "wrong password!!"), -1);
    d.hasher.busy = false;
    EXPECT_EQ(attempt("abe", kPassword), 0);
    for (const auto& event : events_of("abe"))
        EXPECT_NE(event.kind, auth::event::login_failed);
}

TEST_F(LoginLimitsTest, ACorrectPasswordLeavesNoCountBehind) {
    d.register_user("ada");
    // The per-address limit counts failures only: 150 successes from one address pass it.
    for (int i = 0; i < 150; ++i)
        ASSERT_EQ(attempt("ada", kPassword), 0) << i;
}

TEST_F(LoginLimitsTest, ANameCountsWhateverItsCaseAndApartFromTheAccountsOtherName) {
    d.register_user("bo");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(attempt("bo", "wrong password!!"), -1);
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(attempt("BO@example.com", "wrong password!!"), -1);
    // Three and two: neither name has failed five times.
    EXPECT_EQ(attempt("bo@example.com", kPassword), 0);
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(attempt("BO", "wrong password!!"), -1);
    EXPECT_EQ(attempt("bo", kPassword), 1);
}

TEST_F(LoginLimitsTest, UnknownNamesAreLimitedToo) {
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(attempt("nobody", "wrong password!!"), -1);
    EXPECT_EQ(attempt("nobody", "wrong password!!"), 1);
}

TEST_F(LoginLimitsTest, AnAddressMayFailOnlySoOftenAMinute) {
    const int per_address = auth::LoginLimitSettings{}.per_address.attempts;
    for (int i = 0; i < per_address; ++i)
        EXPECT_EQ(attempt("user" + std::to_string(i), "wrong password!!"), -1);
    d.register_user("cy");
    EXPECT_GT(attempt("cy", kPassword), 0);               // this address waits
    EXPECT_EQ(attempt("cy", kPassword, "192.0.2.1"), 0);  // others do not
    d.clock.advance(60);
    EXPECT_EQ(attempt("cy", kPassword), 0);
}

TEST(AddressScope, IPv6CountsPerSlash64AndMappedIPv4AsIPv4) {
    EXPECT_EQ(auth::address_scope("198.51.100.7"), "198.51.100.7");
    EXPECT_EQ(auth::address_scope("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(auth::address_scope("2001:db8:1:2::1"), auth::address_scope("2001:db8:1:2:ffff::9"));
    EXPECT_NE(auth::address_scope("2001:db8:1:2::1"), auth::address_scope("2001:db8:1:3::1"));
    EXPECT_EQ(auth::address_scope("::ffff:192.0.2.9"), "192.0.2.9");
    EXPECT_EQ(auth::address_scope("::1"), "::/64");
    EXPECT_EQ(auth::address_scope("not an address"), "not an address");
}

TEST_F(LoginLimitsTest, RotatingIPv6AddressesWithinASlash64DoesNotEscapeTheAddressLimit) {
    const int per_address = auth::LoginLimitSettings{}.per_address.attempts;
    for (int i = 0; i < per_address; ++i)
        EXPECT_EQ(attempt("user" + std::to_string(i), "wrong password!!",
                          "2001:db8:7:7::" + std::to_string(i + 1)),
                  -1);
    d.register_user("fi");
    EXPECT_GT(attempt("fi", kPassword, "2001:db8:7:7:ffff::1"), 0);  // same /64 waits
    EXPECT_EQ(attempt("fi", kPassword, "2001:db8:7:8::1"), 0);       // the next /64 does not
}

TEST_F(LoginLimitsTest, AnAccountMayFailOnlySoOftenAnHourFromAllAddresses) {
    d.register_user("di");
    const int per_account = auth::LoginLimitSettings{}.per_account.attempts;
    for (int i = 0; i < per_account; ++i)
        EXPECT_EQ(attempt("di", "wrong password!!",
                          "10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200)),
                  -1);
    EXPECT_GT(attempt("di", kPassword, "192.0.2.200"), 0);
    d.clock.advance(3600);
    EXPECT_EQ(attempt("di", kPassword, "192.0.2.200"), 0);
}

TEST_F(LoginLimitsTest, EventsAreRecordedWithTheClientsAddressAndUserAgent) {
    d.register_user("ed");
    const auth::ClientInfo firefox{"203.0.113.50", "Firefox"};
    d.clock.advance(1);  // events are ordered by time
    EXPECT_EQ(retry_after([&] { d.login_flow.password_step("ed", "wrong password!!", firefox); }),
              -1);
    d.clock.advance(1);
    EXPECT_EQ(retry_after([&] { d.login_flow.password_step("ed", kPassword, firefox); }), 0);
    const auto events = events_of("ed");
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events[0].kind, "login_succeeded");
    EXPECT_EQ(events[0].ip, "203.0.113.50");
    EXPECT_EQ(events[0].user_agent, "Firefox");
    EXPECT_TRUE(events[0].session_id);
    EXPECT_EQ(events[1].kind, "login_failed");
    EXPECT_EQ(events[1].detail, "wrong_password");
    EXPECT_EQ(events.back().kind, "account_created");
}

TEST_F(LoginLimitsTest, MaintenanceForgetsOldEventsAndAttempts) {
    d.register_user("fi");
    EXPECT_EQ(attempt("fi", "wrong password!!"), -1);
    auth::MaintenanceSettings settings;
    auth::Maintenance maintenance(*d.store, d.clock, settings);
    maintenance.run_once();
    EXPECT_EQ(events_of("fi").size(), 2u);
    d.deliver();  // the verification message is sent
    std::int64_t pending = 0;
    d.register_user("gil");  // its message stays queued
    d.clock.advance(std::max(settings.audit_retention, settings.outbox_retention) + 1);
    maintenance.run_once();
    EXPECT_TRUE(events_of("fi").empty());
    // Sent messages are gone; a pending one is never deleted.
    std::int64_t rows = 0;
    d.store->read([&](store::Transaction& tx) { pending = tx.outbox().pending_count(); });
    d.database->transaction(false, [&](store::Connection& c) {
        const store::Result result = c.execute("SELECT count(*) AS total FROM outbox");
        rows = result.rows.front().integer(result.column("total"));
    });
    EXPECT_EQ(pending, 1);
    EXPECT_EQ(rows, 1);
}

}  // namespace
}  // namespace authd

namespace authd {
namespace {

TEST(ReauthenticationLimits, GuessingThePasswordWithAnAccessTokenIsLimitedLikeLogins) {
    Domain d;
    d.register_user("hal");
    const auth::Principal caller = d.sessions.authenticate(d.login("hal").access);
    const auth::ClientInfo client{"198.51.100.20", "test"};
    const auth::PasswordChange wrong{"wrong password!!", "a brand new passphrase",
                                     "a brand new passphrase"};
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(retry_after([&] {
                      try {
                          d.accounts.change_password(caller, "hal", wrong, client);
                      } catch (const ValidationError&) {
                          throw Error(ErrorKind::bad_request, "wrong",
                                      i18n::keys::password_incorrect);
                      }
                  }),
                  -1);
    const auth::PasswordChange right{"correct horse battery", "a brand new passphrase",
                                     "a brand new passphrase"};
    EXPECT_EQ(retry_after([&] { d.accounts.change_password(caller, "hal", right, client); }), 1);
    d.clock.advance(1);
    EXPECT_EQ(retry_after([&] { d.accounts.change_password(caller, "hal", right, client); }), 0);
}

TEST(StoreInput, TextWithANulCharacterIsRefusedBeforeTheDatabase) {
    Domain d;
    d.register_user("ivy");
    try {
        d.store->read(
            [&](store::Transaction& tx) { tx.users().find_by_username(std::string("ivy\0x", 5)); });
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_request);
    }
}

TEST_F(LoginLimitsTest, TheBackoffCountsTheNameAsTypedSoTwoFormsOfOneAccountLookAlike) {
    d.register_user("xena");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(attempt("xena", "wrong password here"), -1);
    EXPECT_GT(attempt("xena", "wrong password here"), 0);
    // Its e-mail is another name: it fails like any unknown address, not 429.
    EXPECT_EQ(attempt("xena@example.com", "wrong password here"), -1);
    EXPECT_EQ(attempt("nobody@example.com", "wrong password here"), -1);
    EXPECT_EQ(attempt("xena@example.com", kPassword), 0);
}

TEST(Audit, RepeatedFailuresOfOneAddressAreOneEventWithACount) {
    Domain d;
    const auto record = [&](const std::string& ip, const char* name) {
        d.store->write([&](store::Transaction& tx) {
            d.audit.record_repeated(tx, {ip, "test"}, "service_login_failed", name, 600);
        });
    };
    record("198.51.100.7", "users");
    d.clock.advance(100);
    record("198.51.100.7", "games");
    record("198.51.100.8", "users");
    std::optional<store::SecurityEvent> first;
    std::optional<store::SecurityEvent> other;
    d.store->read([&](store::Transaction& tx) {
        first = tx.audit().latest("service_login_failed", "198.51.100.7", 0);
        other = tx.audit().latest("service_login_failed", "198.51.100.8", 0);
    });
    ASSERT_TRUE(first && other);
    EXPECT_EQ(first->repeats, 2);
    EXPECT_EQ(first->detail, "games");
    EXPECT_EQ(first->at, d.clock.now());
    EXPECT_EQ(other->repeats, 1);
    // Past the window since the last one, a new event.
    d.clock.advance(601);
    record("198.51.100.7", "users");
    d.store->read([&](store::Transaction& tx) {
        first = tx.audit().latest("service_login_failed", "198.51.100.7", 0);
    });
    EXPECT_EQ(first->repeats, 1);
}

}  // namespace
}  // namespace authd
