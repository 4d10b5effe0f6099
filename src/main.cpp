// authd: the commands. Configuration → start-up checks → app::build() → serve.
#include <sodium.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app/build.h"
#include "app/config.h"
#include "config/config.h"
#include "i18n/catalog.h"
#include "import/import_command.h"
#include "platform/settings.h"
#include "store/settings.h"
#include "util/log.h"
#include "util/private_file.h"

namespace {

using namespace authd;

constexpr int kExitConfig = 2;
constexpr int kExitStartup = 1;

void log_configuration(const app::Config& config) {
    for (const auto& [name, value] : app::describe(config))
        log::info("config " + name + "=" + value);
}

int serve(const app::Config& config) {
    // The hooks file, read and checked before anything starts: a bad one stops authd (status 2).
    platform::HooksFile hooks = platform::load_hooks(config.hooks, config::process_environment());
    log_configuration(config);
    // The message catalogues are compiled in; parsed now, a broken one stops the start.
    for (const i18n::Language language : i18n::all_languages)
        i18n::catalogue(language);
    // The keys (and, by default, the SQLite database) live here: the owner's alone.
    make_private_directory(config.data_dir, "data directory", true);
    app::build(config, std::move(hooks))->serve();
    return 0;
}

int migrate_only(const app::Config& config) {
    store::open_and_migrate(config.database);
    return 0;
}

void usage() {
    std::fprintf(
        stderr,
        "usage: authd [serve|migrate|import-django ...]\n"
        "  serve          run the service (the default)\n"
        "  migrate        apply database migrations and exit\n"
        "  import-django  import the Django service's accounts (--help for more)\n"
        "Configuration comes from AUTH_* environment variables (see docs/CONFIGURATION.md).\n");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "serve";
    if (command == "-h" || command == "--help" || command == "help") {
        usage();
        return 0;
    }
    const bool import_django = command == "import-django";
    if (!import_django && (argc > 2 || (command != "serve" && command != "migrate"))) {
        usage();
        return kExitConfig;
    }
    if (sodium_init() < 0) {
        std::fprintf(stderr, "authd: libsodium could not be initialised\n");
        return kExitStartup;
    }
    app::Config config;
    try {
        config = app::load_from_environment();
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "authd: %s\n", e.what());
        return kExitConfig;
    }
    log::Level level = log::Level::info;
    log::parse_level(config.log_level, level);
    log::set_level(level);
    try {
        if (import_django)
            return import::import_django_command(std::vector<std::string>(argv + 2, argv + argc),
                                                 config);
        return command == "migrate" ? migrate_only(config) : serve(config);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "authd: %s\n", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        log::error(std::string("cannot start: ") + e.what());
        return kExitStartup;
    }
}
