// When a session, a login ticket, an e-mailed link or a passkey challenge is live is said beside
// its record in C++ (store::live) and in SQL (live_session_sql, live_ticket_sql, live_token_sql,
// live_challenge_sql): these tests hold the two together at every edge.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/sql.h"
#include "store/store.h"

namespace authd::store {
namespace {

constexpr std::int64_t kNow = 1'000'000;
constexpr int kMaxFailures = 3;

class LivenessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        database_ = open_database("sqlite://:memory:", 2);
        migrate(*database_);
        store_ = make_sql_store(database_);
        store_->write([](Transaction& tx) {
            User user;
            user.id = "u1";
            user.username = "alice";
            user.email = "alice@example.com";
            user.password_hash = "hash";
            user.date_joined = 1;
            tx.users().insert(user);
        });
    }

    std::shared_ptr<Database> database_;
    std::unique_ptr<Store> store_;
};

bool contains(const auto& records, const std::string& id, auto id_of) {
    return std::any_of(records.begin(), records.end(),
                       [&](const auto& record) { return id_of(record) == id; });
}

TEST_F(LivenessTest, SqlFindsTheSessionsThatThePredicateCallsLive) {
    std::vector<Session> sessions;
    for (const std::int64_t expires_at : {kNow - 1, kNow, kNow + 1}) {
        for (const bool revoked : {false, true}) {
            Session session;
            session.id = "s" + std::to_string(sessions.size());
            session.user_id = "u1";
            session.created_at = kNow - 10 + static_cast<std::int64_t>(sessions.size());
            session.last_used_at = kNow - 5;
            session.expires_at = expires_at;
            session.refresh_hash = "r" + session.id;
            if (revoked) session.revoked_at = kNow - 1;
            sessions.push_back(session);
        }
    }
    store_->write([&](Transaction& tx) {
        for (const Session& session : sessions) {
            tx.sessions().insert(session);
            if (session.revoked_at) tx.sessions().revoke(session.id, *session.revoked_at, "test");
        }
    });
    store_->read([&](Transaction& tx) {
        const std::vector<Session> found = tx.sessions().live_of_user("u1", kNow);
        std::int64_t expected_count = 0;
        for (const Session& session : sessions) {
            const auto stored = tx.sessions().find(session.id);
            ASSERT_TRUE(stored);
            EXPECT_EQ(live(*stored, kNow),
                      contains(found, session.id, [](const Session& s) { return s.id; }))
                << session.id;
            expected_count += live(*stored, kNow) ? 1 : 0;
        }
        EXPECT_EQ(expected_count, 1);  // not revoked, expiring after now
        EXPECT_EQ(tx.sessions().count_live(kNow, 0), expected_count);
    });
}

TEST_F(LivenessTest, SqlAdmitsAndSpendsTheTicketsThatThePredicateCallsLive) {
    struct State {
        std::int64_t expires_at;
        bool used;
        int failures;
    };
    std::vector<State> states;
    for (const std::int64_t expires_at : {kNow - 1, kNow, kNow + 1})
        for (const bool used : {false, true})
            for (const int failures : {kMaxFailures - 1, kMaxFailures})
                states.push_back({expires_at, used, failures});
    // Each state twice: one ticket to admit an attempt on, one to spend.
    const auto insert = [&](const std::string& prefix) {
        database_->transaction(true, [&](Connection& db) {
            for (std::size_t i = 0; i < states.size(); ++i)
                db.execute(
                    "INSERT INTO login_tickets (ticket_hash, user_id, created_at, expires_at, "
                    "failures, used_at, ip, user_agent) VALUES ($1, 'u1', $2, $3, $4, $5, '', '')",
                    {prefix + std::to_string(i), kNow - 100 + static_cast<std::int64_t>(i),
                     states[i].expires_at, std::int64_t{states[i].failures},
                     states[i].used ? Param(kNow - 1) : Param(nullptr)});
        });
    };
    insert("admit-");
    insert("use-");
    int live_states = 0;
    store_->write([&](Transaction& tx) {
        const std::vector<LoginTicket> found =
            tx.login_tickets().live_of_user("u1", kNow, kMaxFailures);
        for (std::size_t i = 0; i < states.size(); ++i) {
            const std::string admit = "admit-" + std::to_string(i);
            const std::string use = "use-" + std::to_string(i);
            const auto stored = tx.login_tickets().find(admit);
            ASSERT_TRUE(stored);
            const bool expected = live(*stored, kNow, kMaxFailures);
            live_states += expected ? 1 : 0;
            const auto hash_of = [](const LoginTicket& t) { return t.ticket_hash; };
            EXPECT_EQ(contains(found, admit, hash_of), expected) << admit;
            EXPECT_EQ(contains(found, use, hash_of), expected) << use;
            EXPECT_EQ(tx.login_tickets().admit_attempt(admit, kNow, kMaxFailures), expected)
                << admit;
            EXPECT_EQ(tx.login_tickets().use(use, kNow, kMaxFailures), expected) << use;
        }
    });
    EXPECT_EQ(live_states, 1);  // unused, expiring after now, with a wrong code left
}

TEST_F(LivenessTest, SqlSpendsTheLinksThatThePredicateCallsLive) {
    int live_links = 0;
    store_->write([&](Transaction& tx) {
        int n = 0;
        for (const std::int64_t expires_at : {kNow - 1, kNow, kNow + 1}) {
            for (const bool used : {false, true}) {
                OneTimeToken token;
                token.token_hash = "t" + std::to_string(n++);
                token.user_id = "u1";
                token.email = "alice@example.com";
                token.created_at = kNow - 10;
                token.expires_at = expires_at;
                tx.one_time_tokens().insert(token);
                if (used) {
                    ASSERT_TRUE(tx.one_time_tokens().use(token.token_hash, kNow - 20));
                }
                const auto stored = tx.one_time_tokens().find(token.token_hash);
                ASSERT_TRUE(stored);
                const bool expected = live(*stored, kNow);
                live_links += expected ? 1 : 0;
                EXPECT_EQ(tx.one_time_tokens().use(token.token_hash, kNow), expected)
                    << token.token_hash;
            }
        }
    });
    EXPECT_EQ(live_links, 1);  // unused, expiring after now
}

TEST_F(LivenessTest, SqlSpendsThePasskeyChallengesThatThePredicateCallsLive) {
    int live_challenges = 0;
    store_->write([&](Transaction& tx) {
        int n = 0;
        for (const std::int64_t expires_at : {kNow - 1, kNow, kNow + 1}) {
            for (const bool used : {false, true}) {
                WebauthnChallenge challenge;
                challenge.challenge_hash = "c" + std::to_string(n++);
                challenge.purpose = "login";
                challenge.created_at = kNow - 300;
                challenge.expires_at = expires_at;
                tx.passkeys().insert_challenge(challenge);
                if (used) {
                    const auto spent =
                        tx.passkeys().use_challenge(challenge.challenge_hash, kNow - 20);
                    ASSERT_TRUE(spent);
                    challenge.used_at = spent->used_at;
                }
                const bool expected = live(challenge, kNow);
                live_challenges += expected ? 1 : 0;
                EXPECT_EQ(tx.passkeys().use_challenge(challenge.challenge_hash, kNow).has_value(),
                          expected)
                    << challenge.challenge_hash;
            }
        }
    });
    EXPECT_EQ(live_challenges, 1);  // unused, expiring after now
}

TEST_F(LivenessTest, ASessionAndItsUserAreReadByNameFromOneStatement) {
    store_->write([](Transaction& tx) {
        Session session;
        session.id = "s1";
        session.user_id = "u1";
        session.created_at = 10;
        session.last_used_at = 11;
        session.auth_time = 12;
        session.expires_at = 13;
        session.refresh_hash = "r1";
        session.user_agent = "agent";
        session.ip = "192.0.2.1";
        tx.sessions().insert(session);
    });
    store_->read([](Transaction& tx) {
        const auto found = tx.sessions().find_with_user("s1");
        ASSERT_TRUE(found);
        const auto& [session, user] = *found;
        EXPECT_EQ(session.id, "s1");
        EXPECT_EQ(session.user_id, "u1");
        EXPECT_EQ(session.created_at, 10);
        EXPECT_EQ(session.last_used_at, 11);
        EXPECT_EQ(session.auth_time, 12);
        EXPECT_EQ(session.expires_at, 13);
        EXPECT_EQ(session.refresh_hash, "r1");
        EXPECT_EQ(session.user_agent, "agent");
        EXPECT_EQ(session.ip, "192.0.2.1");
        EXPECT_EQ(user.id, "u1");
        EXPECT_EQ(user.username, "alice");
        EXPECT_EQ(user.email, "alice@example.com");
        EXPECT_EQ(user.date_joined, 1);
        EXPECT_FALSE(user.totp_ready);
        EXPECT_FALSE(tx.sessions().find_with_user("s2"));
    });
}

}  // namespace
}  // namespace authd::store
