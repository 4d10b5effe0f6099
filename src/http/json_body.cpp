#include "http/json_body.h"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <string>
#include <unordered_set>

#include "http/request_checks.h"
#include "util/text.h"
#include "util/utf8.h"

namespace authd::http {
namespace {

constexpr std::size_t max_json_depth = 32;

// The reason is the parser's own, in English: it names the syntax, not a person's mistake.
Error parse_error(std::string_view reason) {
    return Error(ErrorKind::bad_request, "parse_error",
                 i18n::Message(i18n::keys::json_parse_error, {{"reason", reason}}));
}

// boost::json (1.81) silently keeps one of two equal keys; an ambiguous body must be refused
// instead, so this handler for basic_parser only looks at keys, one key set per open object.
class DuplicateKeyFinder {
  public:
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);

    bool found_duplicate = false;

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_array_begin(boost::json::error_code&) { return true; }
    bool on_array_end(std::size_t, boost::json::error_code&) { return true; }
    bool on_object_begin(boost::json::error_code&) {
        open_objects_.emplace_back();
        return true;
    }
    bool on_object_end(std::size_t, boost::json::error_code&) {
        open_objects_.pop_back();
        return true;
    }
    bool on_string_part(boost::json::string_view, std::size_t, boost::json::error_code&) {
        return true;
    }
    bool on_string(boost::json::string_view, std::size_t, boost::json::error_code&) { return true; }
    bool on_key_part(boost::json::string_view part, std::size_t, boost::json::error_code&) {
        key_.append(part.data(), part.size());
        return true;
    }
    bool on_key(boost::json::string_view last, std::size_t, boost::json::error_code& ec) {
        key_.append(last.data(), last.size());
        const bool inserted = open_objects_.back().insert(std::move(key_)).second;
        key_.clear();
        if (!inserted) {
            found_duplicate = true;
            ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        return true;
    }
    bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_int64(std::int64_t, boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, boost::json::string_view, boost::json::error_code&) {
        return true;
    }
    bool on_double(double, boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_bool(bool, boost::json::error_code&) { return true; }
    bool on_null(boost::json::error_code&) { return true; }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

  private:
    std::vector<std::unordered_set<std::string>> open_objects_;
    std::string key_;
};

boost::json::parse_options strict_options() {
    boost::json::parse_options options;
    options.max_depth = max_json_depth;
    return options;
}

// Validates syntax, depth, UTF-8 and key uniqueness in one pass; throws the 400 parse error.
void check_json_text(std::string_view text) {
    boost::json::basic_parser<DuplicateKeyFinder> parser(strict_options());
    boost::json::error_code ec;
    const auto consumed = parser.write_some(false, text.data(), text.size(), ec);
    if (parser.handler().found_duplicate) throw parse_error("duplicate key in object");
    if (ec) throw parse_error(ec.message());
    if (consumed != text.size()) throw parse_error("extra data after the JSON value");
}

// Python's name for the type, as DRF words its message.
std::string_view python_type_name(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::array:
            return "list";
        case boost::json::kind::string:
            return "str";
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
            return "int";
        case boost::json::kind::double_:
            return "float";
        case boost::json::kind::bool_:
            return "bool";
        case boost::json::kind::null:
            return "NoneType";
        case boost::json::kind::object:
            return "dict";
    }
    return "object";
}

}  // namespace

void throw_unsupported_media_type(std::string_view media_type) {
    constexpr std::size_t kMaxQuotedBytes = 100;
    throw Error(ErrorKind::unsupported_media_type, "unsupported_media_type",
                i18n::Message(i18n::keys::unsupported_media_type,
                              {{"media_type", utf8::cleaned(media_type, kMaxQuotedBytes)}}));
}

boost::json::object parse_json_body(const Request& request) {
    const std::string& text = request.body();
    auto content_type_field = request.find(bhttp::field::content_type);
    const bool has_content_type = content_type_field != request.end();
    // As in DRF, an empty body is no data at all, whatever its declared type: the route then
    // reports its required fields instead of a parse error.
    if (text.empty()) return {};
    refuse_content_codings(request);

    std::string_view content_type =
        has_content_type ? std::string_view(content_type_field->value()) : std::string_view{};
    const std::string_view media_type = text::trim(content_type.substr(0, content_type.find(';')));
    if (!text::iequals_ascii(media_type, "application/json"))
        throw_unsupported_media_type(media_type);

    check_json_text(text);
    boost::json::error_code ec;
    boost::json::value value = boost::json::parse(text, ec, {}, strict_options());
    if (ec) throw parse_error(ec.message());

    if (value.is_object()) return std::move(value.as_object());
    // DRF answers a JSON null body with "No data provided" rather than "got NoneType".
    if (value.is_null()) throw ValidationError("non_field_errors", i18n::keys::no_data_provided);
    throw ValidationError("non_field_errors", i18n::Message(i18n::keys::expected_object,
                                                            {{"type", python_type_name(value)}}));
}

BodyFields::BodyFields(const boost::json::object& body) : body_(body) {}

const boost::json::value* BodyFields::typed(std::string_view name, bool required,
                                            bool (boost::json::value::*is_type)() const noexcept,
                                            i18n::Key wrong_type) {
    known_.emplace_back(name);
    const auto* value = body_.if_contains(name);
    if (!value) {
        if (required) errors_.add(std::string(name), i18n::keys::field_required);
        return nullptr;
    }
    if (value->is_null()) {
        errors_.add(std::string(name), i18n::keys::field_null);
        return nullptr;
    }
    if (!(value->*is_type)()) {
        errors_.add(std::string(name), wrong_type);
        return nullptr;
    }
    return value;
}

std::optional<std::string> BodyFields::string(std::string_view name, bool required) {
    const auto* value =
        typed(name, required, &boost::json::value::is_string, i18n::keys::field_not_string);
    if (!value) return std::nullopt;
    const auto& text = value->get_string();
    if (std::string_view(text.data(), text.size()).find('\0') != std::string_view::npos) {
        errors_.add(std::string(name), i18n::keys::null_characters);  // DRF's CharField too
        return std::nullopt;
    }
    // Blankness is judged on a trimmed view only: a password keeps its spaces.
    if (required && text::trim(std::string_view(text.data(), text.size())).empty()) {
        errors_.add(std::string(name), i18n::keys::field_blank);
        return std::nullopt;
    }
    return std::string(text.data(), text.size());
}

std::string BodyFields::required_string(std::string_view name) {
    return string(name, true).value_or(std::string());
}

std::optional<bool> BodyFields::boolean(std::string_view name, bool required) {
    const auto* value =
        typed(name, required, &boost::json::value::is_bool, i18n::keys::field_not_boolean);
    if (!value) return std::nullopt;
    return value->get_bool();
}

std::optional<boost::json::object> BodyFields::object(std::string_view name, bool required) {
    const auto* value =
        typed(name, required, &boost::json::value::is_object, i18n::keys::field_not_object);
    if (!value) return std::nullopt;
    return value->get_object();
}

void BodyFields::refuse(std::string_view name, i18n::Message message) {
    known_.emplace_back(name);
    if (body_.contains(name)) errors_.add(std::string(name), std::move(message));
}

bool BodyFields::null(std::string_view name) {
    known_.emplace_back(name);
    const auto* value = body_.if_contains(name);
    return value && value->is_null();
}

bool BodyFields::has(std::string_view name) const {
    return body_.contains(name);
}

void BodyFields::add_error(const std::string& field, i18n::Message message) {
    errors_.add(field, std::move(message));
}

void BodyFields::finish() {
    for (const auto& member : body_) {
        const std::string_view key(member.key().data(), member.key().size());
        if (std::find(known_.begin(), known_.end(), key) == known_.end())
            errors_.add(std::string(key), i18n::keys::field_unknown);
    }
    errors_.throw_if_any();
}

}  // namespace authd::http
