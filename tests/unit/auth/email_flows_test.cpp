#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <regex>
#include <stop_token>

#include "auth/user_rules.h"
#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::kClient;

// The first link under `route` in a delivered message ("/api/auth/reset/..."), split into
// its uidb64 and token.
struct Link {
    std::string uidb64;
    std::string token;
};
std::optional<Link> find_link(const std::string& mime, const std::string& route) {
    // Quoted-printable may fold a long line with "=\r\n"; unfold before searching.
    const std::string text = std::regex_replace(mime, std::regex("=\r\n"), "");
    const std::regex pattern("https://auth\\.example\\.com/api/auth/" + route +
                             "/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/");
    std::smatch match;
    if (!std::regex_search(text, match, pattern)) return std::nullopt;
    return Link{match[1], match[2]};
}

std::optional<Link> link_to(Domain& d, const std::string& address, const std::string& route) {
    for (const auto& mail : d.deliver())
        if (mail.envelope.to_address == address)
            if (auto link = find_link(mail.mime, route)) return link;
    return std::nullopt;
}

template <class F>
std::optional<std::string> error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

TEST(Outbox, RetriesWithBackoffThenDeliversOnce) {
    Domain d;
    d.register_user("amy");
    d.transport.failures_left = 2;
    EXPECT_EQ(d.sender.deliver_due(), 0);  // first failure: retry after 30 s
    EXPECT_EQ(d.sender.deliver_due(), 0);  // not due yet: nothing attempted
    EXPECT_EQ(d.transport.failures_left, 1);
    d.clock.advance(30);
    EXPECT_EQ(d.sender.deliver_due(), 0);  // second failure: retry after 60 s more
    d.clock.advance(59);
    EXPECT_EQ(d.sender.deliver_due(), 0);
    d.clock.advance(1);
    EXPECT_EQ(d.sender.deliver_due(), 1);
    EXPECT_EQ(d.sender.deliver_due(), 0);  // sent is sent: never again
    EXPECT_EQ(d.transport.delivered.size(), 1u);
}

// Waits in every delivery until the sender stops, as a silent SMTP server would keep libcurl.
class StallingTransport final : public mail::Transport {
  public:
    void deliver(const mail::Envelope&, const std::string&, std::stop_token stop) override {
        ++calls;
        entered.count_down();
        std::mutex mutex;
        std::condition_variable_any never;
        std::unique_lock lock(mutex);
        never.wait(lock, stop, [] { return false; });
        throw mail::DeliveryCancelled();
    }
    std::atomic<int> calls{0};
    std::latch entered{1};
};

TEST(Outbox, StoppingCutsTheDeliveryShortAndLeavesTheBatchDueAtOnce) {
    Domain d;
    for (const char* name : {"ann", "ben", "cat"})
        d.register_user(name);
    StallingTransport stalling;
    mail::OutboxSender stalled(*d.store, stalling, d.outbox_seal, d.clock, mail::SenderSettings{});
    stalled.start();
    stalling.entered.wait();
    stalled.stop();                // returns: the delivery under way was cut short
    EXPECT_EQ(stalling.calls, 1);  // the rest of the batch was not tried
    EXPECT_EQ(stalled.delivery_failures(), 0u);

    // Another sender, at the same moment: all three are due, none waits for claim_seconds.
    const auto delivered = d.deliver();
    EXPECT_EQ(delivered.size(), 3u);
    EXPECT_EQ(d.sender.delivery_failures(), 0u);
}

TEST(Outbox, BackoffDoublesUpToAnHour) {
    Domain d;
    EXPECT_EQ(d.sender.backoff(1), 30);
    EXPECT_EQ(d.sender.backoff(2), 60);
    EXPECT_EQ(d.sender.backoff(3), 120);
    EXPECT_EQ(d.sender.backoff(20), 3600);
}

TEST(Outbox, APermanentRefusalIsNotRetried) {
    Domain d;
    d.register_user("bea");
    d.transport.failures_left = 1;
    d.transport.permanent_failure = true;
    EXPECT_EQ(d.sender.deliver_due(), 0);
    d.clock.advance(7 * 86400);
    EXPECT_EQ(d.sender.deliver_due(), 0);
    EXPECT_TRUE(d.transport.delivered.empty());
    std::int64_t pending = -1;
    d.store->read([&](store::Transaction& tx) { pending = tx.outbox().pending_count(); });
    EXPECT_EQ(pending, 0);
}

TEST(Outbox, GivesUpAfterTwoDaysOfFailures) {
    Domain d;
    d.register_user("cid");
    d.transport.failures_left = 1000;
    for (int hour = 0; hour <= 49; ++hour) {
        d.sender.deliver_due();
        d.clock.advance(3600);
    }
    std::int64_t pending = -1;
    d.store->read([&](store::Transaction& tx) { pending = tx.outbox().pending_count(); });
    EXPECT_EQ(pending, 0);
    EXPECT_TRUE(d.transport.delivered.empty());
}

// (status, mime) of every outbox row, read straight from the database.
std::vector<std::pair<std::string, std::string>> outbox_rows(Domain& d) {
    std::vector<std::pair<std::string, std::string>> rows;
    d.database->transaction(false, [&](store::Connection& c) {
        const store::Result result = c.execute("SELECT status, mime FROM outbox");
        if (result.rows.empty()) return;
        const store::Column status = result.column("status");
        const store::Column mime = result.column("mime");
        for (const store::Row& row : result.rows)
            rows.emplace_back(row.text(status), row.text(mime));
    });
    return rows;
}

TEST(Outbox, AQueuedMessageIsSealedAndItsBodyErasedOnceSent) {
    Domain d;
    d.register_user("dee");
    const auto queued = outbox_rows(d);
    ASSERT_EQ(queued.size(), 1u);
    EXPECT_EQ(queued[0].first, "pending");
    EXPECT_TRUE(queued[0].second.starts_with("sealed1:")) << queued[0].second;
    for (const char* readable : {"verify_email", "dee@example.com", "Subject", "From:"})
        EXPECT_EQ(queued[0].second.find(readable), std::string::npos) << readable;

    const auto delivered = d.deliver();  // opened for the relay only
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(delivered[0].has("/api/auth/verify_email/"));
    EXPECT_TRUE(delivered[0].mime.starts_with("From: "));
    const auto sent = outbox_rows(d);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0], std::make_pair(std::string("sent"), std::string()));
}

TEST(Outbox, TheBodyOfAMessageGivenUpIsErased) {
    Domain d;
    d.register_user("eve");
    d.transport.failures_left = 1;
    d.transport.permanent_failure = true;
    d.sender.deliver_due();
    EXPECT_EQ(outbox_rows(d), (std::vector<std::pair<std::string, std::string>>{{"failed", ""}}));
}

TEST(Outbox, AMessageQueuedInClearByAnOlderBuildIsStillDelivered) {
    Domain d;
    const std::string mime =
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: old\r\n\r\nhi\r\n";
    d.store->write([&](store::Transaction& tx) {
        tx.outbox().insert(
            {"old1", "b@example.com", "a@example.com", mime, d.clock.now(), d.clock.now(), 0});
    });
    const auto delivered = d.deliver();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].mime, mime);
    EXPECT_EQ(outbox_rows(d), (std::vector<std::pair<std::string, std::string>>{{"sent", ""}}));
}

TEST(Outbox, AMessageSealedUnderAnotherKeyOrMovedToAnotherRowDoesNotOpen) {
    Domain d;
    d.register_user("fay");
    // Another installation's key (another secret key file): retried, never sent garbled.
    const otp::SealedBox other_key(std::string(32, 'o'));
    mail::OutboxSender other(*d.store, d.transport, other_key, d.clock, mail::SenderSettings{});
    EXPECT_EQ(other.deliver_due(), 0);
    EXPECT_EQ(other.delivery_failures(), 1u);
    EXPECT_TRUE(d.transport.delivered.empty());
    // A sealed body copied onto another row does not open either.
    d.database->transaction(true, [&](store::Connection& c) {
        c.execute(
            "INSERT INTO outbox (id, recipient, sender, mime, created_at, next_attempt_at, "
            "attempts, status) SELECT 'copy', 'x@example.com', sender, mime, created_at, 0, "
            "0, 'pending' FROM outbox");
        c.execute("UPDATE outbox SET next_attempt_at = 0");
    });
    const auto delivered = d.deliver();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].envelope.to_address, "fay@example.com");
}

TEST(EmailVerification, TheLinkVerifiesOnceAndDiesWithTheAddress) {
    Domain d;
    d.register_user("dan");
    auto link = link_to(d, "dan@example.com", "verify_email");
    ASSERT_TRUE(link);
    EXPECT_TRUE(d.verification.verify(link->uidb64, link->token, kClient));
    EXPECT_FALSE(d.verification.verify(link->uidb64, link->token, kClient));  // single use
    const auth::Principal caller = d.sessions.authenticate(d.login("dan").access);
    EXPECT_TRUE(caller.user.email_verified);
    EXPECT_EQ(auth::ready_second_factors(caller.user), std::vector<std::string>{"email"});
    EXPECT_EQ(error_code([&] { d.verification.resend(caller, kClient); }), "already_verified");
}

TEST(EmailVerification, ALinkForAnOldAddressOrPastItsLifetimeFails) {
    Domain d;
    d.register_user("eve");
    auto first = link_to(d, "eve@example.com", "verify_email");
    ASSERT_TRUE(first);
    const auth::Principal caller = d.sessions.authenticate(d.login("eve").access);
    auth::ProfileChanges changes;
    changes.email = "eve2@example.com";
    d.accounts.update(caller, "eve", changes, kClient);
    EXPECT_FALSE(d.verification.verify(first->uidb64, first->token, kClient));
    auto second = link_to(d, "eve2@example.com", "verify_email");
    ASSERT_TRUE(second);
    d.clock.advance(24 * 3600);
    EXPECT_FALSE(d.verification.verify(second->uidb64, second->token, kClient));
}

TEST(EmailVerification, ALinkWithAnotherUsersIdFails) {
    Domain d;
    d.register_user("fay");
    d.register_user("gus");
    auto fay = link_to(d, "fay@example.com", "verify_email");
    d.register_user("hal");
    auto hal = link_to(d, "hal@example.com", "verify_email");
    ASSERT_TRUE(fay && hal);
    EXPECT_FALSE(d.verification.verify(hal->uidb64, fay->token, kClient));
    EXPECT_FALSE(d.verification.verify("not base64!", fay->token, kClient));
    EXPECT_TRUE(d.verification.verify(fay->uidb64, fay->token, kClient));
}

TEST(EmailVerification, ResendIsLimitedToThreeAnHour) {
    Domain d;
    d.register_user("ian");
    const auth::Principal caller = d.sessions.authenticate(d.login("ian").access);
    for (int i = 0; i < 3; ++i)
        EXPECT_NO_THROW(d.verification.resend(caller, kClient));
    try {
        d.verification.resend(caller, kClient);
        FAIL() << "fourth resend accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::rate_limited);
        EXPECT_EQ(e.retry_after(), 3600);
    }
    d.clock.advance(3600);
    EXPECT_NO_THROW(d.verification.resend(caller, kClient));
}

TEST(PasswordReset, TheLinkSetsThePasswordOnceAndEndsEverySession) {
    Domain d;
    d.register_user("jon");
    const auth::TokenPair before = d.login("jon");
    d.deliver();
    d.password_reset.request("JON@example.com", kClient);
    auto link = link_to(d, "jon@example.com", "reset");
    ASSERT_TRUE(link);
    EXPECT_TRUE(d.password_reset.link_valid(link->uidb64, link->token));
    d.password_reset.complete(link->uidb64, link->token, "a fresh long passphrase",
                              "a fresh long passphrase", kClient);
    EXPECT_THROW(d.sessions.authenticate(before.access), Error);
    EXPECT_NO_THROW(d.login("jon", "a fresh long passphrase"));
    EXPECT_FALSE(d.password_reset.link_valid(link->uidb64, link->token));
    EXPECT_EQ(error_code([&] {
                  d.password_reset.complete(link->uidb64, link->token, "another long passphrase",
                                            "another long passphrase", kClient);
              }),
              "invalid_link");
    const auto mails = d.deliver();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_TRUE(mails[0].has("Subject: Your password was reset"));
}

TEST(PasswordReset, AnUnknownAddressSendsNothingAndAnswersTheSame) {
    Domain d;
    d.deliver();
    EXPECT_NO_THROW(d.password_reset.request("nobody@example.com", kClient));
    EXPECT_TRUE(d.deliver().empty());
    EXPECT_THROW(d.password_reset.request("not an address", kClient), ValidationError);
}

TEST(PasswordReset, TheLinkDiesWhenThePasswordChangesAndWhenItExpires) {
    Domain d;
    d.register_user("kay");
    d.deliver();
    d.password_reset.request("kay@example.com", kClient);
    auto link = link_to(d, "kay@example.com", "reset");
    ASSERT_TRUE(link);
    const auth::Principal caller = d.sessions.authenticate(d.login("kay").access);
    d.accounts.change_password(
        caller, "kay", {"correct horse battery", "changed by hand today", "changed by hand today"},
        kClient);
    EXPECT_FALSE(d.password_reset.link_valid(link->uidb64, link->token));

    d.password_reset.request("kay@example.com", kClient);
    auto second = link_to(d, "kay@example.com", "reset");
    ASSERT_TRUE(second);
    d.clock.advance(3600);
    EXPECT_FALSE(d.password_reset.link_valid(second->uidb64, second->token));
}

TEST(PasswordReset, AWeakPasswordIsRefusedAndTheLinkStaysUsable) {
    Domain d;
    d.register_user("lou");
    d.deliver();
    d.password_reset.request("lou@example.com", kClient);
    auto link = link_to(d, "lou@example.com", "reset");
    ASSERT_TRUE(link);
    EXPECT_THROW(d.password_reset.complete(link->uidb64, link->token, "short", "short", kClient),
                 ValidationError);
    EXPECT_TRUE(d.password_reset.link_valid(link->uidb64, link->token));
}

TEST(PasswordReset, RequestsBeyondThreeAnHourSendNothing) {
    Domain d;
    d.register_user("max");
    d.deliver();
    for (int i = 0; i < 5; ++i)
        EXPECT_NO_THROW(d.password_reset.request("max@example.com", kClient));
    EXPECT_EQ(d.deliver().size(), 3u);
}

TEST(DataExport, HoldsTheAccountAndSessionsButNoSecrets) {
    Domain d;
    const store::User user = d.register_user("ned");
    const auth::TokenPair pair = d.login("ned");
    const auth::Principal caller = d.sessions.authenticate(pair.access);
    d.deliver();
    d.data_export.request(caller, kClient);
    const auto mails = d.deliver();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_TRUE(mails[0].has("authd-export-ned.json"));
    EXPECT_FALSE(mails[0].has(caller.session.id));
    EXPECT_FALSE(mails[0].has(user.id));

    std::string json_text;
    d.store->read([&](store::Transaction& tx) { json_text = auth::DataExport::build(tx, user); });
    const auto document = boost::json::parse(json_text).as_object();
    EXPECT_EQ(document.at("account").at("username").as_string(), "ned");
    EXPECT_EQ(document.at("sessions").as_array().size(), 1u);
    EXPECT_EQ(json_text.find("$argon2"), std::string::npos);
    EXPECT_EQ(json_text.find(caller.session.id), std::string::npos);
    EXPECT_EQ(json_text.find(user.id), std::string::npos);
    EXPECT_EQ(json_text.find(caller.session.refresh_hash), std::string::npos);
}

}  // namespace
}  // namespace authd
