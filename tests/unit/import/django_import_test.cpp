// The Django import: Django's values, the dumpdata reader, the rules for records authd cannot
// take, idempotence, the dry run, the rollback, imported apps' drift, and stored service
// accounts. (tests/functional/test_import_django.py drives the same through the binary, from
// databases that Django itself built.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "import/django_import.h"
#include "import/django_schema.h"
#include "import/source_tables.h"
#include "otp/totp.h"
#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using import::SourceData;
using import::SourceServiceAccount;
using import::SourceTotpDevice;
using import::SourceUser;
using testing::Domain;
using testing::kClient;

constexpr const char* kPassword = "correct horse battery";
const std::string kHexKey = "3132333435363738393031323334353637383930";  // RFC 6238's key

SourceUser user(const std::string& key, const std::string& username, const std::string& email,
                const std::string& password_hash) {
    SourceUser u;
    u.key = key;
    u.username = username;
    u.email = email;
    u.password = password_hash;
    u.date_joined = "2023-04-05 06:07:08";
    u.is_active = "1";
    u.two_fa_enabled = "0";
    u.lang = "en";
    return u;
}

SourceTotpDevice device(const std::string& key, const std::string& user_key,
                        const std::string& drift = "0", const std::string& last_t = "-1") {
    SourceTotpDevice d;
    d.key = key;
    d.user = user_key;
    d.hex_key = kHexKey;
    d.step = "30";
    d.t0 = "0";
    d.digits = "6";
    d.drift = drift;
    d.last_t = last_t;
    d.confirmed = "1";
    return d;
}

struct DjangoImportTest : ::testing::Test {
    Domain d;
    std::ostringstream messages;

    import::ImportSummary run(const SourceData& data, bool dry_run = false) {
        import::ImportOptions options;
    options.dry_run = dry_run;
    options.progress_every = 0;
    import::DjangoImporter importer(*d.store, d.secrets, d.clock, d.random, messages, options);
    return importer.run(data);
}

std::optional<store::User>
find(const std::string& username) {
    std::optional<store::User> found;
    d.store->read([&](store::Transaction& tx) { found = tx.users().find_by_username(username); });
    return found;
}

std::string hash(const std::string& password = kPassword) {
    return d.hasher.hash(password, {});
}
};  // namespace

TEST(DjangoValues, DatesAndTimesInEveryFormDjangoWrites) {
    constexpr std::int64_t expected = 1680674828;  // 2023-04-05 06:07:08 UTC
    EXPECT_EQ(import::parse_django_datetime("2023-04-05 06:07:08"), expected);  // SQLite
    EXPECT_EQ(import::parse_django_datetime("2023-04-05 06:07:08.678000"), expected);
    EXPECT_EQ(import::parse_django_datetime("2023-04-05 06:07:08.123456+00"), expected);  // PG
    EXPECT_EQ(import::parse_django_datetime("2023-04-05T06:07:08Z"), expected);  // dumpdata
    EXPECT_EQ(import::parse_django_datetime("2023-04-05T06:07:08.678Z"), expected);
    EXPECT_EQ(import::parse_django_datetime("2023-04-05T08:07:08+02:00"), expected);
    EXPECT_EQ(import::parse_django_datetime("2023-04-05T01:07:08-0500"), expected);
    EXPECT_EQ(import::parse_django_datetime("1969-12-31 23:59:59"), -1);
    for (const char* bad : {"", "2023-04-05", "2023-13-05 06:07:08", "yesterday",
                            "2023-04-05 06:07:08 junk", "2023-04-05 25:00:00"})
        EXPECT_EQ(import::parse_django_datetime(bad), std::nullopt) << bad;
}

TEST(DjangoValues, BooleansIntegersAndHexKeys) {
    for (const char* yes : {"1", "t", "true", "True"})
        EXPECT_EQ(import::parse_django_bool(yes), true);
    for (const char* no : {"0", "f", "false", "FALSE"})
        EXPECT_EQ(import::parse_django_bool(no), false);
    EXPECT_EQ(import::parse_django_bool("maybe"), std::nullopt);
    EXPECT_EQ(import::parse_integer("-3"), -3);
    EXPECT_EQ(import::parse_integer("3x"), std::nullopt);
    EXPECT_EQ(import::decode_hex("3132aBcD"), std::string("12\xab\xcd"));
    EXPECT_EQ(import::decode_hex("313"), std::nullopt);
    EXPECT_EQ(import::decode_hex("zz"), std::nullopt);
}

TEST(DumpdataSource, ModelsReadAsTablesInKeyOrder) {
    const auto path = std::filesystem::temp_directory_path() / "authd-dumpdata-test.json";
    {
        std::ofstream out(path);
        out << R"([
          {"model": "accounts.user", "pk": 10, "fields": {"username": "zed", "email": "z@x.io",
           "password": "p", "date_joined": "2023-04-05T06:07:08Z", "two_fa_enable": true,
           "is_active": true, "lang": "fr", "groups": []}},
          {"model": "accounts.user", "pk": 9, "fields": {"username": "amy", "email": "a@x.io",
           "password": "p", "date_joined": "2023-04-05T06:07:08Z", "last_login": null}},
          {"model": "otp_totp.totpdevice", "pk": 1, "fields": {"user": ["zed"], "key": "00",
           "confirmed": true, "drift": -1, "last_t": 5}},
          {"model": "accounts.service", "pk": 2, "fields": {"serviceName": "chat",
           "password": "h"}}
        ])";
    }
    const auto reader = import::open_source(path.string());
    const SourceData data = import::read_django_data(*reader);
    std::filesystem::remove(path);
    EXPECT_EQ(data.user_table, "accounts_user");
    ASSERT_EQ(data.users.size(), 2u);
    EXPECT_EQ(data.users[0].key, "9");  // numerically, not as text
    EXPECT_EQ(data.users[1].two_fa_enabled, "true");
    EXPECT_EQ(data.users[1].lang, "fr");
    EXPECT_EQ(data.users[0].last_login, std::nullopt);
    EXPECT_EQ(data.users[0].two_fa_enabled, std::nullopt);  // absent from that object: NULL
    ASSERT_EQ(data.devices.size(), 1u);
    EXPECT_EQ(data.devices[0].user, R"(["zed"])");
    EXPECT_EQ(data.devices[0].drift, "-1");
    EXPECT_EQ(data.service_table, "accounts_service");
    ASSERT_EQ(data.services.size(), 1u);
    EXPECT_EQ(data.services[0].name, "chat");
}

TEST_F(DjangoImportTest, CaseDuplicatesAndBadUsernamesAreSkippedAndTold) {
    SourceData data;
    data.users = {
        user("1", "Ann", "ann@example.com", hash()), user("2", "ann", "other@example.com", hash()),
        user("3", "bob", "ANN@Example.com", hash()), user("4", "jo@hn", "jo@example.com", hash()),
        user("5", "cid", "not-an-address", hash())};
    const auto summary = run(data);
    EXPECT_EQ(summary.users.created, 1u);
    EXPECT_EQ(summary.users.skipped, 4u);
    EXPECT_TRUE(find("Ann"));
    EXPECT_FALSE(find("bob"));
    const std::string text = messages.str();
    EXPECT_NE(text.find("skipped user #2 \"ann\": its username differs only in case from that of "
                        "user #1 \"Ann\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("skipped user #3 \"bob\": its e-mail address differs only in case"),
              std::string::npos);
    EXPECT_NE(text.find("skipped user #4 \"jo@hn\": its username breaks authd's rule"),
              std::string::npos);
    EXPECT_NE(text.find("skipped user #5 \"cid\": its e-mail address \"not-an-address\""),
              std::string::npos);
}

TEST_F(DjangoImportTest, UsersWhoseHashAuthdDoesNotCheckAreImportedWithANote) {
    SourceData data;
    data.users = {user("1", "lou", "lou@example.com", "md5$salt$0123456789abcdef"),
                  user("2", "max", "max@example.com", "!unusable-password-of-django-000000")};
    EXPECT_EQ(run(data).users.created, 2u);
    const std::string text = messages.str();
    EXPECT_NE(text.find("note: user #1 \"lou\": its password hash (\"md5\") is not one authd "
                        "checks"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("note: user #2 \"max\": it has no usable password"), std::string::npos);
}

TEST_F(DjangoImportTest, ASecondRunChangesNothingAndAChangedRecordIsUpdated) {
    SourceData data;
    data.users = {user("1", "dee", "dee@example.com", hash())};
    EXPECT_EQ(run(data).users.created, 1u);
    const auto second = run(data);
    EXPECT_TRUE(second.nothing_to_do());
    EXPECT_EQ(second.users.unchanged, 1u);

    data.users[0].email = "dee.new@example.com";
    data.users[0].is_active = "0";
    const auto third = run(data);
    EXPECT_EQ(third.users.updated, 1u);
    const auto dee = find("dee");
    ASSERT_TRUE(dee);
    EXPECT_EQ(dee->email, "dee.new@example.com");
    EXPECT_FALSE(dee->is_active);
}

TEST_F(DjangoImportTest, AnAccountOfAuthdIsNeverTakenOver) {
    d.register_user("eve");
    SourceData data;
    data.users = {user("1", "Eve", "eve.django@example.com", hash("another password 1"))};
    const auto summary = run(data);
    EXPECT_EQ(summary.users.skipped, 1u);
    EXPECT_NE(messages.str().find("its username is taken in authd by another account"),
              std::string::npos);
    EXPECT_NO_THROW(d.login("eve"));
}

TEST_F(DjangoImportTest, AnAccountDeletedInAuthdIsNotBroughtBack) {
    SourceData data;
    data.users = {user("1", "fay", "fay@example.com", hash())};
    run(data);
    d.store->write([&](store::Transaction& tx) { tx.users().remove(find("fay")->id); });
    const auto again = run(data);
    EXPECT_EQ(again.users.skipped, 1u);
    EXPECT_FALSE(find("fay"));
}

TEST_F(DjangoImportTest, ADryRunWritesNothing) {
    SourceData data;
    data.users = {user("1", "gus", "gus@example.com", hash())};
    data.devices = {device("1", "1")};
    const auto summary = run(data, true);
    EXPECT_TRUE(summary.dry_run);
    EXPECT_EQ(summary.users.created, 1u);
    EXPECT_EQ(summary.apps.created, 1u);
    EXPECT_FALSE(find("gus"));
    EXPECT_EQ(run(data).users.created, 1u);  // not "unchanged": nothing was recorded
}

TEST_F(DjangoImportTest, ABrokenRecordRollsBackEverything) {
    SourceData data;
    data.users = {user("1", "hal", "hal@example.com", hash()),
                  user("2", "ida", "ida@example.com", hash())};
    data.users[1].password.reset();
    try {
        run(data);
        FAIL() << "no ImportFailed";
    } catch (const import::ImportFailed& e) {
        EXPECT_STREQ(e.what(), "user #2 \"ida\": password is NULL");
    }
    EXPECT_FALSE(find("hal"));  // written first, rolled back with the rest

    data.users[1].password = hash();
    data.devices = {device("7", "2")};
    data.devices[0].hex_key = "not hex";
    EXPECT_THROW(run(data), import::ImportFailed);
    EXPECT_FALSE(find("hal"));
    data.devices[0].hex_key = kHexKey;
    data.devices[0].user = "99";
    EXPECT_THROW(run(data), import::ImportFailed);
}

TEST_F(DjangoImportTest, AnImportedAppIsCheckedAroundNowPlusItsDrift) {
    SourceData data;
    data.users = {user("1", "jan", "jan@example.com", hash())};
    data.users[0].two_fa_enabled = "t";
    const otp::TotpParameters parameters;
    const std::int64_t now_step = otp::time_step(d.clock.now(), parameters);
    // Django accepted now + 3 last: the app's clock runs three steps ahead.
    data.devices = {device("1", "1", "3", std::to_string(now_step + 3))};
    const auto summary = run(data);
    ASSERT_EQ(summary.apps.created, 1u);
    const std::string secret = *import::decode_hex(kHexKey);
    const auto code = [&](std::int64_t step) { return otp::totp_code(secret, step, parameters); };
    const auto attempt = [&](std::int64_t step) {
        auto outcome = d.login_flow.password_step("jan", kPassword, kClient);
        EXPECT_TRUE(outcome.challenge);
        try {
            d.login_flow.code_step(outcome.challenge->ticket, code(step), kClient);
            return true;
        } catch (const Error&) {
            return false;
        }
    };
    EXPECT_FALSE(attempt(now_step));      // out of the window around now + 3
    EXPECT_FALSE(attempt(now_step + 3));  // used in Django: a replay
    EXPECT_TRUE(attempt(now_step + 4));
    d.clock.advance(30);
    EXPECT_TRUE(attempt(now_step + 5));
}

TEST_F(DjangoImportTest, OfSeveralAppsTheOneUsedLastIsKept) {
    SourceData data;
    data.users = {user("1", "kim", "kim@example.com", hash())};
    data.devices = {device("1", "1", "0", "5"), device("2", "1", "0", "9"), device("3", "1")};
    data.devices[2].confirmed = "f";
    const auto summary = run(data);
    EXPECT_EQ(summary.apps.created, 1u);
    EXPECT_EQ(summary.apps.skipped, 2u);
    std::vector<store::TotpDevice> devices;
    d.store->read([&](store::Transaction& tx) {
        devices = tx.second_factors().totp_devices(find("kim")->id);
    });
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].last_used_step, 9);
}

TEST_F(DjangoImportTest, StoredServiceAccountsGetTokensAndAreRehashed) {
    SourceData data;
    SourceServiceAccount chat;
    chat.key = "1";
    chat.name = "chat";
    // Weaker parameters than configured: upgraded on first use.
    chat.password = crypto::Argon2idHasher({16, 1}).hash("chat-secret-123456", {});
    data.services = {chat};
    EXPECT_EQ(run(data).services.created, 1u);
    EXPECT_THROW(d.services.issue_token("chat", "wrong-secret-123456", kClient), Error);
    const std::string token = d.services.issue_token("chat", "chat-secret-123456", kClient);
    EXPECT_EQ(d.services.authenticate(token).service_name, "chat");
    EXPECT_TRUE(d.services.is_configured("chat"));
    std::optional<store::ServiceAccount> stored;
    d.store->read([&](store::Transaction& tx) { stored = tx.service_accounts().find("chat"); });
    ASSERT_TRUE(stored);
    EXPECT_NE(stored->password_hash, *chat.password);
    EXPECT_FALSE(d.hasher.needs_rehash(stored->password_hash));
    EXPECT_NO_THROW(d.services.issue_token("chat", "chat-secret-123456", kClient));
    // The stored hash is the configuration's only for names it does not have.
    chat.key = "2";
    chat.name = "users";
    data.services = {chat};
    run(data);
    EXPECT_THROW(d.services.issue_token("users", "chat-secret-123456", kClient), Error);
    EXPECT_NO_THROW(d.services.issue_token("users", "users-secret-123456", kClient));
}

}  // namespace authd
}  // namespace authd
