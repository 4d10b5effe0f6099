#pragma once
// A message to show a person, before it is put into words: a catalogue key and named arguments.
// Domain code builds these; the edge (HTTP answers, pages, e-mails) translates them into the
// language of the person reading (i18n/catalog.h).
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::i18n {

class Key;
namespace detail {
// Only i18n/keys.h makes keys, so every key in use is one the catalogue test knows.
struct KeyFactory {
    static constexpr Key make(std::string_view name);
};
}  // namespace detail

// A message's name in the catalogues. The constants are in i18n/keys.h.
class Key {
  public:
    constexpr std::string_view name() const { return name_; }
    friend constexpr bool operator==(Key a, Key b) { return a.name_ == b.name_; }

  private:
    friend struct detail::KeyFactory;
    constexpr explicit Key(std::string_view name) : name_(name) {}
    std::string_view name_;
};

constexpr Key detail::KeyFactory::make(std::string_view name) {
    return Key(name);
}

// One named argument, filling `{name}` in the text. Numbers are written in decimal; the one
// named "count" also chooses between a message's singular and plural forms.
struct Arg {
    Arg(std::string arg_name, std::string arg_value)
        : name(std::move(arg_name)), value(std::move(arg_value)) {}
    Arg(std::string arg_name, std::string_view arg_value)
        : name(std::move(arg_name)), value(arg_value) {}
    Arg(std::string arg_name, const char* arg_value)
        : name(std::move(arg_name)), value(arg_value) {}
    template <std::integral Number>
    requires(!std::same_as<Number, bool> && !std::same_as<Number, char>)
        Arg(std::string arg_name, Number number)
        : name(std::move(arg_name)), value(std::to_string(number)) {}

    std::string name;
    std::string value;
};

class Message {
  public:
    Message(Key key) : key_(key) {}  // NOLINT: a bare key is a message without arguments
    Message(Key key, std::vector<Arg> args) : key_(key), args_(std::move(args)) {}

    Key key() const { return key_; }
    const std::vector<Arg>& args() const { return args_; }
    // The value of argument `name`, if given.
    std::optional<std::string_view> arg(std::string_view name) const {
        for (const Arg& a : args_)
            if (a.name == name) return a.value;
        return std::nullopt;
    }

    friend bool operator==(const Message& a, const Message& b) {
        if (!(a.key_ == b.key_) || a.args_.size() != b.args_.size()) return false;
        for (std::size_t i = 0; i < a.args_.size(); ++i)
            if (a.args_[i].name != b.args_[i].name || a.args_[i].value != b.args_[i].value)
                return false;
        return true;
    }

  private:
    Key key_;
    std::vector<Arg> args_;
};

}  // namespace authd::i18n
