#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app/config.h"
#include "config/config.h"

namespace authd::app {
namespace {

using config::ConfigError;
using config::mask_url_password;
using config::parse_duration;

Config load_with(std::map<std::string, std::string> values) {
    return load([&](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    });
}

std::string error_of(std::map<std::string, std::string> values) {
    try {
        load_with(std::move(values));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(Config, DefaultsServeOnLocalhostWithSqliteUnderData) {
    const Config config = load_with({});
    EXPECT_EQ(config.server.host, "127.0.0.1");
    EXPECT_EQ(config.server.port, 8000);
    EXPECT_EQ(config.database.url, "sqlite://./data/auth.db");
    EXPECT_EQ(config.mail.url, "console:");
    EXPECT_EQ(config.keys.jwt_algorithm, crypto::JwtAlgorithm::EdDSA);
    EXPECT_EQ(config.keys.jwt_key_file, "./data/jwt-eddsa.pem");
    EXPECT_TRUE(config.keys.create_jwt_key);
    EXPECT_EQ(config.tokens.access_lifetime, 900);
    EXPECT_EQ(config.tokens.refresh_lifetime, 86400);
    EXPECT_EQ(config.tokens.refresh_grace_period, 10);
    EXPECT_EQ(config.links.public_url, "http://127.0.0.1:8000");
    EXPECT_GE(config.server.io_threads, 1u);
}

TEST(Config, ReadsEveryKindOfValue) {
    const Config config = load_with({{"AUTH_LISTEN", "0.0.0.0:9000"},
                                     {"AUTH_DATA_DIR", "/var/lib/authd"},
                                     {"AUTH_SERVICES", "users:aaaaaaaaaaaa, game:bbbbbbbbbbbb"},
                                     {"AUTH_ACCESS_TOKEN_LIFETIME", "5m"},
                                     {"AUTH_JWT_ALGORITHM", "RS512"},
                                     {"AUTH_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16"},
                                     {"AUTH_PUBLIC_URL", "https://auth.example.com/"}});
    EXPECT_EQ(config.server.host, "0.0.0.0");
    EXPECT_EQ(config.server.port, 9000);
    EXPECT_EQ(config.database.url, "sqlite:///var/lib/authd/auth.db");
    ASSERT_EQ(config.services.size(), 2u);
    EXPECT_EQ(config.services[1].name, "game");
    EXPECT_EQ(config.services[1].secret, "bbbbbbbbbbbb");
    EXPECT_EQ(config.tokens.access_lifetime, 300);
    EXPECT_EQ(config.keys.jwt_key_file, "/var/lib/authd/jwt-rs512.pem");
    EXPECT_EQ(config.server.trusted_proxies.size(), 2u);
    EXPECT_EQ(config.links.public_url, "https://auth.example.com");
}

TEST(Config, BadValuesNameTheirVariable) {
    EXPECT_NE(error_of({{"AUTH_LISTEN", "nonsense"}}).find("AUTH_LISTEN"), std::string::npos);
    EXPECT_NE(error_of({{"AUTH_LISTEN", "host:99999"}}).find("AUTH_LISTEN"), std::string::npos);
    EXPECT_NE(error_of({{"AUTH_JWT_ALGORITHM", "none"}}).find("AUTH_JWT_ALGORITHM"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_ACCESS_TOKEN_LIFETIME", "abc"}}).find("AUTH_ACCESS_TOKEN_LIFETIME"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_DATABASE_URL", "mysql://x"}}).find("AUTH_DATABASE_URL"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_SERVICES", "users"}}).find("AUTH_SERVICES"), std::string::npos);
    EXPECT_NE(error_of({{"AUTH_SERVICES", "users:short"}}).find("shorter"), std::string::npos);
    EXPECT_NE(error_of({{"AUTH_IO_THREADS", "0"}}).find("AUTH_IO_THREADS"), std::string::npos);
    EXPECT_NE(error_of({{"AUTH_PUBLIC_URL", "ftp://x"}}).find("AUTH_PUBLIC_URL"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_TRUSTED_PROXIES", "10.0.0.1,not-an-address"}})
                  .find("AUTH_TRUSTED_PROXIES"),
              std::string::npos);
}

TEST(Config, HttpHardeningDefaults) {
    const Config config = load_with({});
    EXPECT_TRUE(config.server.cors_origins.empty());  // CORS off
    EXPECT_EQ(config.server.max_requests_per_connection, 1000u);
    EXPECT_EQ(config.server.max_connections, 10000u);
    EXPECT_EQ(config.server.header_timeout, std::chrono::seconds(10));
}

TEST(Config, HashingHoldsAtMostHalfTheWorkersByDefault) {
    const Config defaults = load_with({});
    EXPECT_GE(defaults.hashing.threads, 1u);
    EXPECT_LE(defaults.hashing.threads + defaults.hashing.queue,
              defaults.server.worker_threads / 2);
    const Config wide = load_with({{"AUTH_WORKER_THREADS", "64"}, {"AUTH_HASH_THREADS", "4"}});
    EXPECT_EQ(wide.hashing.queue, 28u);
    const Config explicit_queue = load_with({{"AUTH_HASH_QUEUE", "3"}});
    EXPECT_EQ(explicit_queue.hashing.queue, 3u);
    // A pool that could hold every request thread is refused, naming the variable.
    EXPECT_NE(error_of({{"AUTH_WORKER_THREADS", "16"}, {"AUTH_HASH_QUEUE", "32"}})
                  .find("AUTH_HASH_QUEUE"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_WORKER_THREADS", "8"}, {"AUTH_HASH_THREADS", "8"}})
                  .find("AUTH_WORKER_THREADS"),
              std::string::npos);
}

TEST(Config, DatabasePoolFollowsTheWorkersUpToSixteen) {
    EXPECT_EQ(load_with({}).database.pool_size, 16u);
    EXPECT_EQ(load_with({{"AUTH_WORKER_THREADS", "64"}}).database.pool_size, 16u);
    EXPECT_EQ(load_with({{"AUTH_WORKER_THREADS", "4"}}).database.pool_size, 4u);
    EXPECT_EQ(load_with({{"AUTH_DB_POOL_SIZE", "40"}}).database.pool_size, 40u);
}

TEST(Config, CorsOriginsAreNormalized) {
    Config config = load_with(
        {{"AUTH_CORS_ORIGINS", " https://Game.Example.com:443 ,http://localhost:5173,,"}});
    EXPECT_EQ(config.server.cors_origins,
              (std::vector<std::string>{"https://game.example.com", "http://localhost:5173"}));
    config = load_with({{"AUTH_CORS_ORIGINS", "*"}});
    EXPECT_EQ(config.server.cors_origins, std::vector<std::string>{"*"});
    config = load_with({{"AUTH_CORS_ORIGINS", ""}});
    EXPECT_TRUE(config.server.cors_origins.empty());
    config = load_with({{"AUTH_CORS_ORIGINS", "https://a.example.com"},
                        {"AUTH_MAX_REQUESTS_PER_CONNECTION", "7"}});
    EXPECT_EQ(config.server.max_requests_per_connection, 7u);
    std::string all;
    for (const auto& [name, value] : describe(config))
        all += name + "=" + value + "\n";
    EXPECT_NE(all.find("AUTH_CORS_ORIGINS=https://a.example.com\n"), std::string::npos);
    EXPECT_NE(all.find("AUTH_MAX_REQUESTS_PER_CONNECTION=7\n"), std::string::npos);
}

TEST(Config, BadCorsOriginsAreOneClearLine) {
    for (std::string value :
         {"https://game.example.com/", "game.example.com", "https://a.example.com,*", "*,*",
          "ftp://a.example.com", "https://a.example.com/app", "null"}) {
        const std::string error = error_of({{"AUTH_CORS_ORIGINS", value}});
        EXPECT_EQ(error.rfind("AUTH_CORS_ORIGINS: ", 0), 0u) << value << ": " << error;
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    }
    EXPECT_NE(error_of({{"AUTH_CORS_ORIGINS", "https://ok.example.com,https://bad.example.com/"}})
                  .find("\"https://bad.example.com/\""),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_MAX_REQUESTS_PER_CONNECTION", "0"}})
                  .find("AUTH_MAX_REQUESTS_PER_CONNECTION"),
              std::string::npos);
}

TEST(Config, ConnectionsPerAddressAreCapped) {
    EXPECT_EQ(load_with({}).server.max_connections_per_address, 256u);
    const Config config = load_with({{"AUTH_MAX_CONNECTIONS_PER_IP", "12"}});
    EXPECT_EQ(config.server.max_connections_per_address, 12u);
    std::string all;
    for (const auto& [name, value] : describe(config))
        all += name + "=" + value + "\n";
    EXPECT_NE(all.find("AUTH_MAX_CONNECTIONS_PER_IP=12\n"), std::string::npos);
    for (std::string bad : {"0", "-1", "many", "2000000"}) {
        const std::string error = error_of({{"AUTH_MAX_CONNECTIONS_PER_IP", bad}});
        EXPECT_EQ(error.rfind("AUTH_MAX_CONNECTIONS_PER_IP: ", 0), 0u) << bad << ": " << error;
    }
}

TEST(Config, DurationsTakeSuffixes) {
    EXPECT_EQ(parse_duration("900"), 900);
    EXPECT_EQ(parse_duration("45s"), 45);
    EXPECT_EQ(parse_duration("15m"), 900);
    EXPECT_EQ(parse_duration("12h"), 43200);
    EXPECT_EQ(parse_duration("1d"), 86400);
    EXPECT_FALSE(parse_duration(""));
    EXPECT_FALSE(parse_duration("m"));
    EXPECT_FALSE(parse_duration("-5"));
    EXPECT_FALSE(parse_duration("5w"));
    EXPECT_FALSE(parse_duration("1.5h"));
}

TEST(Config, MetricsTokenIsOptionalCheckedAndMasked) {
    EXPECT_EQ(load_with({}).metrics.token, "");
    EXPECT_EQ(load_with({{"AUTH_METRICS_TOKEN", ""}}).metrics.token, "");
    const Config config = load_with({{"AUTH_METRICS_TOKEN", "scrape-me-please-42"}});
    EXPECT_EQ(config.metrics.token, "scrape-me-please-42");
    std::string all;
    for (const auto& [name, value] : describe(config))
        all += name + "=" + value + "\n";
    EXPECT_EQ(all.find("scrape-me-please-42"), std::string::npos);
    EXPECT_NE(all.find("AUTH_METRICS_TOKEN=***\n"), std::string::npos);
    for (std::string bad : {"short", "has a space in it", "tab\tinside-the-token"}) {
        const std::string error = error_of({{"AUTH_METRICS_TOKEN", bad}});
        EXPECT_EQ(error.rfind("AUTH_METRICS_TOKEN: ", 0), 0u) << error;
        EXPECT_EQ(error.find(bad), std::string::npos) << "the token stays out of the message";
    }
}

TEST(Config, DescriptionMasksSecrets) {
    const Config config =
        load_with({{"AUTH_SERVICES", "users:topsecretvalue1"},
                   {"AUTH_DATABASE_URL", "postgresql://authd:dbpassword@db.example:5432/auth"}});
    std::string all;
    for (const auto& [name, value] : describe(config))
        all += name + "=" + value + "\n";
    EXPECT_EQ(all.find("topsecretvalue1"), std::string::npos);
    EXPECT_EQ(all.find("dbpassword"), std::string::npos);
    EXPECT_NE(all.find("postgresql://authd:***@db.example:5432/auth"), std::string::npos);
    EXPECT_NE(all.find("users:***"), std::string::npos);
}

}  // namespace
}  // namespace authd::app

namespace authd::app {
namespace {

using config::ConfigError;
using config::mask_url_password;

TEST(Config, PasswordsInUrlsNeverLeakEvenWhenUnencoded) {
    EXPECT_EQ(mask_url_password("smtp://u:p#ss@host:587"), "smtp://u:***@host:587");
    EXPECT_EQ(mask_url_password("smtp://u:p/a?s@s@host:587"), "smtp://u:***@host:587");
    EXPECT_EQ(mask_url_password("postgresql://u:secret@db/auth?sslmode=require"),
              "postgresql://u:***@db/auth?sslmode=require");
    for (const char* url : {"smtp://u:p#ss@host:587", "smtp://u:p@ss@host:587"}) {
        try {
            load([&](const std::string& name) -> std::optional<std::string> {
                if (name == "AUTH_EMAIL_URL") return std::string(url);
                return std::nullopt;
            });
            ADD_FAILURE() << "accepted " << url;
        } catch (const ConfigError& e) {
            const std::string message = e.what();
            EXPECT_EQ(message.find("ss@"), std::string::npos) << message;
            EXPECT_NE(message.find("AUTH_EMAIL_URL"), std::string::npos) << message;
        }
    }
}

TEST(Config, EveryCredentialOfAUrlIsMasked) {
    // libpq reads these from the query too, names percent-decoded.
    EXPECT_EQ(mask_url_password("postgresql://db/auth?password=s3cret"),
              "postgresql://db/auth?password=***");
    EXPECT_EQ(mask_url_password("postgresql://u@db:5432/auth?sslmode=require&sslpassword=k3y&"
                                "passfile=/run/pgpass&application_name=authd"),
              "postgresql://u@db:5432/auth?sslmode=require&sslpassword=***&passfile=***&"
              "application_name=authd");
    EXPECT_EQ(mask_url_password("postgresql://u:a@db/x?p%61ssword=b&PASSWORD=c&password="),
              "postgresql://u:***@db/x?p%61ssword=***&PASSWORD=***&password=***");
    // A value holding '@' or '#' hides its whole self, whatever else it hides.
    const std::string odd = mask_url_password("postgresql://db:5432/x?password=a@b#c");
    EXPECT_EQ(odd.find("a@b"), std::string::npos) << odd;
    EXPECT_EQ(odd.find("b#c"), std::string::npos) << odd;
    // libpq's key=value form.
    EXPECT_EQ(mask_url_password("host=db password=s3cret user=u"), "host=db password=*** user=u");
    EXPECT_EQ(mask_url_password("host=db password = 'a b\\' c' user=u"),
              "host=db password = *** user=u");
    // Nothing to hide: unchanged.
    for (const char* url : {"postgresql://u@db/x?sslmode=require", "sqlite://data/auth.db",
                            "console:", "https://auth.example.com", "postgresql://db/x?user=pw"})
        EXPECT_EQ(mask_url_password(url), url);
}

TEST(Config, TheStartUpLinesMaskEveryUrlSetting) {
    const Config config = load([](const std::string& name) -> std::optional<std::string> {
        if (name == "AUTH_DATABASE_URL")
            return "postgresql://u:pw1@db/x?password=pw2&sslpassword=pw3&passfile=pw4";
        if (name == "AUTH_PUBLIC_URL") return "https://u:pw5@auth.example.com";
        return std::nullopt;
    });
    for (const auto& [name, value] : describe(config))
        for (const char* secret : {"pw1", "pw2", "pw3", "pw4", "pw5"})
            EXPECT_EQ(value.find(secret), std::string::npos) << name << "=" << value;
}

}  // namespace
}  // namespace authd::app

namespace authd::app {
namespace {

// A file of the source tree: the test binaries are built inside it (build/, build-asan/).
std::filesystem::path source_file(const std::filesystem::path& relative) {
    namespace fs = std::filesystem;
    for (fs::path dir : {fs::read_symlink("/proc/self/exe").parent_path(), fs::current_path()}) {
        for (;; dir = dir.parent_path()) {
            if (fs::exists(dir / relative)) return dir / relative;
            if (dir == dir.parent_path()) break;
        }
    }
    return {};
}

std::string text_of(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Settings, TheDocumentedTablesAreTheDeclarations) {
    const auto path = source_file("docs/CONFIGURATION.md");
    ASSERT_FALSE(path.empty()) << "docs/CONFIGURATION.md not found above the test binary";
    const std::string document = text_of(path);
    const std::string begin = "<!-- settings: begin -->\n";
    const std::string end = "<!-- settings: end -->";
    const auto from = document.find(begin);
    const auto to = document.find(end);
    ASSERT_NE(from, std::string::npos) << "docs/CONFIGURATION.md lacks " << begin;
    ASSERT_NE(to, std::string::npos) << "docs/CONFIGURATION.md lacks " << end;
    const std::string documented = document.substr(from + begin.size(), to - from - begin.size());
    const std::string declared = settings().markdown();
    EXPECT_EQ(documented, declared)
        << "docs/CONFIGURATION.md disagrees with the settings the modules declare; between its "
           "markers it should read:\n"
        << declared;
}

TEST(Settings, EachVariableIsDeclaredOnce) {
    std::set<std::string> names;
    for (const auto& [name, value] : describe(load_with({}))) {
        EXPECT_EQ(name.rfind("AUTH_", 0), 0u) << name;
        EXPECT_TRUE(names.insert(name).second) << name << " is declared twice";
    }
    EXPECT_EQ(names.size(), 73u);
}

TEST(Settings, EveryDocumentedDefaultIsTheDefault) {
    const auto defaults = describe(load_with({}));
    for (const auto& entry : settings().entries()) {
        if (!entry.setting || !entry.setting->default_value.literal) continue;
        const std::string name(entry.setting->name);
        const std::string written(entry.setting->default_value.text);
        EXPECT_EQ(describe(load_with({{name, written}})), defaults)
            << name << " is documented with the default " << written;
    }
}

TEST(Settings, RulesRunWhereTheyStandAndAPartReadsIntoItsMember) {
    struct Part {
        int count = 1;
        std::string seen;
    };
    struct Whole {
        int before = 0;
        Part part;
    };
    config::Settings<Part> part{
        {{"AUTH_TEST_COUNT", config::literal("1"), "a count", config::integer(&Part::count, 1, 9)}},
        [](Part& p, const config::Environment& environment) {
            p.seen = environment.given("AUTH_TEST_COUNT") ? "given" : "default";
        }};
    config::Settings<Whole> whole;
    whole.add(config::Rule<Whole>([](Whole& w, const config::Environment&) { w.before = 7; }));
    whole.add(&Whole::part, part);

    Whole loaded;
    whole.load(config::Environment([](const std::string& name) -> std::optional<std::string> {
                   if (name == "AUTH_TEST_COUNT") return "3";
                   return std::nullopt;
               }),
               loaded);
    EXPECT_EQ(loaded.before, 7);
    EXPECT_EQ(loaded.part.count, 3);
    EXPECT_EQ(loaded.part.seen, "given");
    EXPECT_EQ(whole.describe(loaded),
              (std::vector<std::pair<std::string, std::string>>{{"AUTH_TEST_COUNT", "3"}}));
    try {
        whole.load(config::Environment(
                       [](const std::string&) -> std::optional<std::string> { return "10"; }),
                   loaded);
        ADD_FAILURE() << "10 accepted";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "AUTH_TEST_COUNT: must be between 1 and 9, got 10");
    }
}

TEST(Config, PasskeysDefaultToThePublicUrlsHostAndOrigin) {
    const Config config = load_with({{"AUTH_PUBLIC_URL", "https://Auth.Example.com/"}});
    EXPECT_EQ(config.passkeys.relying_party.id, "auth.example.com");
    EXPECT_EQ(config.passkeys.relying_party.origins,
              std::vector<std::string>{"https://auth.example.com"});
    EXPECT_FALSE(config.passkeys.relying_party.require_user_verification);
    EXPECT_EQ(config.passkeys.rp_name, "authd");
    // An IP address is taken as it is (browsers refuse it; the documentation says so).
    const Config local = load_with({});
    EXPECT_EQ(local.passkeys.relying_party.id, "127.0.0.1");
    EXPECT_EQ(local.passkeys.relying_party.origins,
              std::vector<std::string>{"http://127.0.0.1:8000"});
}

TEST(Config, PasskeyOriginsMustBeOriginsOnTheRpId) {
    const Config config =
        load_with({{"AUTH_WEBAUTHN_RP_ID", "example.com"},
                   {"AUTH_WEBAUTHN_ORIGINS", "https://example.com, https://game.example.com:8443"},
                   {"AUTH_WEBAUTHN_USER_VERIFICATION", "required"}});
    EXPECT_EQ(config.passkeys.relying_party.origins,
              (std::vector<std::string>{"https://example.com", "https://game.example.com:8443"}));
    EXPECT_TRUE(config.passkeys.relying_party.require_user_verification);

    EXPECT_NE(error_of({{"AUTH_WEBAUTHN_RP_ID", "example.com"},
                        {"AUTH_WEBAUTHN_ORIGINS", "https://notexample.com"}})
                  .find("is not on the RP id example.com"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_WEBAUTHN_ORIGINS", "https://127.0.0.1/app"}})
                  .find("is not an origin; expected \"https://127.0.0.1\""),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_WEBAUTHN_RP_ID", "Example.com"}}).find("AUTH_WEBAUTHN_RP_ID"),
              std::string::npos);
    EXPECT_NE(error_of({{"AUTH_WEBAUTHN_USER_VERIFICATION", "discouraged"}})
                  .find("expected preferred or required"),
              std::string::npos);
}

}  // namespace
}  // namespace authd::app
