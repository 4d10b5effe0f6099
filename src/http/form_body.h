#pragma once
// HTML form posts (application/x-www-form-urlencoded) and cookies, for the few HTML pages.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/types.h"

namespace authd::http {

// Whether the request's media type is application/x-www-form-urlencoded.
bool is_form_request(const Request& request);

// The fields of a form body, percent- and plus-decoded. A repeated field, a malformed body or
// invalid UTF-8 → 400 {"detail": "Malformed form data.", "code": "parse_error"}.
std::map<std::string, std::string> parse_form_body(const Request& request);

// The value of cookie `name` in the Cookie header, if any.
std::optional<std::string> cookie_value(const Request& request, std::string_view name);

// Whether the client asked for JSON (`Accept` names application/json).
bool accepts_json(const Request& request);

}  // namespace authd::http
