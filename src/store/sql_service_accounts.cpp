// The service_accounts table.
#include <string>

#include "store/service_accounts.h"
#include "store/sql.h"
#include "store/sql_records.h"

namespace authd::store {
namespace {

constexpr std::string_view kSelectServiceAccount =
    "SELECT name, password_hash, created_at FROM service_accounts WHERE name = $1";
constexpr std::string_view kSaveServiceAccount =
    "INSERT INTO service_accounts (name, password_hash, created_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash";
constexpr std::string_view kDeleteServiceAccount = "DELETE FROM service_accounts WHERE name = $1";
constexpr std::string_view kReplaceServiceAccountHash =
    "UPDATE service_accounts SET password_hash = $3 WHERE name = $1 AND password_hash = $2";

class ServiceAccountReader {
  public:
    explicit ServiceAccountReader(const Result& result)
        : ServiceAccountReader(ColumnFinder(result)) {}

    ServiceAccount operator()(const Row& row) const {
        return ServiceAccount{row.text(name_), row.text(password_hash_), row.integer(created_at_)};
    }

  private:
    explicit ServiceAccountReader(ColumnFinder find)
        : name_(find("name")),
          password_hash_(find("password_hash")),
          created_at_(find("created_at")) {}

    Column name_, password_hash_, created_at_;
};

}  // namespace

std::optional<ServiceAccount> ServiceAccounts::find(std::string_view name) {
    return read_first<ServiceAccountReader>(
        db_.execute(kSelectServiceAccount, {std::string(name)}));
}

void ServiceAccounts::save(const ServiceAccount& a) {
    db_.execute(kSaveServiceAccount, {a.name, a.password_hash, a.created_at});
}

void ServiceAccounts::remove(const std::string& name) {
    db_.execute(kDeleteServiceAccount, {name});
}

bool ServiceAccounts::replace_hash(const std::string& name, const std::string& expected_hash,
                                   const std::string& new_hash) {
    return db_.execute(kReplaceServiceAccountHash, {name, expected_hash, new_hash}).affected == 1;
}

}  // namespace authd::store
