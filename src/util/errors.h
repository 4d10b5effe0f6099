#pragma once
// Typed errors that user input or the environment can cause. Domain code throws them; the HTTP
// layer turns them into answers in one place (http/responses.cpp), in the request's language.
// Anything else that is thrown is a bug: it is logged with the request id and answered 500
// without details. Messages are catalogue keys with arguments (i18n/keys.h), never sentences.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "i18n/catalog.h"
#include "i18n/keys.h"

namespace authd {

enum class ErrorKind {
    bad_request,             // 400 {"detail", "code"}
    unauthenticated,         // 401 without a bearer challenge (login, refresh, internal/auth)
    missing_credentials,     // 401 with `WWW-Authenticate: Bearer` (no token on a bearer route)
    invalid_token,           // 401 with `WWW-Authenticate: Bearer error="invalid_token"`
    forbidden,               // 403
    not_found,               // 404
    conflict,                // 409
    unsupported_media_type,  // 415
    unsupported_encoding,    // 415 with `Accept-Encoding: identity` (a content coding)
    rate_limited,            // 429 with Retry-After
    unavailable,             // 503 with Retry-After
};

class Error : public std::runtime_error {
  public:
    // An empty `code` leaves the "code" key out of the body (the failed login's exact body).
    Error(ErrorKind kind, std::string code, i18n::Message message, int retry_after_seconds = 0)
        : std::runtime_error(i18n::english(message)),
          kind_(kind),
          code_(std::move(code)),
          message_(std::move(message)),
          retry_after_(retry_after_seconds) {}
    // A sentence is not a message: add a key to i18n/keys.h and to every catalogue.
    Error(ErrorKind, std::string, const char*, int = 0) = delete;
    Error(ErrorKind, std::string, std::string, int = 0) = delete;

    ErrorKind kind() const { return kind_; }
    const std::string& code() const { return code_; }
    const i18n::Message& message() const { return message_; }
    // The message in English (logs, tests).
    std::string detail() const { return what(); }
    int retry_after() const { return retry_after_; }

  private:
    ErrorKind kind_;
    std::string code_;
    i18n::Message message_;
    int retry_after_;
};

// Messages per field, in the order they were found; "non_field_errors" for the body as a whole.
struct FieldError {
    std::string field;
    std::vector<i18n::Message> messages;
};

// 400 {"<field>": ["message", ...], ...}
class ValidationError : public std::runtime_error {
  public:
    explicit ValidationError(std::vector<FieldError> errors)
        : std::runtime_error("validation failed"), errors_(std::move(errors)) {}
    ValidationError(std::string field, i18n::Message message)
        : ValidationError(std::vector<FieldError>{{std::move(field), {std::move(message)}}}) {}

    const std::vector<FieldError>& errors() const { return errors_; }

  private:
    std::vector<FieldError> errors_;
};

// Collects field errors while a body is checked, then throws them all at once.
class FieldErrors {
  public:
    void add(const std::string& field, i18n::Message message) {
        for (auto& e : errors_) {
            if (e.field == field) {
                e.messages.push_back(std::move(message));
                return;
            }
        }
        errors_.push_back({field, {std::move(message)}});
    }
    bool has(const std::string& field) const {
        for (const auto& e : errors_)
            if (e.field == field) return true;
        return false;
    }
    bool empty() const { return errors_.empty(); }
    void throw_if_any() const {
        if (!errors_.empty()) throw ValidationError(errors_);
    }

  private:
    std::vector<FieldError> errors_;
};

}  // namespace authd
