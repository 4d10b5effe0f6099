#pragma once
// The microservices' own credentials (AUTH_SERVICES) and their tokens.
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/tokens.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::auth {

struct ServiceSecret {
    std::string name;
    std::string secret;
};

class ServiceAccounts {
  public:
    ServiceAccounts(std::vector<ServiceSecret> services, const TokenIssuer& tokens,
                    store::Store& store, Audit& audit, const Clock& clock, Random& random);

    // A service token for a known name and secret; otherwise 401 invalid_credentials. Every
    // configured service is compared, in constant time, whatever matches.
    std::string issue_token(std::string_view name, std::string_view secret);

    // The caller of a route reserved to services. Throws the bearer 401 for anything else.
    ServiceClaims authenticate(std::string_view token) const;

    // Whether `name` is a configured service (its tokens stop counting once it is removed).
    bool is_configured(std::string_view name) const;

  private:
    struct Entry {
        std::string name;
        std::string secret_digest;  // fixed-length digests compare in constant time
    };
    std::vector<Entry> services_;
    const TokenIssuer& tokens_;
    store::Store& store_;
    Audit& audit_;
    const Clock& clock_;
    Random& random_;
};

}  // namespace authd::auth
