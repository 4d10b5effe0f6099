#pragma once
// What imports (authd import-django) made of the records of another service (the
// import_records table).
#include <cstdint>
#include <optional>
#include <string>

#include "store/repository.h"

namespace authd::store {

// What an import made of one record of another service.
struct ImportRecord {
    std::string source;       // "django:user", "django:totp_device", "django:service"
    std::string source_id;    // the record's primary key there
    std::string target_id;    // users.id, totp_devices.id or service_accounts.name
    std::string fingerprint;  // a keyed hash of the record as imported
    std::int64_t imported_at = 0;
};

class Imports : public Repository {
  public:
    using Repository::Repository;

    std::optional<ImportRecord> find(const std::string& source, const std::string& source_id);
    // Inserts the record of (source, source_id) or replaces it.
    void save(const ImportRecord& record);
};

}  // namespace authd::store
