// The SQL layer on PostgreSQL; runs only when AUTHD_TEST_POSTGRES_URL names a server to use.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "store/sql.h"

namespace authd::store {
namespace {

using namespace std::chrono_literals;

// The first row's value of the column called `name`.
std::int64_t first_integer(const Result& result, std::string_view name) {
    return result.rows.at(0).integer(result.column(name));
}
std::string first_text(const Result& result, std::string_view name) {
    return result.rows.at(0).text(result.column(name));
}
std::optional<std::string> first_optional_text(const Result& result, std::string_view name) {
    return result.rows.at(0).optional_text(result.column(name));
}

const std::vector<Migration> test_migrations = {
    {1, "0001_pg_users",
     "CREATE TABLE pg_users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"
     "CREATE UNIQUE INDEX pg_users_username_unique ON pg_users (lower(name));\n"},
    {2, "0002_pg_counters",
     "CREATE TABLE pg_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);\n"
     "INSERT INTO pg_counters (name, value) VALUES ('hits', 0);\n"},
};

class PostgresTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* url = std::getenv("AUTHD_TEST_POSTGRES_URL");
        if (url == nullptr || *url == '\0') GTEST_SKIP() << "AUTHD_TEST_POSTGRES_URL is not set";
        url_ = url;
        database_ = open_database(url_, 4, 2s);
        // A clean slate: the tables of these tests and the migration record.
        database_->acquire()->execute_script(
            "DROP TABLE IF EXISTS pg_users, pg_counters, schema_migrations");
    }

    std::string url_;
    std::unique_ptr<Database> database_;
};

TEST_F(PostgresTest, BindsParametersAndRoundTripsValues) {
    auto lease = database_->acquire();
    EXPECT_EQ(lease->dialect(), Dialect::postgres);
    const Result result = lease->execute(
        "SELECT $2::text AS two, $1::bigint AS one, $1::bigint + 1 AS next, $3::text AS three",
        {std::int64_t{41}, std::string("a"), nullptr});
    ASSERT_EQ(result.rows.size(), 1u);
    EXPECT_EQ(result.rows[0].text(result.column("two")), "a");
    EXPECT_EQ(result.rows[0].integer(result.column("one")), 41);
    EXPECT_EQ(result.rows[0].integer(result.column("next")), 42);
    EXPECT_TRUE(result.rows[0].is_null(result.column("three")));
    EXPECT_THROW(result.column("four"), DatabaseError);
    EXPECT_THROW(lease->execute("SELECT $1::int, $2::int", {std::int64_t{1}}), DatabaseError);
    EXPECT_THROW(lease->execute("SELEC 1"), DatabaseError);
    EXPECT_TRUE(lease->usable());
}

TEST_F(PostgresTest, MigratesOnceAndCountsAffectedRows) {
    EXPECT_EQ(migrate(*database_, test_migrations), 2);
    EXPECT_EQ(migrate(*database_, test_migrations), 0);
    auto lease = database_->acquire();
    const std::string insert = "INSERT INTO pg_users (id, name, email) VALUES ($1, $2, $3)";
    EXPECT_EQ(lease->execute(insert, {INT64_MAX, std::string("x'y"), nullptr}).affected, 1);
    EXPECT_EQ(lease->execute(insert, {INT64_MIN, std::string("z"), std::string("z@x")}).affected,
              1);
    const Result rows = lease->execute("SELECT id, name, email FROM pg_users ORDER BY id");
    ASSERT_EQ(rows.rows.size(), 2u);
    EXPECT_EQ(rows.rows[0].integer(rows.column("id")), INT64_MIN);
    EXPECT_EQ(rows.rows[1].integer(rows.column("id")), INT64_MAX);
    EXPECT_EQ(rows.rows[1].text(rows.column("name")), "x'y");
    EXPECT_TRUE(rows.rows[1].is_null(rows.column("email")));
    EXPECT_EQ(lease->execute("UPDATE pg_users SET email = NULL").affected, 2);
    EXPECT_EQ(rows.affected, 2);  // a SELECT reports the rows it returned
}

TEST_F(PostgresTest, ConcurrentMigratorsApplyEachMigrationOnce) {
    std::atomic<int> applied{0};
    std::vector<std::thread> instances;
    for (int i = 0; i < 4; ++i) {
        instances.emplace_back([&] {
            auto own_database = open_database(url_, 1);
            applied += migrate(*own_database, test_migrations);
        });
    }
    for (auto& instance : instances)
        instance.join();
    EXPECT_EQ(applied.load(), 2);
}

TEST_F(PostgresTest, ReportsUniqueViolationsWithTheConstraintName) {
    migrate(*database_, test_migrations);
    auto lease = database_->acquire();
    lease->execute("INSERT INTO pg_users (id, name) VALUES (1, $1)", {std::string("Alice")});
    try {
        lease->execute("INSERT INTO pg_users (id, name) VALUES (2, $1)", {std::string("ALICE")});
        FAIL() << "expected a unique violation";
    } catch (const UniqueViolation& violation) {
        EXPECT_EQ(violation.constraint(), "pg_users_username_unique");
        // The message leaves out the DETAIL line that quotes the value.
        EXPECT_EQ(std::string(violation.what()).find("ALICE"), std::string::npos);
    }
    try {
        lease->execute("INSERT INTO pg_users (id, name) VALUES (1, 'bob')");
        FAIL() << "expected a unique violation";
    } catch (const UniqueViolation& violation) {
        EXPECT_EQ(violation.constraint(), "pg_users_pkey");
    }
    EXPECT_TRUE(lease->usable());
}

TEST_F(PostgresTest, TransactionsCommitAndRollBack) {
    migrate(*database_, test_migrations);
    database_->transaction(true, [](Connection& connection) {
        connection.execute("INSERT INTO pg_users (id, name) VALUES (1, 'kept')");
    });
    EXPECT_THROW(database_->transaction(true,
                                        [](Connection& connection) {
                                            connection.execute(
                                                "INSERT INTO pg_users (id, name) VALUES (2, 'x')");
                                            throw std::runtime_error("changed my mind");
                                        }),
                 std::runtime_error);
    // A statement failed and was caught inside: PostgreSQL has aborted the transaction, and
    // commit says so instead of silently rolling back.
    EXPECT_THROW(database_->transaction(true,
                                        [](Connection& connection) {
                                            connection.execute(
                                                "INSERT INTO pg_users (id, name) VALUES (3, 'y')");
                                            try {
                                                connection.execute(
                                                    "INSERT INTO pg_users (id, name) "
                                                    "VALUES (1, 'dup')");
                                            } catch (const UniqueViolation&) {
                                            }
                                        }),
                 DatabaseError);
    auto lease = database_->acquire();
    EXPECT_EQ(first_integer(lease->execute("SELECT COUNT(*) AS n FROM pg_users"), "n"), 1);
}

TEST_F(PostgresTest, ConcurrentWritersAllSucceed) {
    migrate(*database_, test_migrations);
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 8; ++t) {
        writers.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                try {
                    database_->transaction(true, [](Connection& connection) {
                        connection.execute(
                            "UPDATE pg_counters SET value = value + 1 WHERE name = 'hits'");
                    });
                } catch (const std::exception& error) {
                    ++failures;
                    ADD_FAILURE() << error.what();
                }
            }
        });
    }
    for (auto& writer : writers)
        writer.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(
        first_integer(database_->acquire()->execute("SELECT value FROM pg_counters"), "value"),
        200);
}

// A read-only transaction sends no BEGIN for plain SELECTs (each has its own snapshot under
// READ COMMITTED anyway), but anything that writes still runs in one transaction.
TEST_F(PostgresTest, ReadTransactionOfSelectsOpensNoServerTransaction) {
    migrate(*database_, test_migrations);
    const auto [first, second] = database_->transaction(false, [](Connection& connection) {
        // now() is the transaction's start time: equal for two statements in one transaction,
        // different for two statements each in its own.
        const std::string at = first_text(connection.execute("SELECT now()::text AS n"), "n");
        std::this_thread::sleep_for(20ms);
        return std::pair(at, first_text(connection.execute("SELECT now()::text AS n"), "n"));
    });
    EXPECT_NE(first, second);
    const auto [start, later] = database_->transaction(true, [](Connection& connection) {
        const std::string at = first_text(connection.execute("SELECT now()::text AS n"), "n");
        std::this_thread::sleep_for(20ms);
        return std::pair(at, first_text(connection.execute("SELECT now()::text AS n"), "n"));
    });
    EXPECT_EQ(start, later);
}

TEST_F(PostgresTest, WritesInAReadTransactionStayAtomic) {
    migrate(*database_, test_migrations);
    EXPECT_THROW(database_->transaction(false,
                                        [](Connection& connection) {
                                            connection.execute("SELECT value FROM pg_counters");
                                            connection.execute(
                                                "UPDATE pg_counters SET value = 5 WHERE name = "
                                                "'hits'");
                                            throw std::runtime_error("changed my mind");
                                        }),
                 std::runtime_error);
    EXPECT_EQ(
        first_integer(database_->acquire()->execute("SELECT value FROM pg_counters"), "value"), 0);
    // A locking SELECT begins the transaction too, so that its lock lasts until the end: the
    // statement after it still has the transaction's start time.
    const bool in_transaction = database_->transaction(false, [](Connection& connection) {
        connection.execute("SELECT value FROM pg_counters WHERE name = 'hits' FOR UPDATE");
        std::this_thread::sleep_for(20ms);
        return first_optional_text(connection.execute("SELECT now() <> statement_timestamp() AS n"),
                                   "n") == "t";
    });
    EXPECT_TRUE(in_transaction);
}

TEST_F(PostgresTest, TerminatedConnectionIsDroppedAndReplaced) {
    auto victim = database_->acquire();
    const std::int64_t pid = first_integer(victim->execute("SELECT pg_backend_pid() AS n"), "n");
    {
        auto killer = database_->acquire();
        EXPECT_TRUE(first_optional_text(
                        killer->execute("SELECT pg_terminate_backend($1::int) AS n", {pid}), "n") ==
                    "t");
    }
    // Give the backend a moment to exit.
    std::this_thread::sleep_for(100ms);
    EXPECT_THROW(victim->execute("SELECT 1"), Unavailable);
    EXPECT_FALSE(victim->usable());
    { Database::Lease released = std::move(victim); }
    // Every connection comes back working (the broken one is gone, not pooled).
    std::vector<Database::Lease> leases;
    for (int i = 0; i < 4; ++i) {
        leases.push_back(database_->acquire());
        EXPECT_EQ(first_integer(leases.back()->execute("SELECT 1 AS n"), "n"), 1);
        EXPECT_NE(first_integer(leases.back()->execute("SELECT pg_backend_pid() AS n"), "n"), pid);
    }
}

TEST_F(PostgresTest, CachedStatementSurvivesASchemaChange) {
    migrate(*database_, test_migrations);
    auto lease = database_->acquire();
    const std::string select_all = "SELECT * FROM pg_counters WHERE name = $1";
    EXPECT_EQ(lease->execute(select_all, {std::string("hits")}).columns->size(), 2u);
    // Another instance changes the table under the cached plan.
    database_->acquire()->execute_script("ALTER TABLE pg_counters ADD COLUMN note TEXT");
    const Result changed = lease->execute(select_all, {std::string("hits")});
    EXPECT_EQ(changed.columns->size(), 3u);
    EXPECT_TRUE(changed.rows.at(0).is_null(changed.column("note")));
    EXPECT_TRUE(lease->usable());
}

TEST_F(PostgresTest, PoolIsBounded) {
    auto database = open_database(url_, 1, 150ms);
    auto held = database->acquire();
    EXPECT_THROW(database->acquire(), Unavailable);
}

TEST(PostgresUnreachable, OpensLazilyAndAcquireFailsQuickly) {
    // Nothing listens on port 1: authd starts anyway and answers 503 until the server is up.
    auto database = open_database("postgresql://postgres:hunter2@127.0.0.1:1/x", 2);
    EXPECT_EQ(database->dialect(), Dialect::postgres);
    const auto started = std::chrono::steady_clock::now();
    try {
        database->acquire();
        FAIL() << "expected Unavailable";
    } catch (const Unavailable& error) {
        EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    // The failed attempt does not use up the pool.
    EXPECT_THROW(database->acquire(), Unavailable);
    EXPECT_THROW(database->acquire(), Unavailable);
    EXPECT_THROW(database->acquire(), Unavailable);
}

}  // namespace
}  // namespace authd::store
