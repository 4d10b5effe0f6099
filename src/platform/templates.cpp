#include "platform/templates.h"

#include <boost/json.hpp>
#include <functional>

namespace authd::platform {
namespace {

namespace json = boost::json;

const std::string* value_of(std::string_view name, const TemplateValues& values) {
    if (name == "username") return &values.username;
    if (name == "old_username") return &values.old_username;
    if (name == "new_username") return &values.new_username;
    if (name == "email") return &values.email;
    return nullptr;
}

// Walks the template: literal text and `{name}` placeholders. Returns a problem, or nullopt
// once every piece went to `literal` or `placeholder`.
std::optional<std::string> walk(std::string_view text,
                                const std::function<void(std::string_view)>& literal,
                                const std::function<void(std::string_view)>& placeholder) {
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            literal(text.substr(i, 1));
            i += 2;
            continue;
        }
        if (c == '}') return "a '}' without its '{' (write '}}' for a literal brace)";
        if (c == '{') {
            const std::size_t close = text.find('}', i + 1);
            if (close == std::string_view::npos)
                return "a '{' that is never closed (write '{{' for a literal brace)";
            const std::string_view name = text.substr(i + 1, close - i - 1);
            if (!value_of(name, TemplateValues{}))
                return "unknown placeholder {" + std::string(name) +
                       "} (expected {username}, {old_username}, {new_username} or {email})";
            placeholder(name);
            i = close + 1;
            continue;
        }
        const std::size_t next = text.find_first_of("{}", i);
        const std::size_t end = next == std::string_view::npos ? text.size() : next;
        literal(text.substr(i, end - i));
        i = end;
    }
    return std::nullopt;
}

std::string render(std::string_view text, const TemplateValues& values, bool url) {
    std::string out;
    const auto problem = walk(
        text, [&](std::string_view piece) { out += piece; },
        [&](std::string_view name) {
            const std::string& value = *value_of(name, values);
            out += url ? percent_encode(value) : value;
        });
    // Templates are checked when the file is read.
    if (problem) throw std::logic_error("template not checked: " + *problem);
    return out;
}

}  // namespace

std::optional<std::string> template_problem(std::string_view text) {
    return walk(
        text, [](std::string_view) {}, [](std::string_view) {});
}

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
            byte == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0F];
        }
    }
    return out;
}

std::string render_url(std::string_view url_template, const TemplateValues& values) {
    return render(url_template, values, true);
}

json::value render_body(const json::value& body_template, const TemplateValues& values) {
    switch (body_template.kind()) {
        case json::kind::string:
            return json::string(render(body_template.get_string(), values, false));
        case json::kind::array: {
            json::array out;
            for (const json::value& item : body_template.get_array())
                out.push_back(render_body(item, values));
            return out;
        }
        case json::kind::object: {
            json::object out;
            for (const auto& [key, item] : body_template.get_object())
                out[render(key, values, false)] = render_body(item, values);
            return out;
        }
        default:
            return body_template;
    }
}

}  // namespace authd::platform
