#include "http/responses.h"

#include <boost/beast/core/string.hpp>

#include <string>

#include "util/json_text.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::http {
namespace beast = boost::beast;
namespace {

Response json_error(bhttp::status status, std::string_view detail, std::string_view code) {
    // Built member by member so that "detail" comes first: clients show the first value.
    boost::json::object body;
    body["detail"] = detail;
    if (!code.empty()) body["code"] = code;
    return json_response(status, body);
}

bhttp::status status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_request:
            return bhttp::status::bad_request;
        case ErrorKind::unauthenticated:
        case ErrorKind::missing_credentials:
        case ErrorKind::invalid_token:
            return bhttp::status::unauthorized;
        case ErrorKind::forbidden:
            return bhttp::status::forbidden;
        case ErrorKind::not_found:
            return bhttp::status::not_found;
        case ErrorKind::conflict:
            return bhttp::status::conflict;
        case ErrorKind::unsupported_media_type:
        case ErrorKind::unsupported_encoding:
            return bhttp::status::unsupported_media_type;
        case ErrorKind::rate_limited:
            return bhttp::status::too_many_requests;
        case ErrorKind::unavailable:
            return bhttp::status::service_unavailable;
    }
    return bhttp::status::internal_server_error;
}

}  // namespace

Response json_response(bhttp::status status, const boost::json::value& body) {
    Response response{status, 11};
    response.set(bhttp::field::content_type, json_content_type);
    response.set(bhttp::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    // Valid UTF-8 whatever a string holds (a user agent stored by an older build).
    response.body() = json_text(body);
    response.prepare_payload();
    return response;
}

Response no_content_response() {
    Response response{bhttp::status::no_content, 11};
    response.set(bhttp::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    return response;
}

Response html_response(bhttp::status status, std::string html, std::string_view csp) {
    Response response{status, 11};
    response.set(bhttp::field::content_type, "text/html; charset=utf-8");
    response.set(bhttp::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    response.set("Content-Security-Policy", csp);
    // The same for pages: a page says charset=utf-8, so it is.
    response.body() = utf8::is_valid(html) ? std::move(html) : utf8::repaired(html);
    response.prepare_payload();
    return response;
}

Response script_response(std::string_view javascript) {
    Response response{bhttp::status::ok, 11};
    response.set(bhttp::field::content_type, "text/javascript; charset=utf-8");
    response.set(bhttp::field::cache_control, "public, max-age=3600");
    response.set("X-Content-Type-Options", "nosniff");
    response.body() = std::string(javascript);
    response.prepare_payload();
    return response;
}

Response see_other_response(std::string_view location) {
    Response response{bhttp::status::see_other, 11};
    response.set(bhttp::field::location, location);
    response.set(bhttp::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.prepare_payload();
    return response;
}

Response error_response(const Error& error, i18n::Language language) {
    auto response = json_error(status_for(error.kind()), i18n::translate(language, error.message()),
                               error.code());
    switch (error.kind()) {
        case ErrorKind::missing_credentials:
            response.set(bhttp::field::www_authenticate, "Bearer");
            break;
        case ErrorKind::invalid_token:
            response.set(bhttp::field::www_authenticate, "Bearer error=\"invalid_token\"");
            break;
        case ErrorKind::unsupported_encoding:
            // RFC 7694: the codings that are accepted (none but the body as it is).
            response.set(bhttp::field::accept_encoding, "identity");
            break;
        case ErrorKind::rate_limited:
        case ErrorKind::unavailable:
            // A client must always learn when to come back, even if the thrower forgot.
            response.set(bhttp::field::retry_after,
                         std::to_string(error.retry_after() > 0 ? error.retry_after() : 1));
            break;
        default:
            break;
    }
    return response;
}

Response validation_response(const ValidationError& error, i18n::Language language) {
    boost::json::object body;
    for (const auto& field_error : error.errors()) {
        boost::json::array messages;
        for (const auto& message : field_error.messages)
            messages.emplace_back(i18n::translate(language, message));
        body[field_error.field] = std::move(messages);
    }
    return json_response(bhttp::status::bad_request, body);
}

Response internal_error_response(i18n::Language language) {
    return json_error(bhttp::status::internal_server_error,
                      i18n::translate(language, i18n::keys::internal_error), "internal_error");
}

Response not_found_response(i18n::Language language) {
    return json_error(bhttp::status::not_found, i18n::translate(language, i18n::keys::not_found),
                      "not_found");
}

Response method_not_allowed_response(std::string_view method, const std::string& allow,
                                     i18n::Language language) {
    const std::string detail = i18n::translate(
        language, i18n::Message(i18n::keys::method_not_allowed, {{"method", method}}));
    auto response = json_error(bhttp::status::method_not_allowed, detail, "method_not_allowed");
    response.set(bhttp::field::allow, allow);
    return response;
}

Response payload_too_large_response(std::size_t limit, i18n::Language language) {
    return json_error(
        bhttp::status::payload_too_large,
        i18n::translate(language, i18n::Message(i18n::keys::payload_too_large, {{"limit", limit}})),
        "payload_too_large");
}

Response options_response(const std::string& allow) {
    Response response = no_content_response();
    response.set(bhttp::field::allow, allow);
    return response;
}

Response header_too_large_response(i18n::Language language) {
    return json_error(bhttp::status::request_header_fields_too_large,
                      i18n::translate(language, i18n::keys::headers_too_large),
                      "headers_too_large");
}

Response transfer_coding_not_implemented_response(std::string_view coding,
                                                  i18n::Language language) {
    return json_error(
        bhttp::status::not_implemented,
        i18n::translate(language, i18n::Message(i18n::keys::transfer_coding_not_implemented,
                                                {{"coding", coding}})),
        "not_implemented");
}

void add_safety_headers(Response& response) {
    response.set("X-Content-Type-Options", "nosniff");
    auto type = response.find(bhttp::field::content_type);
    if (type == response.end()) return;
    const std::string_view value = type->value();
    auto starts_with = [value](std::string_view prefix) {
        return value.size() >= prefix.size() &&
               beast::iequals(value.substr(0, prefix.size()), prefix);
    };
    // Without a charset a browser may guess one (UTF-7 tricks); our texts are all UTF-8.
    if (!(starts_with("application/json") || starts_with("text/"))) return;
    if (text::ascii_lower(value).find("charset=") != std::string::npos) return;
    response.set(bhttp::field::content_type, std::string(value) + "; charset=utf-8");
}

}  // namespace authd::http
