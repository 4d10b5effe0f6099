#include "util/private_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace authd {
namespace {

void write_all(int fd, std::string_view data, const std::string& description) {
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("writing " + description + " failed: " + std::strerror(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
}

void fsync_directory(const std::filesystem::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // durability is best effort here; the file itself is synced
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

bool publish_private_file(const std::string& path, std::string_view content, Random& random,
                          std::string_view what) {
    const std::string description = std::string(what) + " '" + path + "'";
    const std::filesystem::path target(path);
    const std::filesystem::path directory =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        throw std::runtime_error("cannot create the directory of " + description + ": " +
                                 error.message());

    const std::string temporary = path + ".tmp-" + random.token(9);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot create " + description + ": " + std::strerror(errno));
    try {
        write_all(fd, content, description);
        if (::fsync(fd) != 0)
            throw std::runtime_error("syncing " + description + " failed: " + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    ::close(fd);

    // link() never replaces an existing file, so processes starting together agree on one file;
    // rename() is the fallback for file systems without hard links.
    bool published = true;
    if (::link(temporary.c_str(), path.c_str()) != 0) {
        const int link_error = errno;
        if (link_error == EEXIST) {
            published = false;
        } else if (::rename(temporary.c_str(), path.c_str()) != 0) {
            const int rename_error = errno;
            ::unlink(temporary.c_str());
            throw std::runtime_error("cannot move " + std::string(what) + " into place at '" +
                                     path + "': " + std::strerror(rename_error));
        }
    }
    ::unlink(temporary.c_str());  // harmless ENOENT after a rename
    fsync_directory(directory);
    return published;
}

}  // namespace authd
