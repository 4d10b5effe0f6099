#pragma once
// `authd import-django`: the command line around DjangoImporter. Messages (progress, skipped
// records, errors) go to standard error, the summary to standard output.
#include <string>
#include <vector>

#include "app/config.h"

namespace authd::import {

constexpr int kExitImportFailed = 1;  // nothing was imported
constexpr int kExitImportUsage = 2;

extern const char* const kImportDjangoUsage;

// `args` are the words after "import-django". Returns the exit status.
int import_django_command(const std::vector<std::string>& args, const app::Config& config);

}  // namespace authd::import
