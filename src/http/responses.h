#pragma once
// The one place where answers get their shape: JSON bodies, the two error shapes of API.md,
// and the headers every answer carries. Messages are put into words here, in `language` (the
// request's, http/language.h).
#include <boost/json.hpp>

#include "http/types.h"
#include "i18n/language.h"
#include "util/errors.h"

namespace authd::http {

// Every JSON answer's type: browsers and clients must never guess the encoding.
inline constexpr std::string_view json_content_type = "application/json; charset=utf-8";

// `Content-Type: application/json; charset=utf-8`, `Cache-Control: no-store`,
// `X-Content-Type-Options: nosniff`. The body is valid UTF-8 whatever its strings hold
// (util/json_text.h).
Response json_response(bhttp::status status, const boost::json::value& body);
// 204 with no body.
Response no_content_response();
// 204 to a plain OPTIONS (not a CORS preflight): `Allow` lists the path's methods.
Response options_response(const std::string& allow);
// An HTML page: `text/html; charset=utf-8`, the page's Content-Security-Policy,
// `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, `Cache-Control: no-store`,
// `X-Content-Type-Options: nosniff`. Ill-formed UTF-8 in `html` is sent as U+FFFD.
Response html_response(bhttp::status status, std::string html, std::string_view csp);
// 303 See Other to `location` (after a form post), with the same safety headers as a page.
Response see_other_response(std::string_view location);
// A JavaScript module (the passkeys' client): cached for an hour, never sniffed.
Response script_response(std::string_view javascript);

// 400/401/403/404/409/415/429/503 from a typed error, with WWW-Authenticate / Retry-After /
// Accept-Encoding as its kind requires; body {"detail", "code"} ("code" left out when empty).
Response error_response(const Error& error, i18n::Language language = i18n::Language::en);
// 400 {"<field>": ["message", ...]}
Response validation_response(const ValidationError& error,
                             i18n::Language language = i18n::Language::en);
// 500 {"detail": "Internal server error.", "code": "internal_error"} (details go to the log).
Response internal_error_response(i18n::Language language = i18n::Language::en);

// The framework-level answers, shaped like DRF's.
Response not_found_response(i18n::Language language = i18n::Language::en);  // 404
Response method_not_allowed_response(std::string_view method, const std::string& allow,
                                     i18n::Language language = i18n::Language::en);  // 405
Response payload_too_large_response(std::size_t limit,
                                    i18n::Language language = i18n::Language::en);  // 413
Response header_too_large_response(i18n::Language language = i18n::Language::en);   // 431
// 501 {"code": "not_implemented"}: a transfer coding other than chunked, which the server
// cannot take the body out of (RFC 9112 §6.1).
Response transfer_coding_not_implemented_response(std::string_view coding,
                                                  i18n::Language language = i18n::Language::en);

// What the server adds to every answer, whoever built it: `X-Content-Type-Options: nosniff`,
// and `; charset=utf-8` on a JSON or text/* type that names no charset.
void add_safety_headers(Response& response);

}  // namespace authd::http
