#include "util/origin.h"

#include <utility>

#include "util/utf8.h"

namespace authd {
namespace {
thread_local Origin t_origin;
}

std::string clean_user_agent(std::string_view header) {
    return utf8::cleaned(header, kMaxUserAgentBytes);
}

const Origin& current_origin() {
    return t_origin;
}

OriginScope::OriginScope(Origin origin) : previous_(std::exchange(t_origin, std::move(origin))) {}

OriginScope::~OriginScope() {
    t_origin = std::move(previous_);
}

}  // namespace authd
