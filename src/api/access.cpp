#include "api/access.h"

#include <sodium.h>

#include <stdexcept>

#include "api/routes.h"
#include "auth/accounts.h"
#include "auth/service_accounts.h"
#include "util/errors.h"
#include "util/text.h"

namespace authd::api {
namespace {

using http::Access;

// The token of `Authorization: Bearer <token>`; 401 not_authenticated when there is none, 401
// invalid_token when the header is malformed.
std::string_view bearer_token(const http::RequestContext& context) {
    const std::string_view header = context.header("Authorization");
    const auto space = header.find(' ');
    const std::string_view scheme = header.substr(0, space);
    const bool is_bearer = text::iequals_ascii(scheme, "bearer");
    if (header.empty() || !is_bearer)
        throw Error(ErrorKind::missing_credentials, "not_authenticated",
                    i18n::keys::not_authenticated);
    const std::string_view token =
        space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
    if (token.empty() || token.find(' ') != std::string_view::npos) auth::throw_invalid_bearer();
    return token;
}

// Compares digests, so the time taken reveals neither the token nor its length.
bool same_token(std::string_view given, std::string_view expected) {
    unsigned char a[crypto_generichash_BYTES];
    unsigned char b[crypto_generichash_BYTES];
    crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(given.data()),
                       given.size(), nullptr, 0);
    crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(expected.data()),
                       expected.size(), nullptr, 0);
    return sodium_memcmp(a, b, sizeof a) == 0;
}

class DomainAuthenticator final : public http::Authenticator {
  public:
    explicit DomainAuthenticator(const Services& services) : services_(services) {}

    void authenticate(Access access, http::RequestContext& context) const override {
        switch (access) {
            case Access::anyone:
                return;
            case Access::user:
                authenticate_user(access, context);
                return;
            case Access::account_owner:
                authenticate_user(access, context);
                // Before the body is read: another user's name is a 403 whatever the body.
                auth::require_owner(caller(context), context.param("username"));
                return;
            case Access::service:
                authenticate_service(context);
                return;
            case Access::metrics_token:
                authenticate_scraper(context);
                return;
        }
        throw std::logic_error("unknown route access");
    }

  private:
    void authenticate_user(Access access, http::RequestContext& context) const {
        auto user = std::make_shared<const auth::Principal>(
            services_.sessions.authenticate(bearer_token(context)));
        context.principal = {access, user->user.id, user->user.username, user->session.id,
                             {},     user};
        // Answers are in the user's language from now on, unless the request names one.
        context.user_language = i18n::from_code(user->user.lang);
    }

    void authenticate_service(http::RequestContext& context) const {
        auto claims = std::make_shared<const auth::ServiceClaims>(
            services_.service_accounts.authenticate(bearer_token(context)));
        context.principal = {Access::service, {}, {}, {}, claims->service_name, claims};
    }

    // With AUTH_METRICS_TOKEN, only `Authorization: Bearer` it; without, anyone.
    void authenticate_scraper(http::RequestContext& context) const {
        const std::string& expected = services_.metrics_token;
        if (expected.empty()) return;
        if (!same_token(bearer_token(context), expected)) auth::throw_invalid_bearer();
        context.principal.access = Access::metrics_token;
    }

    const Services& services_;
};

}  // namespace

std::shared_ptr<const http::Authenticator> make_authenticator(const Services& services) {
    return std::make_shared<const DomainAuthenticator>(services);
}

const auth::Principal& caller(const http::RequestContext& context) {
    const http::Principal& principal = context.principal;
    // Only authenticate_user() keeps a user's record: anything else is a route that declared
    // the wrong access.
    const bool user = principal.access == Access::user || principal.access == Access::account_owner;
    if (!user || !principal.record) throw std::logic_error("the route declared no user access");
    return *static_cast<const auth::Principal*>(principal.record.get());
}

}  // namespace authd::api
