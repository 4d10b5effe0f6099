#pragma once
// The templates of the hooks file: `{username}`, `{old_username}`, `{new_username}` and `{email}`
// are replaced, percent-encoded in URLs and as JSON strings in bodies; `{{` and `}}` are literal
// braces.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace authd::platform {

// The values a call's templates use.
struct TemplateValues {
    std::string username;
    std::string old_username;
    std::string new_username;
    std::string email;
};

// Why a template cannot be rendered (an unknown name, an unclosed brace), or nullopt.
std::optional<std::string> template_problem(std::string_view text);

std::string render_url(std::string_view url_template, const TemplateValues& values);
// Every string of the value rendered (keys too), its structure as it is.
boost::json::value render_body(const boost::json::value& body_template,
                               const TemplateValues& values);

// RFC 3986: everything but the unreserved characters is percent-encoded.
std::string percent_encode(std::string_view text);

}  // namespace authd::platform
