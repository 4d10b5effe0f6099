#pragma once
// The hooks file (AUTH_HOOKS_FILE, docs/HOOKS.md): which services to call on each account
// change, and which subscribers receive events. Read and checked once at start.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "auth/platform_sync.h"

namespace authd::platform {

// The account changes that call services, by name: "create", "rename", "delete", "export".
std::string_view change_name(auth::PlatformChange change);

// One HTTP call as written in the file: url and body are templates (platform/templates.h).
struct CallTemplate {
    std::string service;
    std::string method;
    std::string url;
    std::optional<boost::json::value> body;
    std::vector<int> success;
    std::int64_t timeout_ms = 5000;
};

// A call of create or rename, with the call that takes it back.
struct HookCall {
    CallTemplate call;
    std::optional<CallTemplate> undo;
};

struct ExportCall {
    CallTemplate call;
    std::string key;  // where the answer goes in the export
};

// The event types of docs/HOOKS.md.
inline constexpr std::array<std::string_view, 9> event_types = {
    "account.created",       "account.renamed",          "account.deleted",
    "account.email_changed", "account.password_changed", "account.password_reset",
    "session.revoked",       "two_factor.enabled",       "two_factor.disabled",
};

struct Subscriber {
    std::string name;
    std::string url;
    std::string key;                  // the secret's bytes (whsec_ decoded)
    std::vector<std::string> events;  // empty: every type
    std::int64_t timeout_ms = 5000;
    bool receives(std::string_view type) const;
};

struct HooksFile {
    std::vector<HookCall> create;
    std::vector<HookCall> rename;
    std::vector<HookCall> remove;
    std::vector<ExportCall> export_calls;
    std::vector<Subscriber> subscribers;

    // The calls of a create, rename or delete (none for an export: see export_calls).
    const std::vector<HookCall>& calls(auth::PlatformChange change) const;
};

// A bad file: the message names the place (`create[1].undo.method: ...`).
class HooksFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// Parses and checks the file's text; `${NAME}` and `${NAME:-default}` in its strings are
// replaced through `getenv`. Throws HooksFileError.
HooksFile parse_hooks_file(std::string_view text, const Getenv& getenv);
// Reads the file at `path` and parses it; the error names the file.
HooksFile load_hooks_file(const std::string& path, const Getenv& getenv);

}  // namespace authd::platform
