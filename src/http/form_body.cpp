#include "http/form_body.h"

#include <boost/url/params_view.hpp>

#include <cctype>

#include "http/request_checks.h"
#include "util/errors.h"

namespace authd::http {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string media_type(const Request& request) {
    const auto it = request.find(bhttp::field::content_type);
    if (it == request.end()) return "";
    std::string_view value = it->value();
    return lower(trim_blanks(value.substr(0, value.find(';'))));
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80           ? 1
                             : (c >> 5) == 0x6  ? 2
                             : (c >> 4) == 0xE  ? 3
                             : (c >> 3) == 0x1E ? 4
                                                : 0;
        if (length == 0 || i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
        i += length;
    }
    return true;
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
    if (!is_form_request(request))
        throw Error(ErrorKind::unsupported_media_type, "unsupported_media_type",
                    i18n::Message(i18n::keys::unsupported_media_type,
                                  {{"media_type", media_type(request)}}));
    std::map<std::string, std::string> fields;
    try {
        boost::urls::encoding_opts options;
        options.space_as_plus = true;
        const boost::urls::params_view params(request.body(), options);
        for (const auto& param : params) {
            if (param.key.empty()) continue;
            if (!valid_utf8(param.key) || !valid_utf8(param.value)) malformed();
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
            const std::string_view pair = trim_blanks(header.substr(0, end));
            const auto equals = pair.find('=');
            if (equals != std::string_view::npos && trim_blanks(pair.substr(0, equals)) == name)
                return std::string(trim_blanks(pair.substr(equals + 1)));
            if (end == std::string_view::npos) break;
            header.remove_prefix(end + 1);
        }
    }
    return std::nullopt;
}

bool accepts_json(const Request& request) {
    const auto it = request.find(bhttp::field::accept);
    return it != request.end() && lower(it->value()).find("application/json") != std::string::npos;
}

}  // namespace authd::http
