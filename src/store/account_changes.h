#pragma once
// Account changes that call the platform's other services, under way (the account_changes
// table; docs/HOOKS.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct AccountChange {
    std::string id;
    std::string kind;  // "create", "rename", "delete", "export"
    std::string user_id;
    std::string subject;  // JSON: the names, address and language the calls use
    std::optional<std::string> reserved_username;
    std::string direction = "forward";  // or "undo"
    int step = 0;                       // forward: calls done; undo: calls left to undo
    bool uncertain = false;             // undo: the last call to undo may never have happened
    std::string results = "{}";         // export: the answers gathered so far (JSON object)
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
    std::string owner;  // the claim's holder
    std::optional<std::int64_t> locked_until;
    std::optional<std::string> last_error;
};

class AccountChanges : public Repository {
  public:
    using Repository::Repository;

    // Inserting a change for an account that has one already, or reserving a name that is
    // reserved, throws Duplicate.
    void insert(const AccountChange& change);
    std::optional<AccountChange> find(const std::string& id);
    // Ids of the changes due at `now` that no one holds, oldest first.
    std::vector<std::string> due(std::int64_t now, int limit);
    // Takes the change for `owner` until `lock_until` if no one holds it at `now`; returns
    // whether it did.
    bool claim(const std::string& id, const std::string& owner, std::int64_t now,
               std::int64_t lock_until);
    // Writes direction, step, uncertain, results, next_attempt_at, attempts, locked_until and
    // last_error if `change.owner` still holds it; returns whether it did.
    bool save(const AccountChange& change);
    // Deletes the change if `owner` holds it; returns whether it did.
    bool remove(const std::string& id, const std::string& owner);
    // Whether a rename under way is taking this name (case-insensitive).
    bool username_reserved(std::string_view username);
    std::int64_t count();
};

}  // namespace authd::store
