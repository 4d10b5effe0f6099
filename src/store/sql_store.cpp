// What the repositories share: the transaction that holds them, and the store that opens it.
// Each kind of record has its own sql_<kind>.cpp.
#include <utility>

#include "store/sql.h"
#include "store/sql_records.h"
#include "store/store.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::store {
namespace {

constexpr std::string_view kLockKeyPostgres =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 1))";
constexpr std::string_view kPing = "SELECT 1";

class SqlStore final : public Store {
  public:
    explicit SqlStore(std::shared_ptr<Database> database) : database_(std::move(database)) {}

    void read(const std::function<void(Transaction&)>& work) override { run(false, work); }
    void write(const std::function<void(Transaction&)>& work) override { run(true, work); }

    bool ping() override {
        try {
            auto lease = database_->acquire();
            lease->execute(kPing);
            return true;
        } catch (const std::exception& e) {
            log::warn(std::string("database ping failed: ") + e.what());
            return false;
        }
    }

  private:
    void run(bool write, const std::function<void(Transaction&)>& work) {
        try {
            database_->transaction(write, [&](Connection& connection) {
                Transaction transaction(connection);
                work(transaction);
            });
        } catch (const Unavailable& e) {
            log::warn(std::string("database unavailable: ") + e.what());
            throw Error(ErrorKind::unavailable, "service_unavailable",
                        i18n::keys::database_unavailable_retry, 5);
        }
    }

    std::shared_ptr<Database> database_;
};

}  // namespace

// Index names from the migrations → the field a client sees.
void throw_duplicate(const UniqueViolation& violation) {
    const std::string& name = violation.constraint();
    // SQLite names a plain column's index by its column.
    if (name.find("one_per_user") != std::string::npos || name == "account_changes.user_id")
        throw Duplicate("change");
    if (name.find("username") != std::string::npos) throw Duplicate("username");
    if (name.find("email") != std::string::npos) throw Duplicate("email");
    throw violation;
}

Transaction::Transaction(Connection& connection)
    : db_(connection),
      users_(connection),
      sessions_(connection),
      login_tickets_(connection),
      second_factors_(connection),
      one_time_tokens_(connection),
      outbox_(connection),
      limits_(connection),
      audit_(connection),
      imports_(connection),
      service_accounts_(connection),
      account_changes_(connection),
      events_(connection),
      passkeys_(connection) {}

void Transaction::lock_key(const std::string& key) {
    if (db_.dialect() != Dialect::postgres) return;  // SQLite: BEGIN IMMEDIATE, one writer
    db_.execute(kLockKeyPostgres, {key});
}

std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> database) {
    return std::make_unique<SqlStore>(std::move(database));
}

}  // namespace authd::store
