#include "webauthn/settings.h"

#include <boost/url/parse.hpp>
#include <stdexcept>

#include "util/text.h"

namespace authd::webauthn {
namespace {

using config::computed, config::literal;

boost::urls::url_view parse_http_url(std::string_view text) {
    const auto url = boost::urls::parse_absolute_uri(text);
    if (!url) throw std::invalid_argument("\"" + std::string(text) + "\" is not an absolute URL");
    const std::string scheme = text::ascii_lower(url->scheme());
    if (scheme != "http" && scheme != "https")
        throw std::invalid_argument("\"" + std::string(text) + "\" is not an http(s) URL");
    if (url->host().empty())
        throw std::invalid_argument("\"" + std::string(text) + "\" has no host");
    return *url;
}

// Whether `host` is `rp_id` or one of its subdomains (§5.1.4.1 step 8, §13.4.9: an RP id is
// the origin's host or a registrable suffix of it).
bool host_within(std::string_view host, std::string_view rp_id) {
    if (host == rp_id) return true;
    return host.size() > rp_id.size() + 1 && host.ends_with(rp_id) &&
           host[host.size() - rp_id.size() - 1] == '.';
}

}  // namespace

std::string host_of(std::string_view url) {
    const boost::urls::url_view view = parse_http_url(url);
    std::string host = text::ascii_lower(view.encoded_host_address());
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return host;
}

std::string origin_of(std::string_view url) {
    const boost::urls::url_view view = parse_http_url(url);
    const std::string scheme = text::ascii_lower(view.scheme());
    std::string origin = scheme + "://" + text::ascii_lower(view.encoded_host_and_port());
    const bool default_port =
        (scheme == "http" && view.port() == "80") || (scheme == "https" && view.port() == "443");
    if (default_port) origin = scheme + "://" + text::ascii_lower(view.encoded_host());
    return origin;
}

const config::Settings<PasskeySettings>& passkey_settings() {
    static const config::Settings<PasskeySettings> settings{
        {
            {"AUTH_WEBAUTHN_RP_ID", computed("the host of `AUTH_PUBLIC_URL`"),
             "the relying party's id, which passkeys are bound to: the site's domain (browsers "
             "refuse an IP address: use `localhost` when trying authd locally)",
             config::custom(
                 [](const std::string& text, PasskeySettings& s) {
                     if (text.empty() || text != text::ascii_lower(text) ||
                         text.find_first_of(":/ ") != std::string::npos)
                         throw std::invalid_argument("expected a lowercase domain, got \"" + text +
                                                     "\"");
                     s.relying_party.id = text;
                 },
                 [](const PasskeySettings& s) { return s.relying_party.id; }),
             [](PasskeySettings& s) { s.relying_party.id = host_of(s.public_url); }},
            {"AUTH_WEBAUTHN_RP_NAME", literal("authd"),
             "the name authenticators show beside the account",
             config::text(&PasskeySettings::rp_name)},
            {"AUTH_WEBAUTHN_ORIGINS", computed("the origin of `AUTH_PUBLIC_URL`"),
             "comma-separated origins of the pages that may register and use passkeys "
             "(`https://app.example.com`), each on the RP id or a subdomain of it",
             config::custom(
                 [](const std::string& text, PasskeySettings& s) {
                     s.relying_party.origins.clear();
                     for (const std::string& entry : config::parse_list(text)) {
                         const std::string origin = origin_of(entry);
                         if (origin != entry)
                             throw std::invalid_argument(
                                 "\"" + entry + "\" is not an origin; expected \"" + origin + "\"");
                         s.relying_party.origins.push_back(origin);
                     }
                     if (s.relying_party.origins.empty())
                         throw std::invalid_argument("expected at least one origin");
                 },
                 [](const PasskeySettings& s) { return text::join(s.relying_party.origins, ","); }),
             [](PasskeySettings& s) { s.relying_party.origins = {origin_of(s.public_url)}; }},
            {"AUTH_WEBAUTHN_USER_VERIFICATION", literal("preferred"),
             "`preferred`: a passkey without user verification (PIN, biometrics) logs in as one "
             "factor; `required`: such a passkey is refused",
             config::custom(
                 [](const std::string& text, PasskeySettings& s) {
                     if (text != "preferred" && text != "required")
                         throw std::invalid_argument("expected preferred or required, got \"" +
                                                     text + "\"");
                     s.relying_party.require_user_verification = text == "required";
                 },
                 [](const PasskeySettings& s) {
                     return std::string(s.relying_party.require_user_verification ? "required"
                                                                                  : "preferred");
                 })},
        },
        [](PasskeySettings& s, const config::Environment&) {
            for (const std::string& origin : s.relying_party.origins)
                if (!host_within(host_of(origin), s.relying_party.id))
                    throw config::ConfigError("AUTH_WEBAUTHN_ORIGINS: " + origin +
                                              " is not on the RP id " + s.relying_party.id +
                                              " (AUTH_WEBAUTHN_RP_ID) or a subdomain of it");
        }};
    return settings;
}

}  // namespace authd::webauthn
