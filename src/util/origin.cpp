#include "util/origin.h"

#include <utility>

namespace authd {
namespace {
thread_local Origin t_origin;
}

const Origin& current_origin() { return t_origin; }

OriginScope::OriginScope(Origin origin) : previous_(std::exchange(t_origin, std::move(origin))) {}

OriginScope::~OriginScope() { t_origin = std::move(previous_); }

}  // namespace authd
