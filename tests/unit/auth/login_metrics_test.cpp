// The domain's metrics: logins by outcome, active sessions, the outbox.
#include <gtest/gtest.h>

#include "otp/totp.h"
#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::kClient;
using Outcome = auth::LoginCounters::Outcome;

constexpr const char* kPassword = "correct horse battery";

template <class F>
void fails(F&& f) {
    EXPECT_THROW(f(), Error);
}

struct MetricsTest : ::testing::Test {
    Domain d;

    std::uint64_t logins(Outcome outcome) const { return d.login_counters.value(outcome); }

    // Every outcome's count, so a test can check that nothing else moved.
    std::vector<std::uint64_t> all_logins() const {
        std::vector<std::uint64_t> counts;
        for (std::size_t i = 0; i < auth::LoginCounters::outcome_count; ++i)
            counts.push_back(logins(static_cast<Outcome>(i)));
        return counts;
    }

    // `before` with one more for `outcome`.
    static std::vector<std::uint64_t> plus_one(std::vector<std::uint64_t> before, Outcome outcome) {
        ++before[static_cast<std::size_t>(outcome)];
        return before;
    }

    // A user with a verified address and 2FA on; returns the app's secret.
    std::string enable_two_factor(const std::string& name) {
        return *otp::base32_decode(d.register_with_two_factor(name).app->secret);
    }

    std::string code_of(const std::string& secret) {
        const otp::TotpParameters parameters;
        return otp::totp_code(secret, otp::time_step(d.clock.now(), parameters), parameters);
    }

    template <class Collectable>
    static std::string collected(Collectable& collectable) {
        metrics::Writer out;
        collectable.collect(out);
        return out.text();
    }
};

TEST_F(MetricsTest, EachPasswordLoginCountsOnceByOutcome) {
    d.register_user("amy");
    auto before = all_logins();
    d.login("amy");
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::success));

    before = all_logins();
    int hashes = d.hasher.calls;
    fails([&] { d.login_flow.password_step("amy", "wrong password!!", kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::wrong_password));
    EXPECT_EQ(d.hasher.calls, hashes + 1);

    before = all_logins();
    hashes = d.hasher.calls;
    fails([&] { d.login_flow.password_step("nobody", "wrong password!!", kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::unknown_account));
    EXPECT_EQ(d.hasher.calls, hashes + 1);  // the same cost as a known name
}

TEST_F(MetricsTest, ALimitedLoginCountsAsThrottled) {
    d.register_user("bo");
    for (int i = 0; i < auth::LoginLimitSettings{}.backoff_after; ++i)
        fails([&] { d.login_flow.password_step("bo", "wrong password!!", kClient); });
    const auto before = all_logins();
    fails([&] { d.login_flow.password_step("bo", kPassword, kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::throttled));
}

TEST_F(MetricsTest, AnInactiveAccountCountsAsSuch) {
    d.register_user("cy");
    d.database->transaction(true, [](store::Connection& db) {
        db.execute("UPDATE users SET is_active = 0 WHERE username = 'cy'");
    });
    const auto before = all_logins();
    fails([&] { d.login_flow.password_step("cy", kPassword, kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::inactive_account));
}

TEST_F(MetricsTest, SecondFactorStepsCountTheirOutcomes) {
    const std::string secret = enable_two_factor("dee");
    auto before = all_logins();
    const auto outcome = d.login_flow.password_step("dee", kPassword, kClient);
    ASSERT_TRUE(outcome.challenge);
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::second_factor_required));

    before = all_logins();
    fails([&] { d.login_flow.code_step(outcome.challenge->ticket, "000000", kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::wrong_code));

    before = all_logins();
    fails([&] { d.login_flow.code_step("no such ticket", code_of(secret), kClient); });
    EXPECT_EQ(all_logins(), before);  // not a login attempt of any account

    before = all_logins();
    d.login_flow.code_step(outcome.challenge->ticket, code_of(secret), kClient);
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::success));

    // The front end's one-request form: a wrong code, then a lockout.
    d.clock.advance(30);
    before = all_logins();
    fails([&] { d.login_flow.both_steps("dee", kPassword, "000000", kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::wrong_code));
    d.store->write([&](store::Transaction& tx) {
        const auto user = tx.users().find_by_username("dee");
        for (int i = 0; i < auth::TwoFactorSettings{}.max_consecutive_failures; ++i)
            tx.users().record_second_factor_failure(user->id, d.clock.now());
    });
    before = all_logins();
    fails([&] { d.login_flow.both_steps("dee", kPassword, code_of(secret), kClient); });
    EXPECT_EQ(all_logins(), plus_one(before, Outcome::throttled));
}

TEST_F(MetricsTest, LoginsAreWrittenWithEveryOutcome) {
    d.register_user("eve");
    d.login("eve");
    const std::string text = collected(d.login_counters);
    EXPECT_EQ(text,
              "# HELP authd_logins_total Login attempts by how they ended.\n"
              "# TYPE authd_logins_total counter\n"
              "authd_logins_total{outcome=\"success\"} 1\n"
              "authd_logins_total{outcome=\"second_factor_required\"} 0\n"
              "authd_logins_total{outcome=\"wrong_password\"} 0\n"
              "authd_logins_total{outcome=\"unknown_account\"} 0\n"
              "authd_logins_total{outcome=\"inactive_account\"} 0\n"
              "authd_logins_total{outcome=\"throttled\"} 0\n"
              "authd_logins_total{outcome=\"wrong_code\"} 0\n"
              "authd_logins_total{outcome=\"passkey_refused\"} 0\n");
}

TEST_F(MetricsTest, ActiveSessionsAreCountedAtMostEveryFiveSeconds) {
    d.register_user("fay");
    d.register_user("gus");
    const auth::TokenPair first = d.login("fay");
    d.login("gus");
    auto active = [&] { return collected(d.sessions); };
    EXPECT_NE(active().find("\nauthd_active_sessions 2\n"), std::string::npos) << active();
    d.login("gus");
    d.clock.advance(4);
    EXPECT_NE(active().find("\nauthd_active_sessions 2\n"), std::string::npos);  // cached
    d.clock.advance(1);
    EXPECT_NE(active().find("\nauthd_active_sessions 3\n"), std::string::npos);
    d.sessions.logout(first.refresh, kClient);
    d.clock.advance(5);
    EXPECT_NE(active().find("\nauthd_active_sessions 2\n"), std::string::npos);
    // Idle past the limit: no longer active, even before a refresh ends them.
    d.clock.advance(auth::TokenSettings{}.refresh_idle_timeout + 1);
    EXPECT_NE(active().find("\nauthd_active_sessions 0\n"), std::string::npos);
}

TEST_F(MetricsTest, TheOutboxCountsDeliveriesFailuresAndPending) {
    d.register_user("hal");  // a verification e-mail
    d.register_user("ian");
    std::string text = collected(d.sender);
    EXPECT_NE(text.find("\nauthd_outbox_pending 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nauthd_outbox_sent_total 0\n"), std::string::npos);
    EXPECT_NE(text.find("\nauthd_outbox_delivery_failures_total 0\n"), std::string::npos);

    d.transport.failures_left = 1;
    d.sender.deliver_due();
    EXPECT_EQ(d.sender.sent(), 1u);
    EXPECT_EQ(d.sender.delivery_failures(), 1u);
    d.clock.advance(mail::SenderSettings{}.retry_base);
    d.sender.deliver_due();
    text = collected(d.sender);
    EXPECT_NE(text.find("\nauthd_outbox_pending 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nauthd_outbox_sent_total 2\n"), std::string::npos);
    EXPECT_NE(text.find("\nauthd_outbox_delivery_failures_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace authd
