#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/secrets.h"
#include "util/random.h"

namespace authd {
namespace {

namespace fs = std::filesystem;

struct SecretsFileTest : ::testing::Test {
    fs::path dir;
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        dir =
            fs::temp_directory_path() /
            ("authd-secrets-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + SystemRandom().token(6));
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
};

TEST_F(SecretsFileTest, CreatedOnceThenReadBack) {
    SystemRandom random;
    const std::string path = (dir / "keys" / "secret.key").string();
    const auto created = auth::Secrets::load_or_create(path, random);
    const auto read = auth::Secrets::load_or_create(path, random);
    EXPECT_EQ(created.derive("refresh", "x"), read.derive("refresh", "x"));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(SecretsFileTest, AFileThatIsNotAKeyStopsTheStart) {
    SystemRandom random;
    const std::string path = (dir / "secret.key").string();
    std::ofstream(path) << "not-a-key\n";
    EXPECT_THROW(auth::Secrets::load_or_create(path, random), std::runtime_error);
    std::ifstream in(path);
    std::string kept;
    std::getline(in, kept);
    EXPECT_EQ(kept, "not-a-key");  // never replaced by a new key
}

// Instances starting together on a shared volume: every one must end up with the same key, and
// none may fail (each created its own key and renamed it over the others' before).
TEST_F(SecretsFileTest, CreatorsRacingAgreeOnOneKey) {
    constexpr int kRounds = 40;
    constexpr int kCreators = 8;
    for (int round = 0; round < kRounds; ++round) {
        const std::string path = (dir / ("secret-" + std::to_string(round) + ".key")).string();
        std::vector<std::optional<std::string>> derived(kCreators);
        std::vector<std::string> errors(kCreators);
        std::vector<std::thread> creators;
        for (int i = 0; i < kCreators; ++i) {
            creators.emplace_back([&, i] {
                SystemRandom random;
                try {
                    derived[i] = auth::Secrets::load_or_create(path, random).derive("refresh", "x");
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
        for (auto& creator : creators)
            creator.join();
        SystemRandom random;
        const std::string on_disk =
            auth::Secrets::load_or_create(path, random).derive("refresh", "x");
        for (int i = 0; i < kCreators; ++i) {
            ASSERT_TRUE(derived[i].has_value()) << "round " << round << ": " << errors[i];
            ASSERT_EQ(*derived[i], on_disk) << "round " << round << ", creator " << i;
        }
    }
    for (const auto& entry : fs::directory_iterator(dir))
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
            << "left behind: " << entry.path();
}

}  // namespace
}  // namespace authd
