#pragma once
#include <string_view>
#include <vector>

namespace authd::store {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// The files of src/store/migrations, in version order (generated at build time).
const std::vector<Migration>& embedded_migrations();

}  // namespace authd::store
