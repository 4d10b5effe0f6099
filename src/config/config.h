#pragma once
// How AUTH_* settings are declared, read, shown and documented. Each module declares its own
// settings next to its code (`Settings<ModuleSettings>`: name, default, how the value is read
// and shown, what it means); the wiring (app/config.h) puts them in one list, from which come
// the loader, the start-up lines and the table of docs/CONFIGURATION.md. Nothing here knows a
// module: a value's own checks are the module's, called through its declaration.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace authd::config {

// A bad value: the message names the variable and says what is wrong.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Throws ConfigError("<variable>: <reason>").
[[noreturn]] void fail(std::string_view variable, const std::string& reason);

using Getenv = std::function<std::optional<std::string>(const std::string&)>;
// The process's environment.
Getenv process_environment();

// The variables as the loader sees them: set to the empty string is the same as unset.
class Environment {
  public:
    explicit Environment(Getenv getenv) : getenv_(std::move(getenv)) {}
    std::optional<std::string> value(const std::string& variable) const;
    bool given(const std::string& variable) const { return value(variable).has_value(); }

  private:
    Getenv getenv_;
};

// How a declaration reads the text of a variable into its module's settings (throwing
// std::invalid_argument with the reason; the loader adds the name) and shows it at start.
template <class T>
struct Value {
    std::function<void(const std::string& text, T& target)> read;
    std::function<std::string(const T& target)> show;
};

// What the table says of the default: a value as it would be written (`literal`), read as if
// given, or a sentence about one computed from other settings (`computed`).
struct Default {
    std::string_view text;
    bool literal = true;
};
inline Default literal(std::string_view value) {
    return {value, true};
}
inline Default computed(std::string_view note) {
    return {note, false};
}
inline Default none(std::string_view note = "none") {
    return {note, false};
}

template <class T>
struct Setting {
    // `value` is a Value<T>, or what config::integer(), duration(), text() or custom() make:
    // the declarations need not name T again.
    template <class Maker>
    Setting(std::string_view name, Default default_value, std::string_view meaning, Maker value,
            std::function<void(T&)> otherwise = {})
        : name(name),
          default_value(default_value),
          meaning(meaning),
          value(make_value(std::move(value))),
          otherwise(std::move(otherwise)) {}

    std::string_view name;
    Default default_value;
    std::string_view meaning;  // Markdown, for the table
    Value<T> value;
    // Sets the computed default when the variable is not given; empty: T's initializer is it.
    std::function<void(T& target)> otherwise;

  private:
    template <class Maker>
    static Value<T> make_value(Maker maker) {
        if constexpr (std::is_same_v<Maker, Value<T>>)
            return maker;
        else
            return maker(std::type_identity<T>{});
    }
};

// A step between settings: a check across several of them, or (in the wiring) values handed
// from one module's settings to another's before those are read. Throws ConfigError.
template <class T>
using Rule = std::function<void(T& target, const Environment& environment)>;

// A module's settings in the order they are read, described and documented.
template <class T>
class Settings {
  public:
    struct Entry {
        std::optional<Setting<T>> setting;
        Rule<T> rule;
        std::string heading;  // a section of the table
    };

    Settings() = default;
    Settings(std::initializer_list<Setting<T>> settings, Rule<T> rule = {}) {
        for (const auto& setting : settings)
            add(setting);
        if (rule) add(std::move(rule));
    }

    void add(Setting<T> setting) { entries_.push_back({std::move(setting), {}, {}}); }
    void add(Rule<T> rule) { entries_.push_back({std::nullopt, std::move(rule), {}}); }
    void heading(std::string title) { entries_.push_back({std::nullopt, {}, std::move(title)}); }
    // A part's settings, read into `part_member` of T.
    template <class Part>
    void add(Part T::*part_member, const Settings<Part>& part);

    const std::vector<Entry>& entries() const { return entries_; }

    // Reads every setting in order (a setting not given takes its default), running the rules
    // where they stand. Throws ConfigError at the first bad value.
    void load(const Environment& environment, T& target) const;
    // "name = value" of every setting, secrets masked, in order.
    std::vector<std::pair<std::string, std::string>> describe(const T& target) const;
    // The tables of docs/CONFIGURATION.md: under each heading, one row per setting.
    std::string markdown() const;

  private:
    std::vector<Entry> entries_;
};

// ---- Readers for the usual kinds of value. `field` is a member pointer, or member() of a
// nested one.

// The value at `t.*first.*then...`: member(&Mail::sender, &Sender::retry_base).
template <class First, class... Rest>
auto member(First first, Rest... rest) {
    return [=](auto& target) -> auto& {
        if constexpr (sizeof...(Rest) == 0)
            return target.*first;
        else
            return member(rest...)(target.*first);
    };
}

// Parses a whole number within [min, max] (std::invalid_argument otherwise).
template <class Integer>
Integer parse_integer(const std::string& text, Integer min, Integer max);

// Parses "900", "900s", "15m", "12h", "1d" into seconds; nullopt when malformed or negative.
std::optional<std::int64_t> parse_duration(const std::string& text);
// parse_duration() or std::invalid_argument; at least `min` seconds.
std::int64_t parse_seconds(const std::string& text, std::int64_t min);
// The comma-separated entries of `text`, trimmed, empty ones left out.
std::vector<std::string> parse_list(const std::string& text);
// Throws std::invalid_argument unless `url` is an absolute URL of one of `schemes` (the
// message masks its credentials).
void check_url(const std::string& url, std::initializer_list<std::string_view> schemes);
// The number of cores (at least 1): the default of the thread counts.
unsigned cores();

// A whole number within [min, max].
template <class Field>
auto integer(Field field, std::int64_t min, std::int64_t max) {
    return [=]<class T>(std::type_identity<T>) {
        using Integer = std::remove_cvref_t<std::invoke_result_t<Field, T&>>;
        return Value<T>{
            [=](const std::string& text, T& target) {
                std::invoke(field, target) = parse_integer<Integer>(text, static_cast<Integer>(min),
                                                                    static_cast<Integer>(max));
            },
            [=](const T& target) { return std::to_string(std::invoke(field, target)); }};
    };
}

// Seconds, as std::int64_t or std::chrono::seconds; shown as "<n>s".
template <class Field>
auto duration(Field field, std::int64_t min) {
    return [=]<class T>(std::type_identity<T>) {
        using Stored = std::remove_cvref_t<std::invoke_result_t<Field, T&>>;
        return Value<T>{[=](const std::string& text, T& target) {
                            std::invoke(field, target) = Stored(parse_seconds(text, min));
                        },
                        [=](const T& target) {
                            const auto& stored = std::invoke(field, target);
                            if constexpr (std::is_same_v<Stored, std::chrono::seconds>)
                                return std::to_string(stored.count()) + "s";
                            else
                                return std::to_string(stored) + "s";
                        }};
    };
}

// Any text, taken as given.
template <class Field>
auto text(Field field) {
    return [=]<class T>(std::type_identity<T>) {
        return Value<T>{
            [=](const std::string& given, T& target) { std::invoke(field, target) = given; },
            [=](const T& target) { return std::string(std::invoke(field, target)); }};
    };
}

// A value of its own kind: `read(text, target)` and `show(target)` written by the module.
template <class Read, class Show>
auto custom(Read read, Show show) {
    return [=]<class T>(std::type_identity<T>) {
        return Value<T>{[=](const std::string& given, T& target) { read(given, target); },
                        [=](const T& target) { return std::string(show(target)); }};
    };
}

// The URL (or libpq key=value string) with every credential replaced by "***", whatever its
// form: the password of the userinfo, and the values of the parameters `password`,
// `sslpassword` and `passfile` (names percent-decoded and in any case, in the query or as
// key=value words). Written for log lines: when in doubt it hides more.
std::string mask_url_password(const std::string& url);

// ---- Below: the templates' bodies.

template <class Integer>
Integer parse_integer(const std::string& text, Integer min, Integer max) {
    Integer value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty())
        throw std::invalid_argument("expected a whole number, got \"" + text + "\"");
    if (value < min || value > max)
        throw std::invalid_argument("must be between " + std::to_string(min) + " and " +
                                    std::to_string(max) + ", got " + text);
    return value;
}

template <class T>
template <class Part>
void Settings<T>::add(Part T::*part_member, const Settings<Part>& part) {
    for (const auto& entry : part.entries()) {
        if (entry.setting) {
            const Setting<Part>& inner = *entry.setting;
            Setting<T> outer{inner.name, inner.default_value, inner.meaning,
                             Value<T>{[part_member, read = inner.value.read](
                                          const std::string& text, T& target) {
                                          read(text, target.*part_member);
                                      },
                                      [part_member, show = inner.value.show](const T& target) {
                                          return show(target.*part_member);
                                      }}};
            if (inner.otherwise)
                outer.otherwise = [part_member, otherwise = inner.otherwise](T& target) {
                    otherwise(target.*part_member);
                };
            add(std::move(outer));
        } else if (entry.rule) {
            add(Rule<T>(
                [part_member, rule = entry.rule](T& target, const Environment& environment) {
                    rule(target.*part_member, environment);
                }));
        } else {
            heading(entry.heading);
        }
    }
}

template <class T>
void Settings<T>::load(const Environment& environment, T& target) const {
    for (const auto& entry : entries_) {
        if (entry.rule) {
            entry.rule(target, environment);
        } else if (entry.setting) {
            const Setting<T>& setting = *entry.setting;
            const std::string name(setting.name);
            if (auto text = environment.value(name)) {
                try {
                    setting.value.read(*text, target);
                } catch (const std::invalid_argument& e) {
                    fail(name, e.what());
                }
            } else if (setting.otherwise) {
                setting.otherwise(target);
            }
        }
    }
}

template <class T>
std::vector<std::pair<std::string, std::string>> Settings<T>::describe(const T& target) const {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& entry : entries_)
        if (entry.setting)
            lines.emplace_back(std::string(entry.setting->name), entry.setting->value.show(target));
    return lines;
}

std::string markdown_heading(std::string_view title);
std::string markdown_row(std::string_view name, const Default& default_value,
                         std::string_view meaning);

template <class T>
std::string Settings<T>::markdown() const {
    std::string out;
    for (const auto& entry : entries_) {
        if (!entry.heading.empty())
            out += (out.empty() ? "" : "\n") + markdown_heading(entry.heading);
        else if (entry.setting)
            out += markdown_row(entry.setting->name, entry.setting->default_value,
                                entry.setting->meaning);
    }
    return out;
}

}  // namespace authd::config
