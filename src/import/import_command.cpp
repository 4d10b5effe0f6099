#include "import/import_command.h"

#include <filesystem>
#include <iostream>

#include "auth/secrets.h"
#include "import/django_import.h"
#include "import/django_schema.h"
#include "import/source_tables.h"
#include "store/sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/random.h"

namespace authd::import {

const char* const kImportDjangoUsage =
    "usage: authd import-django --from SOURCE [--dry-run] [--user-table NAME]\n"
    "                          [--service-table NAME] [--progress-every N]\n"
    "  SOURCE  postgresql://user:pass@host:port/db, sqlite:PATH, or a `manage.py dumpdata`\n"
    "          JSON file: the Django service's users, django-otp TOTP devices and service\n"
    "          accounts, imported into the database of AUTH_DATABASE_URL in one transaction\n"
    "  --dry-run           do the whole import, report it, then roll it back\n"
    "  --user-table NAME   the custom user model's table (found by its columns otherwise)\n"
    "  --service-table NAME  the service accounts' table (the one with serviceName otherwise)\n"
    "  --progress-every N  a progress line every N users (default 1000, 0 for none)\n";

namespace {

struct Arguments {
    std::string from;
    bool dry_run = false;
    SchemaOptions schema;
    std::size_t progress_every = 1000;
};

// nullopt after printing what is wrong.
std::optional<Arguments> parse(const std::vector<std::string>& args) {
    Arguments parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string word = args[i];
        std::optional<std::string> value;
        if (const auto equals = word.find('='); word.starts_with("--") && equals != word.npos) {
            value = word.substr(equals + 1);
            word = word.substr(0, equals);
        }
        const auto take_value = [&]() -> std::optional<std::string> {
            if (value) return value;
            if (i + 1 < args.size()) return args[++i];
            std::cerr << "authd import-django: " << word << " needs a value\n";
            return std::nullopt;
        };
        if (word == "--dry-run" && !value) {
            parsed.dry_run = true;
        } else if (word == "--from" || word == "--user-table" || word == "--service-table" ||
                   word == "--progress-every") {
            const auto given = take_value();
            if (!given) return std::nullopt;
            if (word == "--from") parsed.from = *given;
            if (word == "--user-table") parsed.schema.user_table = *given;
            if (word == "--service-table") parsed.schema.service_table = *given;
            if (word == "--progress-every") {
                const auto number = parse_integer(*given);
                if (!number || *number < 0) {
                    std::cerr << "authd import-django: --progress-every needs a number\n";
                    return std::nullopt;
                }
                parsed.progress_every = static_cast<std::size_t>(*number);
            }
        } else {
            std::cerr << "authd import-django: unknown argument " << args[i] << "\n";
            return std::nullopt;
        }
    }
    if (parsed.from.empty()) {
        std::cerr << "authd import-django: --from is required\n";
        return std::nullopt;
    }
    return parsed;
}

// The key that seals authenticator apps. A dry run never creates the key file: without one it
// seals with a throwaway key (its transaction is rolled back anyway).
auth::Secrets load_secrets(const app::Config& config, bool dry_run, Random& random) {
    if (dry_run && !std::filesystem::exists(config.keys.secret_key_file)) {
        std::string key(32, '\0');
        random.fill(reinterpret_cast<unsigned char*>(key.data()), key.size());
        return auth::Secrets(key);
    }
    return auth::Secrets::load_or_create(config.keys.secret_key_file, random);
}

}  // namespace

int import_django_command(const std::vector<std::string>& args, const app::Config& config) {
    for (const std::string& arg : args)
        if (arg == "-h" || arg == "--help") {
            std::cout << kImportDjangoUsage;
            return 0;
        }
    const auto arguments = parse(args);
    if (!arguments) {
        std::cerr << kImportDjangoUsage;
        return kExitImportUsage;
    }
    constexpr const char* prefix = "authd import-django: ";

    SourceData data;
    try {
        const auto reader = open_source(arguments->from);
        data = read_django_data(*reader, arguments->schema);
    } catch (const SourceError& e) {
        std::cerr << prefix << "error: " << e.what() << "\n" << prefix << "nothing was imported\n";
        return kExitImportFailed;
    }
    std::cerr << prefix << "read " << data.description << ": " << data.users.size()
              << " users (table " << data.user_table << "), " << data.devices.size()
              << " TOTP devices"
              << (data.device_table.empty() ? " (no "
                                              "otp_totp_totpdevice table)"
                                            : "")
              << ", " << data.services.size() << " service accounts"
              << (data.service_table.empty() ? std::string(" (no table with serviceName)")
                                             : " (table " + data.service_table + ")")
              << "\n";

    SystemClock clock;
    SystemRandom random;
    try {
        std::cerr << prefix << (arguments->dry_run ? "dry run into " : "importing into ")
                  << config::mask_url_password(config.database.url) << "\n";
        const std::shared_ptr<store::Database> database =
            store::open_database(config.database.url, 1);
        store::migrate(*database);
        const auto target = store::make_sql_store(database);
        const auth::Secrets secrets = load_secrets(config, arguments->dry_run, random);
        ImportOptions options;
        options.dry_run = arguments->dry_run;
        options.progress_every = arguments->progress_every;
        for (const auto& service : config.services)
            options.configured_services.push_back(service.name);
        DjangoImporter importer(*target, secrets, clock, random, std::cerr, options);
        const ImportSummary summary = importer.run(data);
        std::cout << describe(summary) << std::flush;
        return 0;
    } catch (const ImportFailed& e) {
        std::cerr << prefix << "error: " << e.what() << "\n";
    } catch (const Error& e) {
        std::cerr << prefix << "error: " << e.detail() << "\n";
    } catch (const std::exception& e) {
        std::cerr << prefix << "error: " << e.what() << "\n";
    }
    std::cerr << prefix << "nothing was imported\n";
    return kExitImportFailed;
}

}  // namespace authd::import
