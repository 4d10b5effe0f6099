#pragma once
// Files and directories that hold secrets (the keys, the database) are the owner's alone,
// whatever the umask: created 0600 / 0700, and tightened when found looser. A file holding a
// secret (a signing key, the installation secret) is created exactly once, even when several
// processes start together on a shared volume.
#include <string>
#include <string_view>

#include "util/random.h"

namespace authd {

// Publishes `content` at `path` all at once with mode 0600, creating its directory. Returns
// false when another process created the file first: that file's content is the one to use.
// `what` names the file in errors ("signing key file"). Throws std::runtime_error.
bool publish_private_file(const std::string& path, std::string_view content, Random& random,
                          std::string_view what);

// Creates directory `path` and its missing parents with mode 0700. With `tighten_existing`
// (authd's own data directory), an existing one that others may enter is made 0700 too,
// unless it is not the process's own or is a shared directory (sticky, like /tmp): that is
// logged, not changed. Throws std::runtime_error when it cannot be created.
void make_private_directory(const std::string& path, std::string_view what, bool tighten_existing);

// Creates the file `path` empty with mode 0600 when it does not exist (before a library such
// as SQLite creates it 0644). Throws std::runtime_error when it cannot.
void create_private_file(const std::string& path, std::string_view what);

// An existing file at `path` that group or others may access is made 0600 (a secret left by an
// older build, or copied in by hand), and that is logged; a file that cannot be changed (a
// read-only mount, another owner) is logged as a warning. No file: nothing to do.
void tighten_private_file(const std::string& path, std::string_view what);

}  // namespace authd
