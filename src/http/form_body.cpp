#include "http/form_body.h"

#include <boost/url/params_view.hpp>

#include <cctype>

#include "http/json_body.h"
#include "http/request_checks.h"
#include "util/errors.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::http {
namespace {

std::string media_type(const Request& request) {
    const auto it = request.find(bhttp::field::content_type);
    if (it == request.end()) return "";
    std::string_view value = it->value();
    return text::ascii_lower(text::trim_blanks(value.substr(0, value.find(';'))));
}

[[noreturn]] void malformed() {
    throw Error(ErrorKind::bad_request, "parse_error", i18n::keys::malformed_form);
}

}  // namespace

bool is_form_request(const Request& request) {
    return media_type(request) == "application/x-www-form-urlencoded";
}

std::map<std::string, std::string> parse_form_body(const Request& request) {
    refuse_content_codings(request);
    if (!is_form_request(request)) throw_unsupported_media_type(media_type(request));
    std::map<std::string, std::string> fields;
    try {
        boost::urls::encoding_opts options;
        options.space_as_plus = true;
        const boost::urls::params_view params(request.body(), options);
        for (const auto& param : params) {
            if (param.key.empty()) continue;
            if (!utf8::is_valid(param.key) || !utf8::is_valid(param.value)) malformed();
            if (!fields.emplace(param.key, param.value).second) malformed();
        }
    } catch (const boost::system::system_error&) {
        malformed();
    }
    return fields;
}

std::optional<std::string> cookie_value(const Request& request, std::string_view name) {
    for (auto it = request.find(bhttp::field::cookie);
         it != request.end() && it->name() == bhttp::field::cookie; ++it) {
        std::string_view header = it->value();
        while (!header.empty()) {
            const auto end = header.find(';');
            const std::string_view pair = text::trim_blanks(header.substr(0, end));
            const auto equals = pair.find('=');
            if (equals != std::string_view::npos &&
                text::trim_blanks(pair.substr(0, equals)) == name)
                return std::string(text::trim_blanks(pair.substr(equals + 1)));
            if (end == std::string_view::npos) break;
            header.remove_prefix(end + 1);
        }
    }
    return std::nullopt;
}

bool accepts_json(const Request& request) {
    const auto it = request.find(bhttp::field::accept);
    return it != request.end() &&
           text::ascii_lower(it->value()).find("application/json") != std::string::npos;
}

}  // namespace authd::http
