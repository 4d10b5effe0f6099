#include "platform/hooks_file.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "crypto/base64url.h"
#include "platform/templates.h"

namespace authd::platform {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
// Keys of the export document that authd writes itself.
constexpr std::array<std::string_view, 5> kReservedExportKeys = {"format", "times", "account",
                                                                 "sessions", "security_events"};
constexpr double kMaxTimeoutSeconds = 300;
constexpr std::size_t kMinSecretBytes = 24;
constexpr std::size_t kMaxSecretBytes = 64;

[[noreturn]] void fail(const std::string& place, const std::string& problem) {
    throw HooksFileError((place.empty() ? std::string("the file") : place) + ": " + problem);
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// `${NAME}` and `${NAME:-default}` replaced from the environment.
std::string expand_environment(std::string_view text, const Getenv& getenv,
                               const std::string& place) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
            out += text[i++];
            continue;
        }
        const std::size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos) fail(place, "a '${' that is never closed");
        const std::string_view inside = text.substr(i + 2, close - i - 2);
        const std::size_t dash = inside.find(":-");
        const std::string name(inside.substr(0, dash));
        const bool valid_name =
            !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
            std::all_of(name.begin(), name.end(), [](char c) { return is_key_char(c); });
        if (!valid_name)
            fail(place, "'${" + std::string(inside) + "}' is not ${NAME} or ${NAME:-default}");
        const std::optional<std::string> value = getenv(name);
        if (value && !value->empty()) {
            out += *value;
        } else if (dash != std::string_view::npos) {
            out += inside.substr(dash + 2);
        } else {
            fail(place, "${" + name + "} is not set and has no default");
        }
        i = close + 1;
    }
    return out;
}

class Reader {
  public:
    explicit Reader(const Getenv& getenv) : getenv_(getenv) {}

    const json::object& object(const json::value& value, const std::string& place,
                               std::initializer_list<std::string_view> allowed) const {
        if (!value.is_object()) fail(place, "expected an object");
        for (const auto& [key, item] : value.get_object()) {
            if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end())
                fail(join(place, key), "unknown field");
        }
        return value.get_object();
    }

    std::string string(const json::object& object, std::string_view key, const std::string& place,
                       bool required) const {
        const json::value* value = object.if_contains(key);
        if (!value) {
            if (required) fail(join(place, key), "required");
            return {};
        }
        if (!value->is_string()) fail(join(place, key), "expected a string");
        return expand_environment(value->get_string(), getenv_, join(place, key));
    }

    // Every string of the value expanded, keys included.
    json::value expand(const json::value& value, const std::string& place) const {
        switch (value.kind()) {
            case json::kind::string:
                return json::string(expand_environment(value.get_string(), getenv_, place));
            case json::kind::array: {
                json::array out;
                std::size_t index = 0;
                for (const json::value& item : value.get_array())
                    out.push_back(expand(item, place + "[" + std::to_string(index++) + "]"));
                return out;
            }
            case json::kind::object: {
                json::object out;
                for (const auto& [key, item] : value.get_object())
                    out[expand_environment(key, getenv_, place)] = expand(item, join(place, key));
                return out;
            }
            default:
                return value;
        }
    }

    static std::string join(const std::string& place, std::string_view key) {
        return place.empty() ? std::string(key) : place + "." + std::string(key);
    }

  private:
    const Getenv& getenv_;
};

void check_template(const std::string& text, const std::string& place) {
    if (auto problem = template_problem(text)) fail(place, *problem);
}

void check_body_templates(const json::value& value, const std::string& place) {
    if (value.is_string()) check_template(std::string(value.get_string()), place);
    if (value.is_array()) {
        std::size_t index = 0;
        for (const json::value& item : value.get_array())
            check_body_templates(item, place + "[" + std::to_string(index++) + "]");
    }
    if (value.is_object()) {
        for (const auto& [key, item] : value.get_object()) {
            check_template(std::string(key), place);
            check_body_templates(item, Reader::join(place, key));
        }
    }
}

std::string read_name(const Reader& reader, const json::object& object, std::string_view key,
                      const std::string& place, bool required) {
    std::string name = reader.string(object, key, place, required);
    if ((required || !name.empty()) &&
        (name.empty() || name.size() > 64 ||
         !std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c); })))
        fail(Reader::join(place, key), "expected 1 to 64 characters from a-z 0-9 _ -");
    return name;
}

std::string read_url(const Reader& reader, const json::object& object, const std::string& place,
                     bool is_template) {
    std::string url = reader.string(object, "url", place, true);
    const std::string where = Reader::join(place, "url");
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        fail(where, "expected an http:// or https:// URL");
    if (is_template) {
        check_template(url, where);
    } else if (url.find_first_of("{}") != std::string::npos) {
        fail(where, "no placeholder is allowed here");
    }
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F)
            fail(where, "a URL cannot hold spaces or control characters");
    }
    return url;
}

std::int64_t read_timeout(const json::object& object, const std::string& place) {
    const json::value* value = object.if_contains("timeout");
    if (!value) return 5000;
    const std::string where = Reader::join(place, "timeout");
    if (!value->is_number()) fail(where, "expected a number of seconds");
    const double seconds = value->to_number<double>();
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxTimeoutSeconds)
        fail(where, "expected more than 0 and at most 300 seconds");
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(seconds * 1000));
}

std::vector<int> read_success(const json::object& object, const std::string& place, bool required) {
    const json::value* value = object.if_contains("success");
    const std::string where = Reader::join(place, "success");
    if (!value) {
        if (required) fail(where, "required");
        return {200};
    }
    if (!value->is_array() || value->get_array().empty())
        fail(where, "expected a list of one or more statuses");
    std::vector<int> statuses;
    for (const json::value& item : value->get_array()) {
        if (!item.is_int64() || item.get_int64() < 100 || item.get_int64() > 599)
            fail(where, "expected statuses from 100 to 599");
        const int status = static_cast<int>(item.get_int64());
        if (std::find(statuses.begin(), statuses.end(), status) != statuses.end())
            fail(where, "status " + std::to_string(status) + " is listed twice");
        statuses.push_back(status);
    }
    return statuses;
}

CallTemplate read_call(const Reader& reader, const json::value& value, const std::string& place,
                       const std::string& inherited_service, bool with_undo) {
    const json::object& object =
        with_undo
            ? reader.object(value, place,
                            {"service", "method", "url", "body", "success", "timeout", "undo"})
            : reader.object(value, place,
                            {"service", "method", "url", "body", "success", "timeout"});
    CallTemplate call;
    call.service = read_name(reader, object, "service", place, inherited_service.empty());
    if (call.service.empty()) call.service = inherited_service;
    call.method = reader.string(object, "method", place, true);
    if (std::find(kMethods.begin(), kMethods.end(), call.method) == kMethods.end())
        fail(Reader::join(place, "method"), "expected GET, POST, PUT, PATCH or DELETE");
    call.url = read_url(reader, object, place, true);
    if (const json::value* body = object.if_contains("body")) {
        call.body = reader.expand(*body, Reader::join(place, "body"));
        check_body_templates(*call.body, Reader::join(place, "body"));
    }
    call.success = read_success(object, place, true);
    call.timeout_ms = read_timeout(object, place);
    return call;
}

const json::array& list(const json::object& top, std::string_view key) {
    static const json::array empty;
    const json::value* value = top.if_contains(key);
    if (!value) return empty;
    if (!value->is_array()) fail(std::string(key), "expected a list");
    return value->get_array();
}

std::vector<HookCall> read_hook_calls(const Reader& reader, const json::object& top,
                                      std::string_view key, bool undo_required) {
    std::vector<HookCall> calls;
    std::size_t index = 0;
    for (const json::value& item : list(top, key)) {
        const std::string place = std::string(key) + "[" + std::to_string(index++) + "]";
        HookCall hook;
        hook.call = read_call(reader, item, place, "", undo_required);
        if (undo_required) {
            const json::value* undo = item.get_object().if_contains("undo");
            if (!undo)
                fail(place + ".undo", "required: every call of " + std::string(key) +
                                          " must say how it is taken back");
            hook.undo = read_call(reader, *undo, place + ".undo", hook.call.service, false);
        }
        calls.push_back(std::move(hook));
    }
    return calls;
}

std::vector<ExportCall> read_export_calls(const Reader& reader, const json::object& top) {
    std::vector<ExportCall> calls;
    std::size_t index = 0;
    for (const json::value& item : list(top, "export")) {
        const std::string place = "export[" + std::to_string(index++) + "]";
        const json::object& object =
            reader.object(item, place, {"service", "method", "url", "key", "success", "timeout"});
        ExportCall call;
        call.call.service = read_name(reader, object, "service", place, true);
        call.call.method = reader.string(object, "method", place, false);
        if (call.call.method.empty()) call.call.method = "GET";
        if (call.call.method != "GET") fail(place + ".method", "an export call is a GET");
        call.call.url = read_url(reader, object, place, true);
        call.call.success = read_success(object, place, false);
        call.call.timeout_ms = read_timeout(object, place);
        call.key = reader.string(object, "key", place, true);
        if (call.key.empty() || call.key.size() > 64 ||
            !std::all_of(call.key.begin(), call.key.end(), [](char c) { return is_key_char(c); }))
            fail(place + ".key", "expected 1 to 64 characters from A-Z a-z 0-9 _");
        if (std::find(kReservedExportKeys.begin(), kReservedExportKeys.end(), call.key) !=
            kReservedExportKeys.end())
            fail(place + ".key", "\"" + call.key + "\" is a key of authd's own export");
        for (const ExportCall& other : calls) {
            if (other.key == call.key) fail(place + ".key", "\"" + call.key + "\" is used twice");
        }
        calls.push_back(std::move(call));
    }
    return calls;
}

std::vector<Subscriber> read_subscribers(const Reader& reader, const json::object& top) {
    std::vector<Subscriber> subscribers;
    std::size_t index = 0;
    for (const json::value& item : list(top, "subscribers")) {
        const std::string place = "subscribers[" + std::to_string(index++) + "]";
        const json::object& object =
            reader.object(item, place, {"name", "url", "secret", "events", "timeout"});
        Subscriber subscriber;
        subscriber.name = read_name(reader, object, "name", place, true);
        for (const Subscriber& other : subscribers) {
            if (other.name == subscriber.name)
                fail(place + ".name", "\"" + subscriber.name + "\" is used twice");
        }
        subscriber.url = read_url(reader, object, place, false);
        const std::string secret = reader.string(object, "secret", place, true);
        const std::optional<std::string> key =
            secret.rfind("whsec_", 0) == 0 ? crypto::base64_decode(secret.substr(6)) : std::nullopt;
        if (!key || key->size() < kMinSecretBytes || key->size() > kMaxSecretBytes)
            fail(place + ".secret", "expected whsec_ and the base64 of 24 to 64 random bytes");
        subscriber.key = *key;
        if (const json::value* events = object.if_contains("events")) {
            if (!events->is_array()) fail(place + ".events", "expected a list of event types");
            for (const json::value& type : events->get_array()) {
                const bool known =
                    type.is_string() &&
                    std::find(event_types.begin(), event_types.end(),
                              std::string_view(type.get_string())) != event_types.end();
                if (!known)
                    fail(place + ".events",
                         "expected event types of docs/HOOKS.md, got " + json::serialize(type));
                subscriber.events.emplace_back(type.get_string());
            }
        }
        subscriber.timeout_ms = read_timeout(object, place);
        subscribers.push_back(std::move(subscriber));
    }
    return subscribers;
}

}  // namespace

std::string_view change_name(auth::PlatformChange change) {
    switch (change) {
        case auth::PlatformChange::create:
            return "create";
        case auth::PlatformChange::rename:
            return "rename";
        case auth::PlatformChange::remove:
            return "delete";
        case auth::PlatformChange::export_data:
            return "export";
    }
    return "?";
}

bool Subscriber::receives(std::string_view type) const {
    return events.empty() || std::find(events.begin(), events.end(), type) != events.end();
}

const std::vector<HookCall>& HooksFile::calls(auth::PlatformChange change) const {
    static const std::vector<HookCall> none;
    switch (change) {
        case auth::PlatformChange::create:
            return create;
        case auth::PlatformChange::rename:
            return rename;
        case auth::PlatformChange::remove:
            return remove;
        case auth::PlatformChange::export_data:
            return none;
    }
    return none;
}

HooksFile parse_hooks_file(std::string_view text, const Getenv& getenv) {
    boost::system::error_code error;
    const json::value document = json::parse(text, error);
    if (error) throw HooksFileError("not valid JSON: " + error.message());
    const Reader reader(getenv);
    const json::object& top = reader.object(
        document, "", {"$schema", "create", "rename", "delete", "export", "subscribers"});
    if (const json::value* schema = top.if_contains("$schema"); schema && !schema->is_string())
        fail("$schema", "expected a string");
    HooksFile file;
    file.create = read_hook_calls(reader, top, "create", true);
    file.rename = read_hook_calls(reader, top, "rename", true);
    file.remove = read_hook_calls(reader, top, "delete", false);
    file.export_calls = read_export_calls(reader, top);
    file.subscribers = read_subscribers(reader, top);
    return file;
}

HooksFile load_hooks_file(const std::string& path, const Getenv& getenv) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw HooksFileError(path + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_hooks_file(text.str(), getenv);
    } catch (const HooksFileError& e) {
        throw HooksFileError(path + ": " + e.what());
    }
}

}  // namespace authd::platform
