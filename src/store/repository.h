#pragma once
// What every repository of the store shares: the connection of the transaction it belongs to,
// and the error a uniqueness rule raises.
#include <stdexcept>
#include <string>
#include <utility>

namespace authd::store {

class Connection;

// A row that would break a uniqueness rule: `field` is "username", "email" or "change" (another
// change of the account is under way).
class Duplicate : public std::runtime_error {
  public:
    explicit Duplicate(std::string field)
        : std::runtime_error("duplicate " + field), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

  private:
    std::string field_;
};

// One kind of record, reached through the Transaction that owns it and valid as long as it.
class Repository {
  public:
    explicit Repository(Connection& db) : db_(db) {}
    Repository(const Repository&) = delete;
    Repository& operator=(const Repository&) = delete;

  protected:
    ~Repository() = default;
    Connection& db_;
};

}  // namespace authd::store
