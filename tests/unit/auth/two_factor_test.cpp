#include <gtest/gtest.h>

#include <regex>

#include "auth/user_rules.h"
#include "otp/totp.h"
#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::kClient;

constexpr const char* kPassword = "correct horse battery";

// What a caller sees of an Error or ValidationError: its code, or the first field's name.
template <class F>
std::string failure(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    } catch (const ValidationError& e) {
        return "field:" + e.errors().front().field;
    }
    return "none";
}

struct TwoFactorTest : ::testing::Test {
    Domain d;

    // A user with a verified address, logged in, with 2FA turned on; returns the app's secret.
    std::string enable(const std::string& name) {
        const auth::UpdateResult result = d.register_with_two_factor(name);
        EXPECT_TRUE(result.app);
        EXPECT_EQ(result.recovery_codes.size(), 10u);
        recovery_codes = result.recovery_codes;
        return *otp::base32_decode(result.app->secret);
    }

    std::string code_at(const std::string& secret, std::int64_t offset_steps = 0) {
        const otp::TotpParameters parameters;
        return otp::totp_code(secret, otp::time_step(d.clock.now(), parameters) + offset_steps,
                              parameters);
    }

    auth::LoginChallenge challenge(const std::string& name) {
        auto outcome = d.login_flow.password_step(name, kPassword, kClient);
        EXPECT_FALSE(outcome.session);
        EXPECT_TRUE(outcome.challenge);
        return *outcome.challenge;
    }

    std::optional<std::string> mailed_code() {
        const std::regex pattern("\n([0-9]{6})\r?\n");
        std::optional<std::string> code;
        for (const auto& mail : d.deliver()) {
            std::smatch match;
            if (std::regex_search(mail.mime, match, pattern)) code = match[1];
        }
        return code;
    }

    std::vector<std::string> recovery_codes;
};

TEST_F(TwoFactorTest, EnablingNeedsAReadyFactor) {
    d.register_user("ann");
    const auth::Principal caller = d.sessions.authenticate(d.login("ann").access);
    auth::ProfileChanges changes;
    changes.two_fa_enable = true;
    EXPECT_EQ(failure([&] { d.accounts.update(caller, "ann", changes, kClient); }),
              "field:two_fa_enable");
}

TEST_F(TwoFactorTest, LoginNeedsTheSecondFactorOnceEnabled) {
    const std::string secret = enable("bea");
    const auth::LoginChallenge challenge = this->challenge("bea");
    EXPECT_EQ(challenge.methods, std::vector<std::string>{"email"});  // app not confirmed yet
    const auth::Sessions::LoginResult result =
        d.login_flow.code_step(challenge.ticket, code_at(secret), kClient);
    EXPECT_NO_THROW(d.sessions.authenticate(result.tokens.access));
    // The app's first code confirmed it.
    const auth::Principal caller = d.sessions.authenticate(result.tokens.access);
    EXPECT_TRUE(caller.user.totp_ready);
    EXPECT_EQ(auth::ready_second_factors(caller.user), (std::vector<std::string>{"email", "totp"}));
}

TEST_F(TwoFactorTest, CodesOfTheNeighbouringStepsAreAcceptedAndNoFurther) {
    const std::string secret = enable("cid");
    const std::string previous = code_at(secret, -1);
    const std::string next = code_at(secret, 1);
    const std::string two_back = code_at(secret, -2);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge("cid").ticket, two_back, kClient); }),
              "invalid_code");
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("cid").ticket, previous, kClient));
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("cid").ticket, next, kClient));
}

TEST_F(TwoFactorTest, ATimeStepIsUsedOnce) {
    const std::string secret = enable("dee");
    const std::string code = code_at(secret);
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("dee").ticket, code, kClient));
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge("dee").ticket, code, kClient); }),
              "invalid_code");
    // Nor an earlier step once a later one was used.
    const std::string earlier = code_at(secret, -1);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge("dee").ticket, earlier, kClient); }),
              "invalid_code");
    d.clock.advance(30);
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("dee").ticket, code_at(secret), kClient));
}

TEST_F(TwoFactorTest, ACodeSpentByAnotherLoginMeanwhileSpendsNothingMore) {
    const std::string secret = enable("ada");
    const auth::LoginChallenge first = challenge("ada");
    const auth::LoginChallenge second = challenge("ada");
    const std::optional<auth::TwoFactor::Attempt> attempt =
        d.two_factor.ticket_attempt(second.ticket);
    ASSERT_TRUE(attempt);
    const auth::TwoFactor::Match match = d.two_factor.match(*attempt, code_at(secret), kClient);
    ASSERT_TRUE(match.found());
    // The other login uses the time step between this one's match and its spending.
    EXPECT_NO_THROW(d.login_flow.code_step(first.ticket, code_at(secret), kClient));
    d.store->write([&](store::Transaction& tx) {
        EXPECT_FALSE(d.two_factor.spend(tx, *attempt, match, kClient));
    });
    // The second ticket was not spent: its login goes on with the next step's code.
    d.clock.advance(30);
    EXPECT_NO_THROW(d.login_flow.code_step(second.ticket, code_at(secret), kClient));
}

TEST_F(TwoFactorTest, MailedCodeWorksOnceForItsTicket) {
    enable("eve");
    d.deliver();
    const auth::LoginChallenge challenge = this->challenge("eve");
    const auto code = mailed_code();
    ASSERT_TRUE(code);
    EXPECT_NO_THROW(d.login_flow.code_step(challenge.ticket, *code, kClient));
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, *code, kClient); }),
              "invalid_ticket");
}

TEST_F(TwoFactorTest, TheFrontEndsOneRequestFormTakesAMailedCode) {
    enable("fay");
    d.deliver();
    challenge("fay");
    const auto code = mailed_code();
    ASSERT_TRUE(code);
    EXPECT_EQ(failure([&] { d.login_flow.both_steps("fay", "wrong password!!", *code, kClient); }),
              "");  // the exact login failure, which has no code
    EXPECT_NO_THROW(d.login_flow.both_steps("fay", kPassword, *code, kClient));
    EXPECT_EQ(failure([&] { d.login_flow.both_steps("fay", kPassword, *code, kClient); }),
              "invalid_code");
}

TEST_F(TwoFactorTest, TicketsExpire) {
    const std::string secret = enable("gus");
    const auth::LoginChallenge challenge = this->challenge("gus");
    d.clock.advance(auth::TwoFactorSettings{}.ticket_lifetime);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, code_at(secret), kClient); }),
              "invalid_ticket");
}

TEST_F(TwoFactorTest, FiveWrongCodesEndTheTicket) {
    const std::string secret = enable("hal");
    const auth::LoginChallenge challenge = this->challenge("hal");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, "000000", kClient); }),
                  "invalid_code");
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, code_at(secret), kClient); }),
              "invalid_ticket");
}

TEST_F(TwoFactorTest, ConsecutiveFailuresLockTheAccountUntilTheWaitIsOver) {
    const std::string secret = enable("ian");
    const int limit = auth::TwoFactorSettings{}.max_consecutive_failures;
    d.store->write([&](store::Transaction& tx) {
        const auto user = tx.users().find_by_username("ian");
        for (int i = 0; i < limit; ++i)
            tx.users().record_second_factor_failure(user->id, d.clock.now());
    });
    const auth::LoginChallenge challenge = this->challenge("ian");
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, code_at(secret), kClient); }),
              "throttled");
    d.clock.advance(auth::TwoFactorSettings{}.lockout);
    EXPECT_NO_THROW(
        d.login_flow.code_step(this->challenge("ian").ticket, code_at(secret), kClient));
}

TEST_F(TwoFactorTest, RecoveryCodesWorkOnceAndSendANotice) {
    enable("jo");
    const std::string code = recovery_codes.front();
    d.deliver();
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("jo").ticket, code, kClient));
    bool noticed = false;
    for (const auto& mail : d.deliver())
        noticed |= mail.has("A recovery code was used");
    EXPECT_TRUE(noticed);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge("jo").ticket, code, kClient); }),
              "invalid_code");
    // Typed in upper case without the dash, the next one still works.
    std::string typed = recovery_codes[1];
    typed.erase(typed.find('-'), 1);
    for (char& c : typed)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("jo").ticket, typed, kClient));
}

TEST_F(TwoFactorTest, APasswordChangeEndsPendingTickets) {
    const std::string secret = enable("kay");
    const auth::LoginChallenge challenge = this->challenge("kay");
    d.clock.advance(1);
    const auth::Principal caller = d.sessions.authenticate(
        d.login_flow.code_step(this->challenge("kay").ticket, code_at(secret), kClient)
            .tokens.access);
    d.accounts.change_password(
        caller, "kay", {kPassword, "a brand new passphrase", "a brand new passphrase"}, kClient);
    d.clock.advance(30);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge.ticket, code_at(secret), kClient); }),
              "invalid_ticket");
}

TEST_F(TwoFactorTest, TurningItOffNeedsARecentLoginOrThePassword) {
    enable("lea");
    const auth::Principal caller = d.sessions.authenticate(
        d.login_flow.code_step(challenge("lea").ticket, recovery_codes[0], kClient).tokens.access);
    d.clock.advance(16 * 60);
    auth::ProfileChanges off;
    off.two_fa_enable = false;
    EXPECT_EQ(failure([&] { d.accounts.update(caller, "lea", off, kClient); }),
              "reauthentication_required");
    off.password = "not the password";
    EXPECT_EQ(failure([&] { d.accounts.update(caller, "lea", off, kClient); }), "field:password");
    off.password = kPassword;
    EXPECT_FALSE(d.accounts.update(caller, "lea", off, kClient).user.two_fa_enable);
    // One-step login again.
    EXPECT_TRUE(d.login_flow.password_step("lea", kPassword, kClient).session);
}

TEST_F(TwoFactorTest, SecretsAreStoredSealedAndOnlyOpenForTheirOwner) {
    const std::string secret = enable("max");
    std::vector<store::TotpDevice> devices;
    d.store->read([&](store::Transaction& tx) {
        devices = tx.second_factors().totp_devices(tx.users().find_by_username("max")->id);
    });
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].secret_sealed.find(otp::base32_encode(secret)), std::string::npos);
    // Moved to another account, the sealed secret does not open, so it matches nothing.
    const store::User other = d.register_user("ned");
    d.store->write([&](store::Transaction& tx) {
        tx.users().set_email_verified(other.id, true);
        store::TotpDevice copy = devices[0];
        copy.id = "copied";
        copy.user_id = other.id;
        copy.confirmed_at = d.clock.now();
        tx.second_factors().insert_totp_device(copy);
        tx.users().update_profile([&] {
            store::User u = *tx.users().find_by_id(other.id);
            u.two_fa_enable = true;
            return u;
        }());
    });
    EXPECT_EQ(
        failure([&] { d.login_flow.code_step(challenge("ned").ticket, code_at(secret), kClient); }),
        "invalid_code");
}

TEST_F(TwoFactorTest, ANewAppReplacesTheOldOnlyOnceConfirmed) {
    const std::string old_secret = enable("ora");
    const auth::Principal caller = d.sessions.authenticate(
        d.login_flow.code_step(challenge("ora").ticket, code_at(old_secret), kClient)
            .tokens.access);
    const auth::TotpEnrolment enrolment = d.two_factor.begin_totp(caller, std::nullopt, kClient);
    const std::string new_secret = *otp::base32_decode(enrolment.secret);
    EXPECT_NE(enrolment.qr_svg.find("<svg"), std::string::npos);
    EXPECT_EQ(failure([&] { d.two_factor.confirm_totp(caller, "123456x", kClient); }),
              "field:code");
    d.clock.advance(30);
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("ora").ticket, code_at(old_secret), kClient));
    d.clock.advance(30);
    d.two_factor.confirm_totp(caller, code_at(new_secret), kClient);
    d.clock.advance(30);
    EXPECT_EQ(failure([&] {
                  d.login_flow.code_step(challenge("ora").ticket, code_at(old_secret), kClient);
              }),
              "invalid_code");
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("ora").ticket, code_at(new_secret), kClient));
    d.two_factor.remove_totp(caller, kPassword, kClient);
    EXPECT_EQ(failure([&] { d.two_factor.remove_totp(caller, kPassword, kClient); }), "not_found");
}

TEST_F(TwoFactorTest, NewRecoveryCodesReplaceTheOldOnes) {
    enable("pia");
    const std::string old_code = recovery_codes[0];
    const auth::Principal caller = d.sessions.authenticate(
        d.login_flow.code_step(challenge("pia").ticket, recovery_codes[1], kClient).tokens.access);
    EXPECT_EQ(failure([&] {
                  d.two_factor.regenerate_recovery_codes(caller, "wrong password!!", kClient);
              }),
              "field:password");
    const auto fresh = d.two_factor.regenerate_recovery_codes(caller, kPassword, kClient);
    ASSERT_EQ(fresh.size(), 10u);
    EXPECT_EQ(failure([&] { d.login_flow.code_step(challenge("pia").ticket, old_code, kClient); }),
              "invalid_code");
    EXPECT_NO_THROW(d.login_flow.code_step(challenge("pia").ticket, fresh[0], kClient));
}

TEST_F(TwoFactorTest, AWaitingAppIsRefusedOnceItsEnrolmentIsADayOld) {
    const std::string secret = enable("una");  // 2FA on through update: the app waits
    d.clock.advance(86400);
    // Neither its first code at a login nor at confirm is accepted any more.
    EXPECT_EQ(
        failure([&] { d.login_flow.code_step(challenge("una").ticket, code_at(secret), kClient); }),
        "invalid_code");
    const auth::Principal caller = d.sessions.authenticate(
        d.login_flow.code_step(challenge("una").ticket, recovery_codes.front(), kClient)
            .tokens.access);
    EXPECT_EQ(failure([&] { d.two_factor.confirm_totp(caller, code_at(secret), kClient); }),
              "no_pending_app");
}

TEST_F(TwoFactorTest, ConfirmingAnAppMailsTheOwnerWhenAndFromWhere) {
    const std::string secret = enable("vic");
    d.deliver();
    d.login_flow.code_step(challenge("vic").ticket, code_at(secret), {"203.0.113.9", "Stolen/1.0"});
    bool noticed = false;
    for (const auto& mail : d.deliver())
        noticed = noticed || (mail.has("An authenticator app was added to your account") &&
                              mail.has("203.0.113.9") && mail.has("Stolen/1.0"));
    EXPECT_TRUE(noticed);
}

TEST_F(TwoFactorTest, StartingAnAppNeedsARecentLoginOrThePassword) {
    d.register_user("wes");
    const auth::Principal caller = d.sessions.authenticate(d.login("wes").access);
    d.clock.advance(16 * 60);
    EXPECT_EQ(failure([&] { d.two_factor.begin_totp(caller, std::nullopt, kClient); }),
              "reauthentication_required");
    EXPECT_NO_THROW(d.two_factor.begin_totp(caller, std::string(kPassword), kClient));
}

}  // namespace
}  // namespace authd
