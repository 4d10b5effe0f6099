#include <cstdio>
#include <mutex>
#include <string>

#include "mail/transport.h"

namespace authd::mail {
namespace {

// The zero-configuration run: every message is printed whole, as MIME text, with LF line
// endings so that it reads naturally on a terminal or in a log.
class ConsoleTransport final : public Transport {
  public:
    void deliver(const Envelope& envelope, const std::string& mime) override {
        std::string text;
        text.reserve(mime.size());
        for (std::size_t i = 0; i < mime.size(); ++i) {
            if (mime[i] == '\r' && i + 1 < mime.size() && mime[i + 1] == '\n') continue;
            text += mime[i];
        }
        if (!text.empty() && text.back() == '\n') text.pop_back();  // the block adds its own

        const std::string block = "----- e-mail to " + envelope.to_address + " -----\n" + text +
                                  "\n----- end of e-mail -----\n";

        // One process-wide lock, so that concurrent messages never interleave on stdout.
        static std::mutex stdout_mutex;
        std::lock_guard lock(stdout_mutex);
        std::fwrite(block.data(), 1, block.size(), stdout);
        std::fflush(stdout);
    }
};

}  // namespace

std::unique_ptr<Transport> make_console_transport() {
    return std::make_unique<ConsoleTransport>();
}

}  // namespace authd::mail
