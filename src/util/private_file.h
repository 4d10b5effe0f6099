#pragma once
// Creating a file that holds a secret (a signing key, the installation secret) exactly once,
// even when several processes start together on a shared volume.
#include <string>
#include <string_view>

#include "util/random.h"

namespace authd {

// Publishes `content` at `path` all at once with mode 0600, creating its directory. Returns
// false when another process created the file first: that file's content is the one to use.
// `what` names the file in errors ("signing key file"). Throws std::runtime_error.
bool publish_private_file(const std::string& path, std::string_view content, Random& random,
                          std::string_view what);

}  // namespace authd
