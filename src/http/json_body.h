#pragma once
// Reading JSON request bodies: one parser and one field reader for every route, so that every
// route refuses bad input the same way. A route names its body type in its table line
// (json_body<T>, Router::add); the router reads the body before the handler runs.
#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/form_body.h"
#include "http/types.h"
#include "util/errors.h"

namespace authd::http {

// The request body as a JSON object.
// - Content-Type must be application/json (parameters such as charset allowed), else 415
//   {"detail": "Unsupported media type \"text/plain\" in request.", "code":
//   "unsupported_media_type"} (the English texts here; answers are in the request's language). An
//   empty body with no Content-Type reads as {}.
// - A Content-Encoding other than identity (gzip, br...) → 415 {"code":
//   "unsupported_content_encoding"} with `Accept-Encoding: identity` (http/request_checks.h).
// - Malformed JSON, nesting deeper than 32, duplicate keys, NaN/Infinity, invalid UTF-8 →
//   400 {"detail": "JSON parse error - <reason>", "code": "parse_error"}.
// - A body that is not an object → 400 {"non_field_errors": ["Invalid data. Expected a dictionary,
// but got <type>."]}.
boost::json::object parse_json_body(const Request& request);

// The 415 of a body whose media type is `media_type`, as the request wrote it: the answer
// quotes it as valid UTF-8 (ill-formed bytes as U+FFFD), at most 100 bytes cut between
// characters, whatever the header held.
[[noreturn]] void throw_unsupported_media_type(std::string_view media_type);

// Typed access to the fields of a body. Each getter records what it reads; finish() adds
// "Unknown field." for every key never asked for, then throws a ValidationError holding every
// problem found (DRF's messages: "This field is required.", "This field may not be blank.",
// "Not a valid string.", "Must be a valid boolean.", "This field may not be null.").
class BodyFields {
  public:
    explicit BodyFields(const boost::json::object& body);

    // A string field. Required and absent/null/blank → error. Not a string → error.
    std::optional<std::string> string(std::string_view name, bool required);
    // A required string field; "" when it has an error (finish() then throws).
    std::string required_string(std::string_view name);
    // A boolean field (JSON true/false only).
    std::optional<bool> boolean(std::string_view name, bool required);
    // A JSON object field, as it is (a WebAuthn credential, read by its own rules).
    std::optional<boost::json::object> object(std::string_view name, bool required);
    // A field that is accepted by name but refused with `message` (e.g. "password" on update).
    void refuse(std::string_view name, i18n::Message message);
    // Whether the field is there and JSON null (a form with a meaning of its own).
    bool null(std::string_view name);
    // Whether the body has this key at all.
    bool has(std::string_view name) const;

    // Adds a message for a field (domain checks done while reading).
    void add_error(const std::string& field, i18n::Message message);
    // Throws ValidationError when any problem was recorded.
    void finish();

  private:
    // The field when it is there, not null and of its type (`is_type`); otherwise the error
    // (required, null, `wrong_type`) is recorded and the answer is null.
    const boost::json::value* typed(std::string_view name, bool required,
                                    bool (boost::json::value::*is_type)() const noexcept,
                                    i18n::Key wrong_type);

    const boost::json::object& body_;
    std::vector<std::string> known_;
    FieldErrors errors_;
};

// A route's JSON body, read into T: parse_json_body(), then `static T read(BodyFields&)` takes
// the fields T knows, and any other field is refused (BodyFields::finish). Errors come in the
// order read() asks for the fields (a braced initialiser asks from left to right).
template <class T>
struct JsonBody {
    static T read(const Request& request) {
        const boost::json::object object = parse_json_body(request);
        BodyFields fields(object);
        T body = T::read(fields);
        fields.finish();
        return body;
    }
};
template <class T>
inline constexpr JsonBody<T> json_body{};

// The fields of a form post, as parse_form_body() reads them.
using Form = std::map<std::string, std::string>;

// A form post (application/x-www-form-urlencoded) from an HTML page, any other body read as
// JsonBody<T>.
template <class T>
struct JsonOrFormBody {
    static std::variant<T, Form> read(const Request& request) {
        if (is_form_request(request)) return parse_form_body(request);
        return JsonBody<T>::read(request);
    }
};
template <class T>
inline constexpr JsonOrFormBody<T> json_or_form_body{};

}  // namespace authd::http
