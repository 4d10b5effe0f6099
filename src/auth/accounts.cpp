#include "auth/accounts.h"

#include "auth/passkeys.h"
#include "auth/password_change.h"
#include "auth/user_rules.h"
#include "crypto/password_hasher.h"
#include "util/address_scope.h"
#include "util/errors.h"
#include "util/text.h"

namespace authd::auth {
namespace {

constexpr std::size_t kUserIdBytes = 16;

i18n::Message duplicate_message(const std::string& field) {
    return field == "username" ? i18n::keys::username_taken : i18n::keys::email_taken;
}

// A duplicate of a change under way: the account is being changed already.
[[noreturn]] void throw_duplicate(const store::Duplicate& duplicate) {
    if (duplicate.field() == "change")
        throw Error(ErrorKind::conflict, "change_in_progress", i18n::keys::change_in_progress);
    throw ValidationError(duplicate.field(), duplicate_message(duplicate.field()));
}

// Names being registered and reserved by a rename wait for each other (see lock_key).
std::string name_lock(std::string_view username) {
    return "username:" + text::ascii_lower(username);
}

void add_policy_errors(const PasswordPolicy& policy, FieldErrors& errors, const std::string& field,
                       const std::string& password, std::string_view username,
                       std::string_view email) {
    for (i18n::Message& message : policy.check(password, username, email))
        errors.add(field, std::move(message));
}

}  // namespace

void require_owner(const Principal& caller, std::string_view path_username) {
    if (text::ascii_lower(path_username) != text::ascii_lower(caller.user.username))
        throw Error(ErrorKind::forbidden, "permission_denied", i18n::keys::permission_denied);
}

Accounts::Accounts(store::Store& store, crypto::PasswordHasher& hasher,
                   const PasswordPolicy& policy, Sessions& sessions, Notices& notices,
                   EmailVerification& verification, TwoFactor& two_factor,
                   const Reauthentication& reauthentication, Audit& audit, RateLimiter& limiter,
                   Limit registration_limit, const Clock& clock, Random& random)
    : store_(store),
      hasher_(hasher),
      policy_(policy),
      sessions_(sessions),
      notices_(notices),
      verification_(verification),
      two_factor_(two_factor),
      reauthentication_(reauthentication),
      audit_(audit),
      limiter_(limiter),
      registration_limit_(registration_limit),
      clock_(clock),
      random_(random) {}

store::User Accounts::register_user(const Registration& r, const ClientInfo& client) {
    FieldErrors errors;
    if (auto problem = username_problem(r.username)) errors.add("username", *problem);
    if (auto problem = email_problem(r.email)) errors.add("email", *problem);
    add_policy_errors(policy_, errors, "password", r.password, r.username, r.email);
    if (r.password != r.password2) errors.add("password2", i18n::keys::passwords_do_not_match);
    if (auto problem = lang_problem(r.lang)) errors.add("lang", *problem);
    errors.throw_if_any();

    // Early answers for the common case; the unique indexes decide races below.
    store_.read([&](store::Transaction& tx) {
        if (tx.users().find_by_username(r.username) ||
            tx.account_changes().username_reserved(r.username))
            errors.add("username", duplicate_message("username"));
        if (tx.users().find_by_email(r.email)) errors.add("email", duplicate_message("email"));
    });
    errors.throw_if_any();

    // Each registration costs a password hash and may mail any address: limited per address,
    // before the hash.
    std::optional<std::int64_t> retry_after;
    store_.write([&](store::Transaction& tx) {
        retry_after =
            limiter_.hit(tx, client, "register:" + address_scope(client.ip), registration_limit_);
    });
    if (retry_after) throw_rate_limited(*retry_after);

    const std::int64_t now = clock_.now();
    store::User user;
    user.id = random_.token(kUserIdBytes);
    user.username = r.username;
    user.email = r.email;
    user.password_hash = hasher_.hash(r.password, {client.ip});
    user.two_fa_enable = r.two_fa_enable;
    user.lang = r.lang;
    user.date_joined = now;
    user.password_changed_at = now;
    // With the platform's services, the account is pending (it holds its name and address but
    // cannot log in) until every one of them has it.
    const bool on_platform = platform_calls(PlatformChange::create);
    user.is_active = !on_platform;
    user.pending_creation = on_platform;
    std::optional<HeldChange> held;
    try {
        store_.write([&](store::Transaction& tx) {
            if (platform_) {
                tx.lock_key(name_lock(user.username));
                if (tx.account_changes().username_reserved(user.username))
                    throw store::Duplicate("username");
            }
            tx.users().insert(user);
            if (on_platform && platform_) {  // on_platform implies platform_: said for clang-tidy
                held = platform_->begin(tx, PlatformChange::create,
                                        {user.id, user.username, "", user.email, user.lang, ""});
                return;
            }
            audit_.record(tx, client, event::account_created, user);
            verification_.send(tx, user);
        });
    } catch (const store::Duplicate& duplicate) {
        throw_duplicate(duplicate);
    }
    if (!held) return user;
    platform_->run(*held, client);  // 409 or 503 once undone
    try {
        store_.write([&](store::Transaction& tx) {
            platform_->finish(tx, *held);
            tx.users().finish_creation(user.id);
            user.is_active = true;
            user.pending_creation = false;
            audit_.record(tx, client, event::account_created, user);
            verification_.send(tx, user);
        });
    } catch (...) {
        platform_->abandon(*held, client);
        throw;
    }
    return user;
}

HeldChange Accounts::rename_on_platform(const Principal& caller, const std::string& new_username,
                                        const ClientInfo& client) {
    HeldChange held;
    try {
        store_.write([&](store::Transaction& tx) {
            tx.lock_key(name_lock(new_username));
            const auto current = tx.users().find_by_id(caller.user.id);
            if (!current) throw_invalid_bearer();  // deleted meanwhile
            const auto other = tx.users().find_by_username(new_username);
            if (other && other->id != current->id) throw store::Duplicate("username");
            held = platform_->begin(tx, PlatformChange::rename,
                                    {current->id, current->username, new_username, current->email,
                                     current->lang, caller.session.id});
        });
    } catch (const store::Duplicate& duplicate) {
        throw_duplicate(duplicate);
    }
    platform_->run(held, client);  // 409 or 503 once renamed back
    return held;
}

store::User Accounts::get(const Principal& caller, std::string_view path_username) {
    require_owner(caller, path_username);
    return caller.user;
}

UpdateResult Accounts::update(const Principal& caller, std::string_view path_username,
                              const ProfileChanges& changes, const ClientInfo& client) {
    require_owner(caller, path_username);
    FieldErrors errors;
    if (changes.username)
        if (auto problem = username_problem(*changes.username)) errors.add("username", *problem);
    if (changes.email)
        if (auto problem = email_problem(*changes.email)) errors.add("email", *problem);
    if (changes.lang)
        if (auto problem = lang_problem(*changes.lang)) errors.add("lang", *problem);
    errors.throw_if_any();

    const store::User& before = caller.user;
    const bool turning_on =
        changes.two_fa_enable && *changes.two_fa_enable && !before.two_fa_enable;
    const bool turning_off =
        changes.two_fa_enable && !*changes.two_fa_enable && before.two_fa_enable;
    // A change of case is a change of address like any other (a mailbox may tell them apart).
    const bool changing_email = changes.email && *changes.email != before.email;
    // Turning 2FA on starts an app enrolment (a lasting second factor): as sensitive as
    // turning it off.
    if (turning_on || turning_off || changing_email)
        reauthentication_.require(caller, changes.password, client);
    else if (changes.password)
        throw ValidationError("password", i18n::keys::password_not_here);
    // The factors as they will be: a new address is not verified yet.
    store::User after = before;
    if (changing_email) after.email_verified = false;
    if (turning_on && ready_second_factors(after).empty())
        throw ValidationError("two_fa_enable", i18n::keys::verify_email_before_two_fa);
    // Hashing the recovery codes is slow: done before the transaction, used if still needed.
    std::optional<TwoFactorSetup> setup;
    if (turning_on) setup = two_factor_.prepare_setup(before, client);
    // The platform's services first: the account is renamed only once all of them are.
    std::optional<HeldChange> held;
    if (changes.username && *changes.username != before.username &&
        platform_calls(PlatformChange::rename))
        held = rename_on_platform(caller, *changes.username, client);

    UpdateResult result;
    try {
        store_.write([&](store::Transaction& tx) {
            if (held) platform_->finish(tx, *held);
            auto current = tx.users().find_by_id(caller.user.id);
            if (!current) throw_invalid_bearer();  // deleted meanwhile
            store::User user = *current;
            const std::string old_email = user.email;
            const bool renamed = changes.username && *changes.username != user.username;
            const bool email_changed = changes.email && *changes.email != user.email;
            const bool enabled =
                changes.two_fa_enable && *changes.two_fa_enable && !user.two_fa_enable && setup;
            const bool disabled =
                changes.two_fa_enable && !*changes.two_fa_enable && user.two_fa_enable;
            if (changes.username) user.username = *changes.username;
            if (changes.email) user.email = *changes.email;
            if (email_changed) user.email_verified = false;
            if (changes.lang) user.lang = *changes.lang;
            if (changes.two_fa_enable) user.two_fa_enable = *changes.two_fa_enable;
            tx.users().update_profile(user);
            if (renamed) {
                result.tokens = sessions_.reissue(tx, user, caller.session);
                audit_.record(tx, client, event::username_changed, user, caller.session.id,
                              current->username);
            }
            if (email_changed) {
                tx.one_time_tokens().delete_of_user(user.id,
                                                    store::TokenPurpose::email_verification);
                notices_.email_changed(tx, user, old_email);
                audit_.record(tx, client, event::email_changed, user, caller.session.id);
                verification_.send(tx, user);
            }
            if (enabled) {
                two_factor_.store_setup(tx, user, *setup, client);
                result.app = setup->app;
                result.recovery_codes = setup->recovery_codes;
            }
            if (disabled) {
                notices_.two_factor_disabled(tx, user);
                audit_.record(tx, client, event::two_factor_disabled, user, caller.session.id);
            }
            result.user = user;
        });
    } catch (const store::Duplicate& duplicate) {
        if (held) platform_->abandon(*held, client);
        throw_duplicate(duplicate);
    } catch (...) {
        if (held) platform_->abandon(*held, client);
        throw;
    }
    return result;
}

void Accounts::change_password(const Principal& caller, std::string_view path_username,
                               const PasswordChange& change, const ClientInfo& client) {
    require_owner(caller, path_username);
    FieldErrors errors;
    add_policy_errors(policy_, errors, "new_password", change.new_password, caller.user.username,
                      caller.user.email);
    if (change.new_password != change.new_password2)
        errors.add("new_password2", i18n::keys::passwords_do_not_match);
    // The current password is checked even when the new one is refused, so the answer does not
    // depend on which problem was found first.
    if (!reauthentication_.is_current_password(caller, change.current, client)) {
        FieldErrors wrong;
        wrong.add("password", i18n::keys::old_password_incorrect);
        wrong.throw_if_any();
    }
    errors.throw_if_any();

    const std::string new_hash = hasher_.hash(change.new_password, {client.ip});
    store_.write([&](store::Transaction& tx) {
        const std::int64_t now = clock_.now();
        store_new_password(tx, caller.user.id, new_hash, now);
        tx.sessions().revoke_all_of_user(caller.user.id, now, "password_changed",
                                         caller.session.id);
        notices_.password_changed(tx, caller.user);
        audit_.record(tx, client, event::password_changed, caller.user, caller.session.id);
    });
}

void Accounts::remove_password(const Principal& caller, std::string_view path_username,
                               const std::optional<std::string>& current,
                               const ClientInfo& client) {
    require_owner(caller, path_username);
    if (!caller.user.passkey_ready)
        throw Error(ErrorKind::bad_request, "no_passkey",
                    i18n::keys::password_removal_needs_passkey);
    reauthentication_.require_passkey_login(caller);
    if (current && !reauthentication_.is_current_password(caller, *current, client))
        throw ValidationError("password", i18n::keys::old_password_incorrect);
    store_.write([&](store::Transaction& tx) {
        // Read again under the lock: a passkey removed meanwhile leaves none.
        lock_passkeys(tx, caller.user.id);
        if (tx.passkeys().of_user(caller.user.id).empty())
            throw Error(ErrorKind::bad_request, "no_passkey",
                        i18n::keys::password_removal_needs_passkey);
        const std::int64_t now = clock_.now();
        store_new_password(tx, caller.user.id, "", now);
        tx.sessions().revoke_all_of_user(caller.user.id, now, "password_removed",
                                         caller.session.id);
        notices_.password_removed(tx, caller.user);
        audit_.record(tx, client, event::password_removed, caller.user, caller.session.id);
    });
}

void Accounts::remove(const Principal& caller, std::string_view path_username,
                      const std::optional<std::string>& password, const ClientInfo& client) {
    require_owner(caller, path_username);
    reauthentication_.require(caller, password, client);
    if (platform_calls(PlatformChange::remove)) {
        // The services delete first; the account goes once the first of them has deleted.
        HeldChange held;
        try {
            store_.write([&](store::Transaction& tx) {
                held = platform_->begin(tx, PlatformChange::remove,
                                        {caller.user.id, caller.user.username, "",
                                         caller.user.email, caller.user.lang, caller.session.id});
            });
        } catch (const store::Duplicate& duplicate) {
            throw_duplicate(duplicate);
        }
        platform_->run(held, client);
        return;
    }
    store_.write([&](store::Transaction& tx) {
        tx.users().remove(caller.user.id);
        audit_.record(tx, client, event::account_deleted, caller.user, caller.session.id);
    });
}

}  // namespace authd::auth
