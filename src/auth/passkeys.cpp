#include "auth/passkeys.h"

#include <algorithm>

#include "auth/secrets.h"
#include "crypto/base64url.h"
#include "util/errors.h"
#include "util/text.h"
#include "util/utf8.h"
#include "webauthn/cbor.h"
#include "webauthn/cose.h"

namespace authd::auth {
namespace {

namespace purpose {
constexpr std::string_view registration = "registration";
constexpr std::string_view login = "login";
constexpr std::string_view second_factor = "second_factor";
}  // namespace purpose

constexpr std::size_t kChallengeBytes = 32;
constexpr std::size_t kUserHandleBytes = 32;
constexpr std::size_t kIdBytes = 16;

std::span<const std::uint8_t> as_bytes(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string to_base64url(std::span<const std::uint8_t> bytes) {
    return crypto::base64url_encode(bytes.data(), bytes.size());
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    for (const std::uint8_t byte : bytes) {
        text += kDigits[byte >> 4];
        text += kDigits[byte & 0xF];
    }
    return text;
}

std::vector<webauthn::CredentialDescriptor> descriptors(const std::vector<store::Passkey>& keys) {
    std::vector<webauthn::CredentialDescriptor> result;
    for (const store::Passkey& passkey : keys) {
        result.push_back({passkey.credential_id, {}});
        for (const std::string_view transport : text::split(passkey.transports, ','))
            result.back().transports.emplace_back(transport);
    }
    return result;
}

// A credential the client sent that cannot be read or does not verify, at registration.
[[noreturn]] void throw_refused(const webauthn::Refusal& refusal) {
    throw ValidationError("credential",
                          i18n::Message(i18n::keys::passkey_refused, {{"reason", refusal.what()}}));
}

// The challenge a credential's client data names (base64url, as the browser wrote it).
std::string challenge_named_by(const webauthn::Bytes& client_data_json) {
    try {
        return webauthn::challenge_of(client_data_json);
    } catch (const webauthn::Refusal& refusal) {
        throw_refused(refusal);
    }
}

[[noreturn]] void throw_challenge_invalid() {
    throw Error(ErrorKind::bad_request, "passkey_challenge_invalid",
                i18n::keys::passkey_challenge_invalid);
}

}  // namespace

void lock_passkeys(store::Transaction& tx, const std::string& user_id) {
    tx.lock_key("passkeys:" + user_id);
}

std::string_view PasskeyRefused::code() const {
    switch (reason_) {
        case Reason::unknown_credential:
            return "passkey_unknown";
        case Reason::invalid:
            return "passkey_invalid";
        case Reason::counter_regressed:
            return "passkey_counter_regressed";
        case Reason::inactive_account:
            return "inactive_account";
    }
    return "passkey_invalid";
}

Passkeys::Passkeys(store::Store& store, const Reauthentication& reauthentication, Notices& notices,
                   Audit& audit, RateLimiter& limiter, const Clock& clock, Random& random,
                   webauthn::PasskeySettings settings, PasskeyLimits limits)
    : store_(store),
      reauthentication_(reauthentication),
      notices_(notices),
      audit_(audit),
      limiter_(limiter),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)),
      limits_(limits) {}

void Passkeys::write_within(const ClientInfo& client, const std::string& bucket, const Limit& limit,
                            const std::function<void(store::Transaction&)>& work) {
    std::optional<std::int64_t> retry_after;
    store_.write([&](store::Transaction& tx) {
        retry_after = limiter_.hit(tx, client, bucket, limit);
        if (!retry_after) work(tx);
    });
    // Thrown once the refusal's audit event is committed.
    if (retry_after) throw_rate_limited(*retry_after);
}

webauthn::RequestOptions Passkeys::request_options(
    std::string challenge, std::vector<webauthn::CredentialDescriptor> allow) const {
    webauthn::RequestOptions options;
    options.rp_id = settings_.relying_party.id;
    options.challenge = std::move(challenge);
    options.timeout_ms = settings_.challenge_lifetime * 1000;
    options.allow = std::move(allow);
    options.require_user_verification = settings_.relying_party.require_user_verification;
    return options;
}

std::string Passkeys::new_challenge(store::Transaction& tx, std::string_view challenge_purpose,
                                    const std::optional<std::string>& user_id,
                                    const std::string& user_handle,
                                    const std::string& ticket_hash) {
    const std::string challenge = random_.token(kChallengeBytes);
    store::WebauthnChallenge row;
    row.challenge_hash = hash_identifier(challenge);
    row.purpose = challenge_purpose;
    row.user_id = user_id;
    row.user_handle = user_handle;
    row.ticket_hash = ticket_hash;
    row.created_at = clock_.now();
    row.expires_at = row.created_at + settings_.challenge_lifetime;
    tx.passkeys().insert_challenge(row);
    return challenge;
}

store::WebauthnChallenge Passkeys::spend_challenge(const std::string& challenge,
                                                   std::string_view challenge_purpose) {
    std::optional<store::WebauthnChallenge> spent;
    // Spent in a transaction of its own: a credential that then fails its checks does not give
    // the challenge back.
    store_.write([&](store::Transaction& tx) {
        spent = tx.passkeys().use_challenge(hash_identifier(challenge), clock_.now());
    });
    if (!spent || spent->purpose != challenge_purpose) throw_challenge_invalid();
    return *spent;
}

void Passkeys::refuse_if_full(const std::vector<store::Passkey>& existing) const {
    if (existing.size() >= limits_.max_per_account)
        throw ValidationError(
            "non_field_errors",
            i18n::Message(i18n::keys::passkey_limit_reached, {{"max", limits_.max_per_account}}));
}

std::string Passkeys::checked_name(const std::string& name) const {
    const std::string trimmed(text::trim(name));
    if (trimmed.empty()) throw ValidationError("name", i18n::keys::field_blank);
    // Shown in lists and in notices: characters, not control codes (the body is valid UTF-8).
    std::size_t characters = 0;
    for (std::size_t at = 0; at < trimmed.size(); ++characters) {
        const std::optional<char32_t> c = utf8::next_code_point(trimmed, at);
        if (!c || *c < 0x20 || (*c >= 0x7F && *c <= 0x9F))
            throw ValidationError("name", i18n::keys::passkey_name_invalid);
    }
    if (characters > limits_.max_name_length)
        throw ValidationError("name", i18n::Message(i18n::keys::passkey_name_too_long,
                                                    {{"max", limits_.max_name_length}}));
    return trimmed;
}

webauthn::CreationOptions Passkeys::registration_options(const Principal& caller,
                                                         const std::optional<std::string>& password,
                                                         const ClientInfo& client) {
    reauthentication_.require(caller, password, client);
    webauthn::CreationOptions options;
    write_within(
        client, "passkey_options:" + caller.user.id, limits_.options_per_account,
        [&](store::Transaction& tx) {
            options = {};
            const std::vector<store::Passkey> existing = tx.passkeys().of_user(caller.user.id);
            refuse_if_full(existing);
            // One handle per account, so that an authenticator replaces its passkey for the account
            // instead of keeping two.
            options.user_handle =
                existing.empty() ? random_.token(kUserHandleBytes) : existing.front().user_handle;
            options.challenge =
                new_challenge(tx, purpose::registration, caller.user.id, options.user_handle, {});
            options.exclude = descriptors(existing);
        });
    options.rp_id = settings_.relying_party.id;
    options.rp_name = settings_.rp_name;
    options.user_name = caller.user.username;
    options.timeout_ms = settings_.challenge_lifetime * 1000;
    options.require_user_verification = settings_.relying_party.require_user_verification;
    return options;
}

store::Passkey Passkeys::add(const Principal& caller, const boost::json::value& credential,
                             const std::optional<std::string>& name, const ClientInfo& client) {
    webauthn::RegistrationResponse response;
    try {
        response = webauthn::read_registration_response(credential);
    } catch (const webauthn::Refusal& refusal) {
        throw_refused(refusal);
    }
    // A bad name is refused before the challenge is spent.
    const std::optional<std::string> given_name =
        name ? std::optional<std::string>(checked_name(*name)) : std::nullopt;
    const std::string challenge_text = challenge_named_by(response.client_data_json);
    const store::WebauthnChallenge challenge =
        spend_challenge(challenge_text, purpose::registration);
    if (challenge.user_id != caller.user.id) throw_challenge_invalid();

    webauthn::AuthenticatorData data;
    try {
        // The challenge was found by its hash, so the ceremony compares it with itself.
        data =
            webauthn::verify_registration(settings_.relying_party, challenge_text,
                                          response.client_data_json, response.attestation_object);
    } catch (const webauthn::Refusal& refusal) {
        throw_refused(refusal);
    }
    const webauthn::AttestedCredential& attested = *data.credential;
    if (to_base64url(attested.id) != response.id)
        throw_refused(
            webauthn::Refusal("the credential's id is not the one in its "
                              "authenticator data"));

    store::Passkey passkey;
    passkey.id = random_.token(kIdBytes);
    passkey.user_id = caller.user.id;
    passkey.credential_id = response.id;
    passkey.user_handle = challenge.user_handle;
    passkey.public_key = to_base64url(attested.public_key_cbor);
    passkey.algorithm = static_cast<int>(attested.public_key.algorithm());
    passkey.sign_count = data.sign_count;
    passkey.transports = text::join(response.transports, ",");
    passkey.aaguid = hex(attested.aaguid);
    passkey.backup_eligible = data.backup_eligible;
    passkey.backed_up = data.backed_up;
    passkey.created_at = clock_.now();
    try {
        store_.write([&](store::Transaction& tx) {
            lock_passkeys(tx, caller.user.id);
            const std::vector<store::Passkey> existing = tx.passkeys().of_user(caller.user.id);
            refuse_if_full(existing);
            passkey.name = given_name.value_or("Passkey " + std::to_string(existing.size() + 1));
            tx.passkeys().insert(passkey);
            audit_.record(tx, client, event::passkey_added, caller.user, caller.session.id,
                          passkey.name);
            notices_.passkey_added(tx, caller.user, passkey.name, passkey.created_at, client);
        });
    } catch (const store::Duplicate&) {
        throw ValidationError("credential", i18n::keys::passkey_already_registered);
    }
    return passkey;
}

std::vector<store::Passkey> Passkeys::list(const Principal& caller) {
    std::vector<store::Passkey> passkeys;
    store_.read([&](store::Transaction& tx) { passkeys = tx.passkeys().of_user(caller.user.id); });
    return passkeys;
}

store::Passkey Passkeys::rename(const Principal& caller, const std::string& id,
                                const std::string& name, const ClientInfo& client) {
    const std::string new_name = checked_name(name);
    std::optional<store::Passkey> renamed;
    store_.write([&](store::Transaction& tx) {
        renamed.reset();
        if (!tx.passkeys().rename(id, caller.user.id, new_name)) return;
        renamed = tx.passkeys().find(id);
        audit_.record(tx, client, event::passkey_renamed, caller.user, caller.session.id, new_name);
    });
    if (!renamed) throw Error(ErrorKind::not_found, "not_found", i18n::keys::not_found);
    return *renamed;
}

void Passkeys::remove(const Principal& caller, const std::string& id,
                      const std::optional<std::string>& password, const ClientInfo& client) {
    // An unknown id is a 404 before the re-authentication is asked for.
    bool exists = false;
    store_.read([&](store::Transaction& tx) {
        const auto found = tx.passkeys().find(id);
        exists = found && found->user_id == caller.user.id;
    });
    if (!exists) throw Error(ErrorKind::not_found, "not_found", i18n::keys::not_found);
    reauthentication_.require(caller, password, client);
    bool removed = false;
    store_.write([&](store::Transaction& tx) {
        removed = false;
        lock_passkeys(tx, caller.user.id);
        const auto found = tx.passkeys().find(id);
        if (!found || found->user_id != caller.user.id) return;
        const auto user = tx.users().find_by_id(caller.user.id);
        if (!user) return;
        if (user->password_hash.empty() && tx.passkeys().of_user(user->id).size() <= 1)
            throw Error(ErrorKind::bad_request, "last_passkey",
                        i18n::keys::last_passkey_without_password);
        removed = tx.passkeys().remove(id, user->id);
        if (!removed) return;
        audit_.record(tx, client, event::passkey_removed, *user, caller.session.id, found->name);
        notices_.passkey_removed(tx, *user, found->name);
    });
    if (!removed) throw Error(ErrorKind::not_found, "not_found", i18n::keys::not_found);
}

webauthn::RequestOptions Passkeys::login_options(const ClientInfo& client) {
    std::string challenge;
    write_within(client, "passkey_login_options:" + address_scope(client.ip),
                 limits_.login_options_per_address, [&](store::Transaction& tx) {
                     challenge = new_challenge(tx, purpose::login, std::nullopt, {}, {});
                 });
    return request_options(std::move(challenge), {});
}

webauthn::RequestOptions Passkeys::second_factor_options(const store::User& user,
                                                         const std::string& ticket_hash,
                                                         const std::string& first_passkey_id,
                                                         const ClientInfo& client) {
    std::string challenge;
    std::vector<store::Passkey> usable;
    write_within(client, "passkey_options:" + user.id, limits_.options_per_account,
                 [&](store::Transaction& tx) {
                     usable = tx.passkeys().of_user(user.id);
                     std::erase_if(usable, [&](const store::Passkey& passkey) {
                         return passkey.id == first_passkey_id;
                     });
                     // None left: an empty list would let the browser offer any passkey.
                     if (usable.empty())
                         throw Error(ErrorKind::bad_request, "no_passkey",
                                     i18n::keys::no_passkey_for_ticket);
                     challenge =
                         new_challenge(tx, purpose::second_factor, user.id, {}, ticket_hash);
                 });
    return request_options(std::move(challenge), descriptors(usable));
}

VerifiedAssertion Passkeys::verify_assertion(const boost::json::value& credential,
                                             const std::string& ticket_hash,
                                             const std::string& first_passkey_id) {
    webauthn::AssertionResponse response;
    try {
        response = webauthn::read_assertion_response(credential);
    } catch (const webauthn::Refusal& refusal) {
        throw_refused(refusal);
    }
    const bool for_ticket = !ticket_hash.empty();
    const std::string challenge_text = challenge_named_by(response.client_data_json);
    const store::WebauthnChallenge challenge =
        spend_challenge(challenge_text, for_ticket ? purpose::second_factor : purpose::login);
    if (for_ticket && challenge.ticket_hash != ticket_hash) throw_challenge_invalid();

    using Reason = PasskeyRefused::Reason;
    std::optional<store::Passkey> passkey;
    std::optional<store::User> user;
    store_.read([&](store::Transaction& tx) {
        passkey = tx.passkeys().find_by_credential_id(response.id);
        user = passkey ? tx.users().find_by_id(passkey->user_id) : std::nullopt;
    });
    // A ticket's challenge takes only the ticket's account's passkeys.
    if (!passkey || !user || (for_ticket && challenge.user_id != user->id))
        throw PasskeyRefused(Reason::unknown_credential, "the passkey is not registered");
    // The signature first: whoever has no key learns nothing of the account.
    webauthn::AuthenticatorData data;
    try {
        const auto key_cbor = crypto::base64url_decode(passkey->public_key);
        if (!key_cbor) throw webauthn::Refusal("the stored key is not base64url");
        const webauthn::CborDocument document = webauthn::decode_cbor(as_bytes(*key_cbor));
        const webauthn::CosePublicKey key = webauthn::CosePublicKey::read(document.root());
        // The challenge was found by its hash, so the ceremony compares it with itself.
        data = webauthn::verify_assertion(settings_.relying_party, challenge_text,
                                          response.client_data_json, response.authenticator_data,
                                          response.signature, key);
    } catch (const webauthn::Refusal& refusal) {
        throw PasskeyRefused(Reason::invalid, refusal.what(), user, passkey->id);
    }
    // The passkey that made a login's first step is not its second factor too.
    if (for_ticket && passkey->id == first_passkey_id)
        throw PasskeyRefused(Reason::invalid, "this passkey made the login's first step", user,
                             passkey->id);
    // §7.2 step 6: with no allowCredentials, the user handle names the account; otherwise, when
    // given, it must be the passkey's.
    if (!response.user_handle && !for_ticket)
        throw PasskeyRefused(Reason::invalid, "the assertion has no user handle", user,
                             passkey->id);
    if (response.user_handle && to_base64url(*response.user_handle) != passkey->user_handle)
        throw PasskeyRefused(Reason::invalid, "the user handle is not the passkey's account's",
                             user, passkey->id);
    if (!user->is_active)
        throw PasskeyRefused(Reason::inactive_account, "inactive", user, passkey->id);
    // §7.2 step 21: a counter that does not move forward, when either is not zero, may be a
    // cloned authenticator.
    if ((data.sign_count != 0 || passkey->sign_count != 0) &&
        static_cast<std::int64_t>(data.sign_count) <= passkey->sign_count)
        throw PasskeyRefused(Reason::counter_regressed, "the signature counter went backwards",
                             user, passkey->id);
    return {*user, *passkey, data.sign_count, data.backed_up, data.user_verified};
}

bool Passkeys::record_use(store::Transaction& tx, const VerifiedAssertion& assertion) {
    return tx.passkeys().record_use(assertion.passkey.id, assertion.passkey.sign_count,
                                    assertion.sign_count, assertion.backed_up, clock_.now());
}

}  // namespace authd::auth
