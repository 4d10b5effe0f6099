#pragma once
// The platform's other services as the account rules see them (docs/HOOKS.md): a change that
// they must all make, or none. platform/account_changes.h makes the calls; this file is the
// boundary, so the account rules know nothing of HTTP or of the hooks file.
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "store/store.h"

namespace authd::auth {

class Audit;
struct ClientInfo;
class DataExport;

enum class PlatformChange { create, rename, remove, export_data };

// What a change's calls are about.
struct PlatformSubject {
    std::string user_id;
    std::string username;      // the account's name (a rename's name before)
    std::string new_username;  // a rename's name after
    std::string email;
    std::string lang;
    std::string session_id;  // the session that asked, for the audit log
};

// A change that a request began and holds.
struct HeldChange {
    std::string id;
    std::string owner;
};

class PlatformSync {
  public:
    virtual ~PlatformSync() = default;

    // Whether the hooks file has calls for this change (else the change is authd's alone).
    virtual bool has_calls(PlatformChange change) const = 0;
    // Records the change inside the caller's transaction, held by the caller; returns its id.
    // A rename reserves the new name. Throws store::Duplicate ("change": another change of the
    // account is under way; "username": the new name is being taken).
    virtual HeldChange begin(store::Transaction& tx, PlatformChange change,
                             const PlatformSubject& subject) = 0;
    // Makes the calls. A create or rename that a service refuses is undone (or left to the
    // background to undo) and answered 409 or 503 (authd::Error). A delete refused by its first
    // service changes nothing (409 or 503); once one service has deleted, the account is deleted
    // and the rest is carried through in the background. An export only wakes the background.
    // `client`: who asked, for the audit log.
    virtual void run(const HeldChange& change, const ClientInfo& client) = 0;
    // Inside the caller's transaction that applies a create or rename: the change is over.
    // Throws authd::Error(unavailable) when the change was taken over meanwhile.
    virtual void finish(store::Transaction& tx, const HeldChange& change) = 0;
    // The caller could not apply the change after run(): its calls are taken back.
    virtual void abandon(const HeldChange& change, const ClientInfo& client) noexcept = 0;
};

// What the account rules do when a change ends away from the request that began it.
class PlatformEffects {
  public:
    PlatformEffects(Audit& audit, DataExport& data_export)
        : audit_(audit), data_export_(data_export) {}

    // A create undone: the pending account goes.
    void creation_undone(store::Transaction& tx, const std::string& user_id);
    // A delete that a service has carried out: the account goes now, if still there. `client`:
    // the request's, or none for the background.
    void deletion_started(store::Transaction& tx, const PlatformSubject& subject,
                          const ClientInfo& client);
    // An export's answers are gathered: its message goes out. `unavailable` names the keys of
    // the services that never answered.
    void export_gathered(store::Transaction& tx, const std::string& user_id,
                         const boost::json::object& answers,
                         const std::vector<std::string>& unavailable);

  private:
    Audit& audit_;
    DataExport& data_export_;
};

}  // namespace authd::auth
