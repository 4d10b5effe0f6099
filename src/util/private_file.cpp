#include "util/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "util/log.h"

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
    make_private_directory(directory.string(), "the directory of " + description, false);

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

namespace {

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

void make_private_directory(const std::string& path, std::string_view what, bool tighten_existing) {
    const std::string description = std::string(what) + " '" + path + "'";
    // Parent first: each directory created here is 0700, whatever the umask.
    std::filesystem::path partial;
    for (const auto& part : std::filesystem::path(path)) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) == 0) {
            if (::chmod(partial.c_str(), 0700) != 0)
                throw std::runtime_error("cannot make " + description +
                                         " private: " + std::strerror(errno));
        } else if (errno != EEXIST) {
            throw std::runtime_error("cannot create " + description + ": " + std::strerror(errno));
        }
    }
    if (!tighten_existing) return;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
        throw std::runtime_error("cannot create " + description + ": not a directory");
    if ((info.st_mode & 077) == 0) return;
    if (info.st_uid != ::geteuid() || (info.st_mode & S_ISVTX) != 0) {
        log::warn(std::string(what) + " '" + path + "' is shared (mode " + octal(info.st_mode) +
                  "): its files are kept owner-only");
        return;
    }
    if (::chmod(path.c_str(), 0700) == 0)
        log::info(std::string(what) + " '" + path + "' made owner-only (mode was " +
                  octal(info.st_mode) + ")");
    else
        log::warn("cannot make " + description + " owner-only: " + std::strerror(errno));
}

void create_private_file(const std::string& path, std::string_view what) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return;
        throw std::runtime_error("cannot create " + std::string(what) + " '" + path +
                                 "': " + std::strerror(errno));
    }
    const bool fixed = ::fchmod(fd, 0600) == 0;  // the umask may have taken the owner's bits
    ::close(fd);
    if (!fixed)
        throw std::runtime_error("cannot make " + std::string(what) + " '" + path +
                                 "' private: " + std::strerror(errno));
}

void tighten_private_file(const std::string& path, std::string_view what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return;
    if ((info.st_mode & 077) == 0) return;
    if (::chmod(path.c_str(), 0600) == 0)
        log::info(std::string(what) + " '" + path + "' made owner-only (mode was " +
                  octal(info.st_mode) + ")");
    else
        log::warn(std::string(what) + " '" + path + "' stays readable by others (mode " +
                  octal(info.st_mode) + "): " + std::strerror(errno));
}

}  // namespace authd
