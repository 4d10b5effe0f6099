#include "import/django_import.h"

#include <boost/json.hpp>

#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "auth/password_change.h"
#include "auth/user_rules.h"
#include "crypto/django_hashes.h"
#include "i18n/catalog.h"
#include "otp/sealed_box.h"
#include "util/errors.h"
#include "util/text.h"

namespace authd::import {
namespace {

const std::string kUserSource = "django:user";
const std::string kAppSource = "django:totp_device";
const std::string kServiceSource = "django:service";
constexpr std::size_t kIdentifierBytes = 16;  // as authd's own users and apps
constexpr std::string_view kPrefix = "authd import-django: ";

// A dry run ends by throwing this out of the transaction, which rolls it back.
struct RollBack {};

// A value of the source as a message shows it: quoted, control characters escaped, cut short.
std::string shown(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < 80; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > 80) out += "...";
    return out + "\"";
}

// A keyed hash of the values as imported (length-prefixed, so no two lists collide).
std::string fingerprint(const auth::Secrets& secrets, std::string_view kind,
                        std::initializer_list<std::string> fields) {
    std::string canonical;
    for (const std::string& field : fields)
        canonical += std::to_string(field.size()) + ":" + field;
    return secrets.derive("import:" + std::string(kind), canonical);
}

std::string optional_number(const std::optional<std::int64_t>& value) {
    return value ? std::to_string(*value) : "null";
}

// Whether authd's login checks the hash (its own Argon2id, or a Django format it verifies):
// others are imported as they are, and their users get in through a password reset.
bool verifiable_hash(std::string_view hash) {
    return hash.starts_with("$argon2id$") || crypto::django::is_checkable(hash);
}

// ["name"], a natural key as `dumpdata --natural-foreign` writes a user: the name.
std::optional<std::string> natural_key_name(std::string_view text) {
    if (!text.starts_with("[")) return std::nullopt;
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(text, error);
    if (error || !value.is_array() || value.get_array().size() != 1 ||
        !value.get_array()[0].is_string())
        return std::nullopt;
    return std::string(value.get_array()[0].get_string());
}

struct UserValues {
    std::string username;
    std::string email;
    std::string password;
    std::int64_t date_joined = 0;
    std::optional<std::int64_t> last_login;
    bool is_active = true;
    bool two_fa = false;
    std::string lang;
};

struct AppValues {
    const SourceTotpDevice* source = nullptr;
    std::string label;
    std::string user_key;
    std::string secret;  // the key's bytes
    std::int64_t step = 30;
    std::int64_t t0 = 0;
    std::int64_t drift = 0;
    int digits = 6;
    std::optional<std::int64_t> last_t;  // django-otp's -1: never used
    bool confirmed = false;
};

}  // namespace

bool ImportSummary::nothing_to_do() const {
    return users.created + users.updated + apps.created + apps.updated + services.created +
               services.updated ==
           0;
}

struct DjangoImporter::Run {
    DjangoImporter& self;
    store::Transaction& tx;
    const SourceData& data;
    otp::SealedBox box;
    std::int64_t now;
    ImportSummary summary;
    // Of the users taken: lower-case username and e-mail → who has it.
    std::map<std::string, std::string> username_owner;
    std::map<std::string, std::string> email_owner;
    std::map<std::string, std::string> target_of_user;  // source key → authd user id

    void say(const std::string& line) { self.messages_ << kPrefix << line << '\n'; }

    void skip(std::size_t& skipped, const std::string& label, const std::string& reason) {
        ++skipped;
        say("skipped " + label + ": " + reason);
    }

    void note(const std::string& label, const std::string& text) {
        say("note: " + label + ": " + text);
    }

    [[noreturn]] static void broken(const std::string& label, const std::string& what) {
        throw ImportFailed(label + ": " + what);
    }

    static std::string user_label(const SourceUser& user) {
        return "user #" + user.key + (user.username ? " " + shown(*user.username) : "");
    }

    // ---------------------------------------------------------------------------------- users

    UserValues convert(const SourceUser& user, const std::string& label) {
        if (user.key.empty()) broken(label, "it has no primary key and no username");
        if (!user.username) broken(label, "username is NULL");
        if (!user.email) broken(label, "email is NULL");
        if (!user.password) broken(label, "password is NULL");
        UserValues v;
        v.username = *user.username;
        v.email = *user.email;
        v.password = *user.password;
        if (!user.date_joined) broken(label, "date_joined is NULL");
        const auto joined = parse_django_datetime(*user.date_joined);
        if (!joined)
            broken(label, "date_joined is not a date and time: " + shown(*user.date_joined));
        v.date_joined = *joined;
        if (user.last_login) {
            v.last_login = parse_django_datetime(*user.last_login);
            if (!v.last_login)
                broken(label, "last_login is not a date and time: " + shown(*user.last_login));
        }
        const auto active = parse_django_bool(user.is_active.value_or(""));
        if (!active) broken(label, "is_active is not a boolean");
        v.is_active = *active;
        const auto two_fa = parse_django_bool(user.two_fa_enabled.value_or(""));
        if (!two_fa) broken(label, "the two-factor flag is not a boolean");
        v.two_fa = *two_fa;
        v.lang = user.lang.value_or("");
        if (v.lang.empty()) {
            v.lang = "en";
        } else if (auth::lang_problem(v.lang)) {
            note(label, "language " + shown(v.lang) + " is not one of en, fr, es: imported as en");
            v.lang = "en";
        }
        return v;
    }

    // Why authd cannot take the user whatever its database holds, or "".
    std::string rule_problem(const UserValues& v) {
        if (const auto problem = auth::username_problem(v.username))
            return "its username breaks authd's rule (" + i18n::english(*problem) + ")";
        if (v.email.empty()) return "it has no e-mail address, which authd requires";
        if (const auto problem = auth::email_problem(v.email))
            return "its e-mail address " + shown(v.email) + " is not accepted by authd (" +
                   i18n::english(*problem) + ")";
        if (const auto owner = username_owner.find(text::ascii_lower(v.username));
            owner != username_owner.end())
            return "its username differs only in case from that of " + owner->second +
                   ", imported instead (the first by id wins)";
        if (const auto owner = email_owner.find(text::ascii_lower(v.email));
            owner != email_owner.end())
            return "its e-mail address differs only in case from that of " + owner->second +
                   ", imported instead (the first by id wins)";
        return {};
    }

    void take(const SourceUser& user, const UserValues& v, const std::string& target_id) {
        const std::string label = user_label(user);
        username_owner[text::ascii_lower(v.username)] = label;
        email_owner[text::ascii_lower(v.email)] = label;
        target_of_user[user.key] = target_id;
    }

    // Another authd account holding the username or address, or "".
    std::string conflict(const UserValues& v, const std::string& own_id) {
        if (auto other = tx.users().find_by_username(v.username); other && other->id != own_id)
            return "its username is taken in authd by another account (" + shown(other->username) +
                   ")";
        if (auto other = tx.users().find_by_email(v.email); other && other->id != own_id)
            return "its e-mail address is taken in authd by another account (" +
                   shown(other->username) + ")";
        return {};
    }

    void import_user(const SourceUser& user) {
        const std::string label = user_label(user);
        const UserValues v = convert(user, label);
        if (const std::string problem = rule_problem(v); !problem.empty())
            return skip(summary.users.skipped, label, problem);

        const std::string print =
            fingerprint(self.secrets_, "user",
                        {v.username, v.email, v.password, std::to_string(v.date_joined),
                         optional_number(v.last_login), std::to_string(v.is_active),
                         std::to_string(v.two_fa), v.lang});
        const auto record = tx.imports().find(kUserSource, user.key);
        if (record) {
            const auto existing = tx.users().find_by_id(record->target_id);
            if (!existing)
                return skip(summary.users.skipped, label,
                            "it was imported before and deleted in authd since: not brought back");
            take(user, v, existing->id);
            if (record->fingerprint == print) {
                ++summary.users.unchanged;
                return;
            }
            if (const std::string problem = conflict(v, existing->id); !problem.empty())
                return skip(summary.users.skipped, label,
                            "it changed in Django since the last import, but " + problem +
                                ": left as it was");
            store::User updated = *existing;
            if (updated.password_hash != v.password) {
                // Retires reset links and pending logins, as a password change in authd does.
                auth::store_new_password(tx, updated.id, v.password, now);
                updated.password_changed_at = now;
            }
            if (updated.is_active && !v.is_active)
                tx.sessions().revoke_all_of_user(updated.id, now, "deactivated", "");
            updated.username = v.username;
            updated.email = v.email;
            updated.password_hash = v.password;
            updated.two_fa_enable = v.two_fa;
            updated.lang = v.lang;
            updated.is_active = v.is_active;
            updated.date_joined = v.date_joined;
            updated.last_login = v.last_login;
            tx.users().update_imported(updated);
            tx.imports().save({kUserSource, user.key, updated.id, print, now});
            ++summary.users.updated;
            return;
        }
        if (const std::string problem = conflict(v, ""); !problem.empty())
            return skip(summary.users.skipped, label, problem);

        store::User created;
        created.id = self.random_.token(kIdentifierBytes);
        created.username = v.username;
        created.email = v.email;
        created.password_hash = v.password;
        created.two_fa_enable = v.two_fa;
        created.email_verified = false;  // the Django service never verified addresses
        created.lang = v.lang;
        created.is_active = v.is_active;
        created.date_joined = v.date_joined;
        created.last_login = v.last_login;
        created.password_changed_at = now;
        tx.users().insert(created);
        tx.imports().save({kUserSource, user.key, created.id, print, now});
        take(user, v, created.id);
        ++summary.users.created;
        if (!verifiable_hash(v.password))
            note(label, v.password.empty() || v.password.starts_with("!")
                            ? "it has no usable password: it can get in after a password reset"
                            : "its password hash (" +
                                  shown(v.password.substr(0, v.password.find('$'))) +
                                  ") is not one authd checks (an old format, malformed or beyond "
                                  "authd's bounds): it can get in after a password reset");
    }

    void users() {
        const std::size_t total = data.users.size();
        const std::size_t every = self.options_.progress_every;
        for (std::size_t i = 0; i < total; ++i) {
            import_user(data.users[i]);
            if (every != 0 && ((i + 1) % every == 0 || (i + 1 == total && total >= every)))
                say("users " + std::to_string(i + 1) + "/" + std::to_string(total));
        }
    }

    // ----------------------------------------------------------------------- authenticator apps

    AppValues convert(const SourceTotpDevice& device,
                      const std::map<std::string, std::string>& key_of_username,
                      const std::set<std::string>& user_keys) {
        AppValues v;
        v.source = &device;
        std::string label = "authenticator app #" + device.key;
        if (device.key.empty()) broken(label, "it has no primary key");
        if (!device.user) broken(label, "user_id is NULL");
        if (user_keys.contains(*device.user)) {
            v.user_key = *device.user;
        } else if (const auto name = natural_key_name(*device.user);
                   name && key_of_username.contains(*name)) {
            v.user_key = key_of_username.at(*name);
        } else {
            broken(label, "its user (#" + *device.user + ") is not in the source");
        }
        label += " of user #" + v.user_key;
        v.label = label;
        if (!device.hex_key || device.hex_key->empty()) broken(label, "key is empty");
        const auto secret = decode_hex(*device.hex_key);
        if (!secret) broken(label, "key is not hexadecimal");
        v.secret = *secret;
        const auto number = [&](const Value& value, const char* name) {
            const auto parsed = parse_integer(value.value_or(""));
            if (!parsed) broken(label, std::string(name) + " is not an integer");
            return *parsed;
        };
        v.step = number(device.step, "step");
        if (v.step <= 0) broken(label, "step is not positive");
        v.t0 = number(device.t0, "t0");
        v.drift = number(device.drift, "drift");
        const std::int64_t digits = number(device.digits, "digits");
        if (digits < 6 || digits > 8) broken(label, "digits is not 6, 7 or 8");
        v.digits = static_cast<int>(digits);
        const std::int64_t last_t = number(device.last_t, "last_t");
        if (last_t >= 0) v.last_t = last_t;
        const auto confirmed = parse_django_bool(device.confirmed.value_or(""));
        if (!confirmed) broken(label, "confirmed is not a boolean");
        v.confirmed = *confirmed;
        return v;
    }

    store::TotpDevice new_device(const AppValues& v, const std::string& user_id) {
        store::TotpDevice device;
        device.id = self.random_.token(kIdentifierBytes);
        device.user_id = user_id;
        // Sealed and bound to its owner, as an app enrolled in authd.
        device.secret_sealed = box.seal(v.secret, user_id, self.random_);
        device.digits = v.digits;
        device.step = v.step;
        device.t0 = v.t0;
        device.drift = v.drift;
        device.created_at = now;
        device.confirmed_at = now;
        device.last_used_step = v.last_t;
        return device;
    }

    void import_app(const AppValues& v, const std::string& user_id) {
        const std::string print = fingerprint(
            self.secrets_, "totp_device",
            {v.secret, std::to_string(v.step), std::to_string(v.t0), std::to_string(v.digits),
             std::to_string(v.drift), optional_number(v.last_t), user_id});
        const auto record = tx.imports().find(kAppSource, v.source->key);
        if (record) {
            const auto existing = tx.second_factors().totp_device(record->target_id);
            if (!existing)
                return skip(summary.apps.skipped, v.label,
                            "it was imported before and removed in authd since: not brought back");
            if (record->fingerprint == print) {
                ++summary.apps.unchanged;
                return;
            }
            store::TotpDevice replacement = new_device(v, user_id);
            // A step used on either side stays used: no code can be replayed.
            if (existing->last_used_step &&
                (!replacement.last_used_step ||
                 *existing->last_used_step > *replacement.last_used_step))
                replacement.last_used_step = existing->last_used_step;
            tx.second_factors().delete_totp_device(existing->id);
            tx.second_factors().insert_totp_device(replacement);
            tx.imports().save({kAppSource, v.source->key, replacement.id, print, now});
            ++summary.apps.updated;
            return;
        }
        for (const store::TotpDevice& device : tx.second_factors().totp_devices(user_id))
            if (device.confirmed_at)
                return skip(summary.apps.skipped, v.label,
                            "the account already has an authenticator app in authd");
        const store::TotpDevice device = new_device(v, user_id);
        tx.second_factors().insert_totp_device(device);
        tx.imports().save({kAppSource, v.source->key, device.id, print, now});
        ++summary.apps.created;
    }

    void apps() {
        std::map<std::string, std::string> key_of_username;
        std::set<std::string> user_keys;
        for (const SourceUser& user : data.users) {
            user_keys.insert(user.key);
            if (user.username) key_of_username.emplace(*user.username, user.key);
        }
        // Every app is checked before any is written (a broken one fails the import).
        std::map<std::string, std::vector<AppValues>> by_user;
        for (const SourceTotpDevice& device : data.devices) {
            AppValues v = convert(device, key_of_username, user_keys);
            by_user[v.user_key].push_back(std::move(v));
        }
        for (const SourceUser& user : data.users) {
            const auto found = by_user.find(user.key);
            if (found == by_user.end()) continue;
            const auto target = target_of_user.find(user.key);
            const AppValues* chosen = nullptr;
            for (const AppValues& v : found->second) {
                if (target == target_of_user.end()) {
                    skip(summary.apps.skipped, v.label, "its user was not imported");
                } else if (!v.confirmed) {
                    skip(summary.apps.skipped, v.label,
                         "it was never confirmed in Django (an enrolment left unfinished)");
                } else if (!chosen || v.last_t.value_or(-1) >= chosen->last_t.value_or(-1)) {
                    chosen = &v;  // the one used last; of equals, the newest
                }
            }
            if (!chosen) continue;
            for (const AppValues& v : found->second)
                if (v.confirmed && &v != chosen && target != target_of_user.end())
                    skip(summary.apps.skipped, v.label,
                         "authd keeps one authenticator app per account: app #" +
                             chosen->source->key + ", used last, was imported instead");
            import_app(*chosen, target->second);
        }
    }

    // ----------------------------------------------------------------------- service accounts

    void services() {
        std::map<std::string, std::string> owner_of_name;
        for (const SourceServiceAccount& service : data.services) {
            std::string label = "service account #" + service.key;
            if (service.key.empty()) broken(label, "it has no primary key and no serviceName");
            if (!service.name) broken(label, "serviceName is NULL");
            label += " " + shown(*service.name);
            if (!service.password) broken(label, "password is NULL");
            const std::string& name = *service.name;
            const std::string& password = *service.password;
            if (name.empty()) {
                skip(summary.services.skipped, label, "its serviceName is empty");
                continue;
            }
            if (const auto owner = owner_of_name.find(name); owner != owner_of_name.end()) {
                skip(summary.services.skipped, label,
                     "its serviceName is also that of " + owner->second + ", imported instead");
                continue;
            }
            owner_of_name.emplace(name, label);
            for (const std::string& configured : self.options_.configured_services)
                if (configured == name)
                    note(label,
                         "AUTH_SERVICES also names it: its secret there is the one that "
                         "counts");
            const std::string print = fingerprint(self.secrets_, "service", {name, password});
            const auto record = tx.imports().find(kServiceSource, service.key);
            if (record) {
                const auto existing = tx.service_accounts().find(record->target_id);
                if (!existing) {
                    skip(summary.services.skipped, label,
                         "it was imported before and removed from authd since: not brought back");
                    continue;
                }
                if (record->fingerprint == print) {
                    ++summary.services.unchanged;
                    continue;
                }
                if (existing->name != name && tx.service_accounts().find(name)) {
                    skip(summary.services.skipped, label,
                         "it was renamed in Django since the last import, to a name that another "
                         "authd service account has: left as it was");
                    continue;
                }
                if (existing->name != name) tx.service_accounts().remove(existing->name);
                tx.service_accounts().save({name, password, existing->created_at});
                tx.imports().save({kServiceSource, service.key, name, print, now});
                ++summary.services.updated;
                continue;
            }
            if (tx.service_accounts().find(name)) {
                skip(summary.services.skipped, label,
                     "a service account of that name is already stored in authd");
                continue;
            }
            tx.service_accounts().save({name, password, now});
            tx.imports().save({kServiceSource, service.key, name, print, now});
            ++summary.services.created;
            if (!verifiable_hash(password))
                note(label,
                     "its password hash is of a kind authd does not check: it cannot get "
                     "a token until it is given a secret in AUTH_SERVICES");
        }
    }
};

DjangoImporter::DjangoImporter(store::Store& store, const auth::Secrets& secrets,
                               const Clock& clock, Random& random, std::ostream& messages,
                               ImportOptions options)
    : store_(store),
      secrets_(secrets),
      clock_(clock),
      random_(random),
      messages_(messages),
      options_(std::move(options)) {}

ImportSummary DjangoImporter::run(const SourceData& data) {
    ImportSummary summary;
    try {
        store_.write([&](store::Transaction& tx) {
            Run run{*this, tx, data, otp::SealedBox(secrets_.key_for("totp")), clock_.now(), {}};
            run.users();
            run.apps();
            run.services();
            summary = run.summary;
            if (options_.dry_run) throw RollBack{};
        });
    } catch (const RollBack&) {
        // The dry run's transaction is rolled back: nothing was written.
    } catch (const ImportFailed&) {
        throw;
    } catch (const store::Duplicate& e) {
        throw ImportFailed(std::string("a record collides with an authd account (") + e.what() +
                           ")");
    } catch (const Error& e) {
        throw ImportFailed(e.detail());
    } catch (const std::exception& e) {
        throw ImportFailed(std::string("writing to authd's database failed: ") + e.what());
    }
    summary.dry_run = options_.dry_run;
    return summary;
}

std::string describe(const ImportSummary& summary) {
    const auto line = [](const char* what, const ImportCounts& counts) {
        return std::string(what) + ": " + std::to_string(counts.created) + " created, " +
               std::to_string(counts.updated) + " updated, " + std::to_string(counts.unchanged) +
               " unchanged, " + std::to_string(counts.skipped) + " skipped\n";
    };
    std::string text = line("users", summary.users) + line("authenticator apps", summary.apps) +
                       line("service accounts", summary.services);
    if (summary.nothing_to_do())
        text += "nothing to do: every record was imported before (0 created, 0 updated)\n";
    if (summary.dry_run) text += "dry run: nothing was written\n";
    return text;
}

}  // namespace authd::import
