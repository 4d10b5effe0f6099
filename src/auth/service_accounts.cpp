#include "auth/service_accounts.h"

#include <sodium.h>

#include "auth/sessions.h"
#include "crypto/constant_time.h"
#include "util/address_scope.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/utf8.h"

namespace authd::auth {
namespace {

std::string digest(std::string_view text) {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                       0);
    return out;
}

}  // namespace

ServiceAccounts::ServiceAccounts(std::vector<ServiceSecret> services, const TokenIssuer& tokens,
                                 store::Store& store, crypto::PasswordHasher& hasher, Audit& audit,
                                 RateLimiter& limiter, const Clock& clock, Random& random,
                                 ServiceLoginSettings settings)
    : tokens_(tokens),
      store_(store),
      hasher_(hasher),
      audit_(audit),
      limiter_(limiter),
      clock_(clock),
      random_(random),
      settings_(settings),
      dummy_hash_(hasher.hash(random.token(24), {})) {
    for (auto& service : services)
        services_.push_back({std::move(service.name), digest(service.secret)});
}

std::string ServiceAccounts::issue_token(std::string_view name, std::string_view secret,
                                         const ClientInfo& client) {
    // Counted as a failure before the secret is looked at, so a burst cannot try more secrets
    // than the limit; forgotten again if it succeeds.
    const std::string bucket = "service_login:" + address_scope(client.ip);
    std::int64_t admitted_at = 0;
    std::optional<std::int64_t> retry_after;
    store_.write([&](store::Transaction& tx) {
        retry_after =
            limiter_.hit(tx, client, bucket, settings_.failures_per_address, &admitted_at);
    });
    if (retry_after) throw_rate_limited(*retry_after);

    const std::string name_digest = digest(name);
    const std::string secret_digest = digest(secret);
    const Entry* match = nullptr;
    bool configured = false;
    for (const Entry& entry : services_) {
        const bool name_ok = crypto::equal_in_constant_time(digest(entry.name), name_digest);
        const bool secret_ok = crypto::equal_in_constant_time(entry.secret_digest, secret_digest);
        configured = configured || name_ok;
        if (name_ok && secret_ok) match = &entry;
    }
    std::string service_name;
    if (configured) {
        // The same work as a stored or unknown name's hash check.
        (void)hasher_.verify(dummy_hash_, secret, {client.ip});
        if (match) service_name = match->name;
    } else if (check_stored(name, secret, client)) {
        service_name = std::string(name);
    }
    if (service_name.empty()) {
        store_.write([&](store::Transaction& tx) {
            audit_.record_repeated(tx, client, event::service_login_failed,
                                   std::string(utf8::prefix(name, 64)),
                                   settings_.failures_per_address.window);
        });
        throw Error(ErrorKind::unauthenticated, "invalid_credentials",
                    i18n::keys::invalid_credentials);
    }
    store_.write([&](store::Transaction& tx) { limiter_.release(tx, bucket, admitted_at); });
    const ServiceClaims claims = tokens_.new_service_claims(service_name, random_);
    log::info("service token issued to " + service_name);
    store_.write([&](store::Transaction& tx) {
        audit_.record(tx, client, event::service_token_issued, nullptr, {}, service_name);
    });
    return tokens_.encode(claims);
}

ServiceClaims ServiceAccounts::authenticate(std::string_view token) const {
    try {
        ServiceClaims claims = tokens_.decode_service(token);
        if (is_configured(claims.service_name)) return claims;
        throw InvalidToken("service no longer configured");
    } catch (const InvalidToken& e) {
        log::info(std::string("service token refused: ") + e.what());
        throw_invalid_bearer();
    }
}

bool ServiceAccounts::check_stored(std::string_view name, std::string_view secret,
                                   const ClientInfo& client) {
    if (name.empty()) return false;
    std::optional<store::ServiceAccount> account;
    store_.read([&](store::Transaction& tx) { account = tx.service_accounts().find(name); });
    if (!account) {
        (void)hasher_.verify(dummy_hash_, secret, {client.ip});
        return false;
    }
    if (!hasher_.verify(account->password_hash, secret, {client.ip})) return false;
    if (hasher_.needs_rehash(account->password_hash)) {
        const std::string stronger_hash = hasher_.hash(secret, {client.ip});
        store_.write([&](store::Transaction& tx) {
            // Only if nothing replaced the hash meanwhile.
            tx.service_accounts().replace_hash(account->name, account->password_hash,
                                               stronger_hash);
        });
    }
    return true;
}

bool ServiceAccounts::is_configured(std::string_view name) const {
    for (const Entry& entry : services_)
        if (entry.name == name) return true;
    if (name.empty()) return false;
    bool stored = false;
    store_.read(
        [&](store::Transaction& tx) { stored = tx.service_accounts().find(name).has_value(); });
    return stored;
}

}  // namespace authd::auth
