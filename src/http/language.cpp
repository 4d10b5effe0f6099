#include "http/language.h"

#include <iterator>

namespace authd::http {
namespace {

// A `lang` header sent once; "" when absent or repeated (no way to tell which one counts).
std::string_view single_header(const Request& request, std::string_view name) {
    const auto [first, last] = request.equal_range(name);
    if (first == last || std::next(first) != last) return {};
    return first->value();
}

// Several Accept-Language lines are one comma-separated list, in order (RFC 9110 5.3).
std::string joined_header(const Request& request, std::string_view name) {
    std::string joined;
    const auto [first, last] = request.equal_range(name);
    for (auto it = first; it != last; ++it) {
        if (!joined.empty()) joined += ',';
        joined += it->value();
    }
    return joined;
}

}  // namespace

i18n::Language request_language(const Request& request, std::optional<i18n::Language> user) {
    return i18n::choose(single_header(request, "lang"), joined_header(request, "Accept-Language"),
                        user);
}

i18n::Language request_language(const RequestContext& context) {
    return request_language(context.request, context.user_language);
}

std::string translate(const RequestContext& context, const i18n::Message& message) {
    return i18n::translate(request_language(context), message);
}

}  // namespace authd::http
