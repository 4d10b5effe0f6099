#pragma once
// The store as the domain sees it: one repository per kind of record, reached through the
// transaction that Store::read / Store::write opened (`tx.users().find_by_id(id)`). One SQL
// implementation (sql_<kind>.cpp) serves SQLite and PostgreSQL through store/sql.h.
#include <functional>
#include <memory>
#include <string>

#include "store/account_changes.h"
#include "store/audit.h"
#include "store/event_deliveries.h"
#include "store/imports.h"
#include "store/limits.h"
#include "store/login_tickets.h"
#include "store/one_time_tokens.h"
#include "store/outbox.h"
#include "store/passkeys.h"
#include "store/repository.h"
#include "store/second_factors.h"
#include "store/service_accounts.h"
#include "store/sessions.h"
#include "store/users.h"

namespace authd::store {

class Database;

// One transaction: its repositories all work on its connection. Built by the Store for the
// span of one read or write; reaching a repository costs nothing more than a reference.
class Transaction {
  public:
    explicit Transaction(Connection& connection);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Users& users() { return users_; }
    Sessions& sessions() { return sessions_; }
    LoginTickets& login_tickets() { return login_tickets_; }
    SecondFactors& second_factors() { return second_factors_; }
    OneTimeTokens& one_time_tokens() { return one_time_tokens_; }
    Outbox& outbox() { return outbox_; }
    Limits& limits() { return limits_; }
    Audit& audit() { return audit_; }
    Imports& imports() { return imports_; }
    ServiceAccounts& service_accounts() { return service_accounts_; }
    AccountChanges& account_changes() { return account_changes_; }
    EventDeliveries& events() { return events_; }
    Passkeys& passkeys() { return passkeys_; }

    // Makes write transactions that name the same key wait for each other until they end (a
    // name being registered and reserved at once); SQLite has one writer already.
    void lock_key(const std::string& key);

  private:
    Connection& db_;
    Users users_;
    Sessions sessions_;
    LoginTickets login_tickets_;
    SecondFactors second_factors_;
    OneTimeTokens one_time_tokens_;
    Outbox outbox_;
    Limits limits_;
    Audit audit_;
    Imports imports_;
    ServiceAccounts service_accounts_;
    AccountChanges account_changes_;
    EventDeliveries events_;
    Passkeys passkeys_;
};

class Store {
  public:
    virtual ~Store() = default;
    // Run `work` in one transaction, committed when it returns, rolled back when it throws.
    // A database that cannot be reached is reported as authd::Error(unavailable).
    virtual void read(const std::function<void(Transaction&)>& work) = 0;
    virtual void write(const std::function<void(Transaction&)>& work) = 0;
    // Whether the database answers a trivial query now.
    virtual bool ping() = 0;
};

std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> database);

}  // namespace authd::store
