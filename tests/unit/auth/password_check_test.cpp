#include <gtest/gtest.h>

#include "test_support.h"
#include "util/errors.h"

namespace authd {
namespace {

using testing::Domain;
using testing::error_kind;

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kAddress = "198.51.100.7";

struct PasswordCheckTest : ::testing::Test {
    Domain d;

    std::optional<store::User> account(const std::string& username) {
        std::optional<store::User> user;
        d.store->read(
            [&](store::Transaction& tx) { user = tx.users().find_by_username(username); });
        return user;
    }
    bool check(std::optional<store::User> user, const std::string& typed,
               const std::string& password) {
        return d.password_check.matches(user, typed, password, kAddress,
                                        crypto::HashPurpose::login);
    }
    // Hashes computed by one check.
    template <class F>
    int hashes(F&& f) {
        const int before = d.hasher.calls;
        f();
        return d.hasher.calls - before;
    }
};

TEST_F(PasswordCheckTest, EveryFailureCostsTheSameOneHashAsAMatch) {
    d.register_user("ada");
    d.register_user("bo");
    d.register_user("cy");
    std::optional<store::User> inactive = account("bo");
    inactive->is_active = false;
    d.store->write([&](store::Transaction& tx) {
        tx.users().replace_password_hash(account("cy")->id, "!");  // Django's disabled password
    });
    bool matched = true;
    EXPECT_EQ(hashes([&] { matched = check(account("ada"), "ada", kPassword); }), 1);
    EXPECT_TRUE(matched);
    EXPECT_EQ(hashes([&] { matched = check(account("ada"), "ada", "wrong password!!"); }), 1);
    EXPECT_FALSE(matched);
    EXPECT_EQ(hashes([&] { matched = check(std::nullopt, "nobody", kPassword); }), 1);
    EXPECT_FALSE(matched);
    EXPECT_EQ(hashes([&] { matched = check(inactive, "bo", kPassword); }), 1);
    EXPECT_FALSE(matched);
    EXPECT_EQ(hashes([&] { matched = check(account("cy"), "cy", kPassword); }), 1);
    EXPECT_FALSE(matched);
}

TEST_F(PasswordCheckTest, WrongPasswordsCountTowardTheLimitsAndMatchesDoNot) {
    d.register_user("dot");
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(check(account("dot"), "dot", kPassword));
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(check(account("dot"), "dot", "wrong password!!"));
    // The pair waits now: refused before the password is looked at.
    const int before = d.hasher.calls;
    EXPECT_EQ(error_kind([&] { check(account("dot"), "dot", kPassword); }),
              ErrorKind::rate_limited);
    EXPECT_EQ(d.hasher.calls, before);
}

TEST_F(PasswordCheckTest, ACheckTheHashPoolTurnedAwayIsNotCounted) {
    d.register_user("eli");
    d.hasher.busy = true;
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(error_kind([&] { check(account("eli"), "eli", kPassword); }),
                  ErrorKind::unavailable);
    d.hasher.busy = false;
    EXPECT_TRUE(check(account("eli"), "eli", kPassword));
}

TEST_F(PasswordCheckTest, AMatchReplacesAHashWithWeakerParameters) {
    const store::User user = d.register_user("flo");
    const std::string weaker = crypto::Argon2idHasher({8, 2}).hash(kPassword, {});
    d.store->write(
        [&](store::Transaction& tx) { tx.users().replace_password_hash(user.id, weaker); });
    std::optional<store::User> found = account("flo");
    EXPECT_TRUE(
        d.password_check.matches(found, "flo", kPassword, kAddress, crypto::HashPurpose::login));
    const std::string stored = account("flo")->password_hash;
    EXPECT_NE(stored, weaker);
    EXPECT_EQ(found->password_hash, stored);
    EXPECT_FALSE(d.hasher.needs_rehash(stored));
    // A wrong password changes nothing.
    d.store->write(
        [&](store::Transaction& tx) { tx.users().replace_password_hash(user.id, weaker); });
    found = account("flo");
    EXPECT_FALSE(d.password_check.matches(found, "flo", "wrong password!!", kAddress,
                                          crypto::HashPurpose::login));
    EXPECT_EQ(account("flo")->password_hash, weaker);
}

}  // namespace
}  // namespace authd
