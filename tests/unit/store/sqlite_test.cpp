// The SQL layer on SQLite: files in a temporary directory and shared in-memory databases.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
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

class TempDirectory {
  public:
    TempDirectory() {
        static std::atomic<int> next{0};
        path_ = std::filesystem::temp_directory_path() /
                ("authd-store-test-" + std::to_string(getpid()) + "-" + std::to_string(next++));
        std::filesystem::create_directories(path_);
    }
    ~TempDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

const std::vector<Migration> test_migrations = {
    {1, "0001_users",
     "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"
     "CREATE UNIQUE INDEX users_username_unique ON users (lower(name));\n"
     "CREATE UNIQUE INDEX users_email_unique ON users (email);\n"},
    {2, "0002_counters",
     "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);\n"
     "INSERT INTO counters (name, value) VALUES ('hits', 0);\n"},
};

std::int64_t count_users(Database& database) {
    auto lease = database.acquire();
    return first_integer(lease->execute("SELECT COUNT(*) AS n FROM users"), "n");
}

class SqliteTest : public ::testing::TestWithParam<bool /*in memory*/> {
  protected:
    std::string url() const {
        return GetParam() ? "sqlite://:memory:" : "sqlite://" + (dir_.path() / "auth.db").string();
    }
    std::unique_ptr<Database> open(std::size_t pool_size = 4,
                                   std::chrono::milliseconds acquire_timeout = 5s) {
        return open_database(url(), pool_size, acquire_timeout);
    }
    std::unique_ptr<Database> open_migrated(std::size_t pool_size = 4) {
        auto database = open(pool_size);
        migrate(*database, test_migrations);
        return database;
    }

    TempDirectory dir_;
};

TEST_P(SqliteTest, BindsParametersByNumberInAnyOrder) {
    auto database = open();
    auto lease = database->acquire();
    const Result result =
        lease->execute("SELECT $2 AS two, $1 AS one, $1 || $2 AS joined, $3 AS three",
                       {std::string("a"), std::int64_t{2}, nullptr});
    ASSERT_EQ(result.rows.size(), 1u);
    const Row& row = result.rows[0];
    EXPECT_EQ(row.integer(result.column("two")), 2);
    EXPECT_EQ(row.text(result.column("one")), "a");
    EXPECT_EQ(row.text(result.column("joined")), "a2");
    EXPECT_TRUE(row.is_null(result.column("three")));
    EXPECT_THROW(result.column("four"), DatabaseError);
    EXPECT_EQ(result.affected, 0);
}

TEST_P(SqliteTest, CachedStatementFindsColumnsAddedSinceItWasPrepared) {
    auto database = open_migrated(1);
    auto lease = database->acquire();
    const std::string select_all = "SELECT * FROM counters WHERE name = $1";
    EXPECT_EQ(lease->execute(select_all, {std::string("hits")}).columns->size(), 2u);
    lease->execute_script("ALTER TABLE counters ADD COLUMN note TEXT");
    const Result changed = lease->execute(select_all, {std::string("hits")});
    EXPECT_EQ(changed.columns->size(), 3u);
    EXPECT_TRUE(changed.rows.at(0).is_null(changed.column("note")));
}

TEST_P(SqliteTest, RejectsWrongParameterCountsAndStyles) {
    auto database = open();
    auto lease = database->acquire();
    EXPECT_THROW(lease->execute("SELECT $1, $2", {std::int64_t{1}}), DatabaseError);
    EXPECT_THROW(lease->execute("SELECT $1", {std::int64_t{1}, std::int64_t{2}}), DatabaseError);
    EXPECT_THROW(lease->execute("SELECT $1, $3", {std::int64_t{1}, std::int64_t{2}}),
                 DatabaseError);
    EXPECT_THROW(lease->execute("SELECT ?", {std::int64_t{1}}), DatabaseError);
    EXPECT_THROW(lease->execute("SELECT 1; SELECT 2"), DatabaseError);
    EXPECT_THROW(lease->execute("SELEC 1"), DatabaseError);
    // The connection is still fine afterwards.
    EXPECT_EQ(first_integer(lease->execute("SELECT $1 AS n", {std::int64_t{7}}), "n"), 7);
}

TEST_P(SqliteTest, RoundTripsNullIntegerAndText) {
    auto database = open_migrated();
    auto lease = database->acquire();
    const std::string odd_text = "O'Brien; DROP TABLE users; -- \xc3\xa9";
    lease->execute("INSERT INTO users (id, name, email) VALUES ($1, $2, $3)",
                   {std::int64_t{INT64_MAX}, odd_text, nullptr});
    lease->execute("INSERT INTO users (id, name, email) VALUES ($1, $2, $3)",
                   {std::int64_t{INT64_MIN}, std::string("b"), std::string("b@example.com")});
    const Result result = lease->execute("SELECT id, name, email FROM users ORDER BY id");
    ASSERT_EQ(result.rows.size(), 2u);
    const Column id = result.column("id");
    const Column name = result.column("name");
    const Column email = result.column("email");
    EXPECT_EQ(result.rows[0].integer(id), INT64_MIN);
    EXPECT_EQ(result.rows[0].optional_text(email), "b@example.com");
    EXPECT_EQ(result.rows[1].integer(id), INT64_MAX);
    EXPECT_EQ(result.rows[1].text(name), odd_text);
    EXPECT_TRUE(result.rows[1].is_null(email));
    EXPECT_EQ(result.rows[1].optional_text(email), std::nullopt);
    EXPECT_EQ(result.rows[1].optional_integer(email), std::nullopt);
    EXPECT_THROW(result.rows[1].text(email), DatabaseError);
    EXPECT_THROW(result.rows[1].integer(name), DatabaseError);
}

TEST_P(SqliteTest, CountsAffectedRows) {
    auto database = open_migrated();
    auto lease = database->acquire();
    for (std::int64_t id = 1; id <= 3; ++id) {
        EXPECT_EQ(lease
                      ->execute("INSERT INTO users (id, name) VALUES ($1, $2)",
                                {id, "user" + std::to_string(id)})
                      .affected,
                  1);
    }
    EXPECT_EQ(
        lease->execute("UPDATE users SET email = NULL WHERE id >= $1", {std::int64_t{2}}).affected,
        2);
    EXPECT_EQ(lease->execute("SELECT * FROM users").affected, 0);
    EXPECT_EQ(lease->execute("DELETE FROM users WHERE id = $1", {std::int64_t{99}}).affected, 0);
}

TEST_P(SqliteTest, ReportsUniqueViolationsWithTheConstraintName) {
    auto database = open_migrated();
    auto lease = database->acquire();
    const std::string insert = "INSERT INTO users (id, name, email) VALUES ($1, $2, $3)";
    lease->execute(insert, {std::int64_t{1}, std::string("Alice"), std::string("a@example.com")});
    try {
        lease->execute(insert,
                       {std::int64_t{2}, std::string("alice"), std::string("x@example.com")});
        FAIL() << "expected a unique violation";
    } catch (const UniqueViolation& violation) {
        EXPECT_EQ(violation.constraint(), "users_username_unique");
    }
    try {
        lease->execute(insert, {std::int64_t{3}, std::string("bob"), std::string("a@example.com")});
        FAIL() << "expected a unique violation";
    } catch (const UniqueViolation& violation) {
        EXPECT_EQ(violation.constraint(), "users.email");
    }
    try {
        lease->execute(insert, {std::int64_t{1}, std::string("carol"), nullptr});
        FAIL() << "expected a unique violation";
    } catch (const UniqueViolation& violation) {
        EXPECT_EQ(violation.constraint(), "users.id");
    }
    // Other constraints are plain database errors.
    EXPECT_THROW(lease->execute(insert, {std::int64_t{4}, nullptr, nullptr}), DatabaseError);
    EXPECT_EQ(first_integer(lease->execute("SELECT COUNT(*) AS n FROM users"), "n"), 1);
}

TEST_P(SqliteTest, TransactionCommitsWhenWorkReturns) {
    auto database = open_migrated();
    const std::int64_t id = database->transaction(true, [](Connection& connection) {
        connection.execute("INSERT INTO users (id, name) VALUES (5, 'eve')");
        return first_integer(
            connection.execute("SELECT id FROM users WHERE name = $1", {std::string("eve")}), "id");
    });
    EXPECT_EQ(id, 5);
    EXPECT_EQ(count_users(*database), 1);
}

TEST_P(SqliteTest, TransactionRollsBackWhenWorkThrows) {
    auto database = open_migrated();
    EXPECT_THROW(database->transaction(true,
                                       [](Connection& connection) {
                                           connection.execute(
                                               "INSERT INTO users (id, name) VALUES (5, 'eve')");
                                           throw std::runtime_error("changed my mind");
                                       }),
                 std::runtime_error);
    EXPECT_EQ(count_users(*database), 0);
    // A failing statement inside the transaction rolls it back as well.
    EXPECT_THROW(database->transaction(
                     true,
                     [](Connection& connection) {
                         connection.execute("INSERT INTO users (id, name) VALUES (6, 'x')");
                         connection.execute("INSERT INTO users (id, name) VALUES (7, 'X')");
                     }),
                 UniqueViolation);
    EXPECT_EQ(count_users(*database), 0);
    database->transaction(false, [](Connection& connection) {
        EXPECT_EQ(first_integer(connection.execute("SELECT COUNT(*) AS n FROM users"), "n"), 0);
    });
}

TEST_P(SqliteTest, MigrateAppliesOnceAndRecordsVersions) {
    auto database = open();
    EXPECT_EQ(migrate(*database, test_migrations), 2);
    EXPECT_EQ(migrate(*database, test_migrations), 0);
    auto lease = database->acquire();
    const Result applied =
        lease->execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    ASSERT_EQ(applied.rows.size(), 2u);
    EXPECT_EQ(applied.rows[0].integer(applied.column("version")), 1);
    EXPECT_EQ(applied.rows[0].text(applied.column("name")), "0001_users");
    EXPECT_GT(applied.rows[1].integer(applied.column("applied_at")), 1'700'000'000);
    EXPECT_EQ(first_integer(lease->execute("SELECT value FROM counters"), "value"), 0);
}

TEST_P(SqliteTest, MigrateAppliesOnlyNewerVersions) {
    auto database = open();
    const std::vector<Migration> first_only(test_migrations.begin(), test_migrations.begin() + 1);
    EXPECT_EQ(migrate(*database, first_only), 1);
    EXPECT_EQ(migrate(*database, test_migrations), 1);
    EXPECT_EQ(migrate(*database, test_migrations), 0);
}

TEST_P(SqliteTest, FailedMigrationIsRolledBackAndNotRecorded) {
    auto database = open();
    std::vector<Migration> migrations = test_migrations;
    migrations.push_back({3, "0003_broken", "CREATE TABLE extra (x INTEGER); CREATE TABLEX y;"});
    try {
        migrate(*database, migrations);
        FAIL() << "expected the broken migration to fail";
    } catch (const DatabaseError& error) {
        EXPECT_NE(std::string(error.what()).find("0003_broken"), std::string::npos);
    }
    auto lease = database->acquire();
    EXPECT_EQ(first_integer(lease->execute("SELECT MAX(version) AS n FROM schema_migrations"), "n"),
              2);
    EXPECT_TRUE(lease->execute("SELECT name FROM sqlite_master WHERE name = 'extra'").rows.empty());
}

TEST_P(SqliteTest, MigrateRejectsUnorderedLists) {
    auto database = open();
    const std::vector<Migration> unordered = {test_migrations[1], test_migrations[0]};
    EXPECT_THROW(migrate(*database, unordered), std::invalid_argument);
}

TEST_P(SqliteTest, ConcurrentWritersAllSucceed) {
    auto database = open_migrated(4);
    constexpr int threads = 8;
    constexpr int increments = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&] {
            for (int i = 0; i < increments; ++i) {
                try {
                    database->transaction(true, [](Connection& connection) {
                        // Read then write: only safe because write transactions lock at once.
                        const std::int64_t value = first_integer(
                            connection.execute("SELECT value FROM counters WHERE name = 'hits'"),
                            "value");
                        connection.execute("UPDATE counters SET value = $1 WHERE name = 'hits'",
                                           {value + 1});
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
    auto lease = database->acquire();
    EXPECT_EQ(first_integer(lease->execute("SELECT value FROM counters"), "value"),
              threads * increments);
}

// Writers of one process queue on a gate (held from BEGIN to COMMIT or ROLLBACK); a write that
// fails or is abandoned must hand it on at once, not after the 5 s busy timeout.
TEST_P(SqliteTest, AFailedWriteLetsTheNextWriterInAtOnce) {
    auto database = open_migrated(2);
    EXPECT_THROW(database->transaction(true,
                                       [](Connection& connection) {
                                           connection.execute(
                                               "UPDATE counters SET value = 7 WHERE name = 'hits'");
                                           throw std::runtime_error("changed my mind");
                                       }),
                 std::runtime_error);
    // The failed transaction's connection is now idle in the pool: hold it, so that the next
    // write runs on the other connection.
    auto idle = database->acquire();
    const auto started = std::chrono::steady_clock::now();
    database->transaction(true, [](Connection& connection) {
        connection.execute("UPDATE counters SET value = value + 1 WHERE name = 'hits'");
    });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(first_integer(idle->execute("SELECT value FROM counters"), "value"), 1);
}

TEST_P(SqliteTest, AnAbandonedWriteLetsTheNextWriterInAtOnce) {
    auto database = open_migrated(2);
    {
        // Begun and never ended: the pool drops this connection, and its transaction with it.
        auto lease = database->acquire();
        lease->begin(true);
        lease->execute("UPDATE counters SET value = 7 WHERE name = 'hits'");
    }
    const auto started = std::chrono::steady_clock::now();
    database->transaction(true, [](Connection& connection) {
        connection.execute("UPDATE counters SET value = value + 1 WHERE name = 'hits'");
    });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    auto lease = database->acquire();
    EXPECT_EQ(first_integer(lease->execute("SELECT value FROM counters"), "value"), 1);
}

TEST_P(SqliteTest, PooledConnectionsShareTheData) {
    auto database = open_migrated(2);
    auto first = database->acquire();
    auto second = database->acquire();
    first->execute("INSERT INTO users (id, name) VALUES (1, 'shared')");
    EXPECT_EQ(first_text(second->execute("SELECT name FROM users"), "name"), "shared");
}

TEST_P(SqliteTest, AcquireWaitsForAFreeConnectionThenGivesUp) {
    auto database = open(1, 200ms);
    std::optional<Database::Lease> held(database->acquire());
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(database->acquire(), Unavailable);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 190ms);

    // A connection released while someone waits goes to that waiter.
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        held.reset();
    });
    auto waited = database->acquire();
    releaser.join();
    EXPECT_EQ(first_integer(waited->execute("SELECT 1 AS n"), "n"), 1);
}

TEST_P(SqliteTest, ConnectionLeftInATransactionIsNotReused) {
    auto database = open_migrated(1);
    {
        auto lease = database->acquire();
        lease->begin(true);
        lease->execute("INSERT INTO users (id, name) VALUES (1, 'uncommitted')");
    }
    auto lease = database->acquire();
    EXPECT_EQ(first_integer(lease->execute("SELECT COUNT(*) AS n FROM users"), "n"), 0);
    lease->begin(true);  // would fail if the old transaction were still open
    lease->commit();
}

TEST_P(SqliteTest, ForeignKeysAreEnforced) {
    auto database = open();
    auto lease = database->acquire();
    lease->execute_script(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));");
    EXPECT_THROW(lease->execute("INSERT INTO child VALUES (42)"), DatabaseError);
}

INSTANTIATE_TEST_SUITE_P(Storage, SqliteTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Memory" : "File"; });

TEST(SqliteFile, UsesWriteAheadLogAndCreatesTheDirectory) {
    TempDirectory dir;
    const std::filesystem::path file = dir.path() / "nested" / "deeper" / "auth.db";
    auto database = open_database("sqlite://" + file.string(), 2);
    EXPECT_TRUE(std::filesystem::exists(file));
    auto lease = database->acquire();
    EXPECT_EQ(first_text(lease->execute("PRAGMA journal_mode"), "journal_mode"), "wal");
    EXPECT_EQ(first_integer(lease->execute("PRAGMA foreign_keys"), "foreign_keys"), 1);
    EXPECT_EQ(first_integer(lease->execute("PRAGMA synchronous"), "synchronous"), 1);  // NORMAL
    EXPECT_EQ(database->dialect(), Dialect::sqlite);
}

TEST(SqliteFile, RelativePathIsRelativeToTheWorkingDirectory) {
    TempDirectory dir;
    const std::filesystem::path relative =
        std::filesystem::relative(dir.path(), std::filesystem::current_path()) / "rel.db";
    ASSERT_TRUE(relative.is_relative());
    auto database = open_database("sqlite://" + relative.string(), 1);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "rel.db"));
}

TEST(SqliteFile, DataSurvivesReopening) {
    TempDirectory dir;
    const std::string url = "sqlite://" + (dir.path() / "auth.db").string();
    {
        auto database = open_database(url, 2);
        EXPECT_EQ(migrate(*database, test_migrations), 2);
        database->acquire()->execute("INSERT INTO users (id, name) VALUES (1, 'kept')");
    }
    auto database = open_database(url, 2);
    EXPECT_EQ(migrate(*database, test_migrations), 0);
    EXPECT_EQ(count_users(*database), 1);
}

TEST(SqliteFile, UnusablePathFailsAtOpen) {
    TempDirectory dir;
    const std::filesystem::path not_a_directory = dir.path() / "file";
    std::FILE* created = std::fopen(not_a_directory.c_str(), "w");
    ASSERT_NE(created, nullptr);
    std::fputs("this is not a database, just some text that is long enough to be read", created);
    std::fclose(created);
    EXPECT_THROW(open_database("sqlite://" + (not_a_directory / "auth.db").string(), 1),
                 std::exception);
    EXPECT_THROW(open_database("sqlite://" + not_a_directory.string(), 1), std::exception);
}

TEST(SqliteMemory, EachOpenIsASeparateDatabase) {
    auto first = open_database("sqlite://:memory:", 2);
    auto second = open_database("sqlite://:memory:", 2);
    first->acquire()->execute_script("CREATE TABLE only_here (x INTEGER)");
    EXPECT_NO_THROW(first->acquire()->execute("SELECT * FROM only_here"));
    EXPECT_THROW(second->acquire()->execute("SELECT * FROM only_here"), DatabaseError);
}

TEST(SqliteMemory, DataOutlivesDroppedConnections) {
    auto database = open_database("sqlite://:memory:", 1);
    database->acquire()->execute_script(
        "CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (1)");
    {
        // Dropping the pool's only connection must not destroy the database.
        auto lease = database->acquire();
        lease->begin(false);
    }
    EXPECT_EQ(first_integer(database->acquire()->execute("SELECT x FROM kept"), "x"), 1);
}

TEST(OpenDatabase, RejectsInvalidUrls) {
    for (const std::string url :
         {"", "auth.db", "sqlite:auth.db", "sqlite://", "mysql://localhost/auth", "://x",
          "postgresql://host/db?no_such_option=1"}) {
        EXPECT_THROW(open_database(url, 1), std::invalid_argument) << url;
    }
    EXPECT_THROW(open_database("sqlite://:memory:", 0), std::invalid_argument);
}

TEST(OpenDatabase, MessagesExplainWithoutRepeatingTheUrl) {
    try {
        open_database("mysql://user:secret@host/db", 1);
        FAIL();
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("AUTH_DATABASE_URL"), std::string::npos);
        EXPECT_NE(message.find("mysql"), std::string::npos);
        EXPECT_EQ(message.find("secret"), std::string::npos);
    }
}

TEST(OpenDatabase, SchemeIsCaseInsensitive) {
    EXPECT_EQ(open_database("SQLite://:memory:", 1)->dialect(), Dialect::sqlite);
}

}  // namespace
}  // namespace authd::store
