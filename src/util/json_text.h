#pragma once
// JSON as it leaves authd (answers, the data export): always valid UTF-8.
#include <boost/json/value.hpp>

#include <string>

namespace authd {

// The JSON text of `value`. Boost.JSON writes a string's bytes as they are, so one string
// holding invalid UTF-8 (a user agent stored by an older build) would make the whole text
// unreadable to a strict client: ill-formed bytes come out as U+FFFD instead. (Outside
// strings JSON text is ASCII, so the repair never touches its structure.)
std::string json_text(const boost::json::value& value);

}  // namespace authd
