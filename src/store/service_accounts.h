#pragma once
// Microservice accounts kept in the database (the service_accounts table, filled by imports);
// AUTH_SERVICES configures the others.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/repository.h"

namespace authd::store {

struct ServiceAccount {
    std::string name;
    std::string password_hash;  // a password hash this build verifies (PHC or Django format)
    std::int64_t created_at = 0;
};

class ServiceAccounts : public Repository {
  public:
    using Repository::Repository;

    std::optional<ServiceAccount> find(std::string_view name);
    // Inserts the account or replaces the one of that name.
    void save(const ServiceAccount& account);
    void remove(const std::string& name);
    // Replaces the hash only if it is still `expected_hash`; returns whether it did.
    bool replace_hash(const std::string& name, const std::string& expected_hash,
                      const std::string& new_hash);
};

}  // namespace authd::store
