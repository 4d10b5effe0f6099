#pragma once
// `authd import-django`: the Django service's users, django-otp authenticator apps and
// microservice accounts into authd's store, in one transaction. Passwords keep their Django
// hash, which login verifies and upgrades to Argon2id. What happens to each kind of record
// authd cannot take is told in docs/MIGRATING.md ("What happens to each record") and, for each
// record, on the message stream.
#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/secrets.h"
#include "import/django_schema.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::import {

struct ImportOptions {
    bool dry_run = false;               // do everything, then roll back
    std::size_t progress_every = 1000;  // a progress line every this many users (0: none)
    std::vector<std::string> configured_services;  // AUTH_SERVICES names: they take precedence
};

struct ImportCounts {
    std::size_t created = 0;
    std::size_t updated = 0;    // changed in the source since a previous import
    std::size_t unchanged = 0;  // imported before, equal since
    std::size_t skipped = 0;    // each one told on the message stream, with its reason
};

struct ImportSummary {
    ImportCounts users;
    ImportCounts apps;
    ImportCounts services;
    bool dry_run = false;
    bool nothing_to_do() const;
};

// A broken record or a failed write: the transaction was rolled back, nothing was imported.
class ImportFailed : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class DjangoImporter {
  public:
    // `messages` gets one line per skipped record, per note and per progress step.
    DjangoImporter(store::Store& store, const auth::Secrets& secrets, const Clock& clock,
                   Random& random, std::ostream& messages, ImportOptions options);

    // Throws ImportFailed.
    ImportSummary run(const SourceData& data);

  private:
    struct Run;
    store::Store& store_;
    const auth::Secrets& secrets_;
    const Clock& clock_;
    Random& random_;
    std::ostream& messages_;
    ImportOptions options_;
};

// The lines printed at the end of an import.
std::string describe(const ImportSummary& summary);

}  // namespace authd::import
