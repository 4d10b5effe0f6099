#include "util/json_text.h"

#include <boost/json/serialize.hpp>

#include "util/utf8.h"

namespace authd {

std::string json_text(const boost::json::value& value) {
    std::string text = boost::json::serialize(value);
    if (utf8::is_valid(text)) return text;
    return utf8::repaired(text);
}

}  // namespace authd
