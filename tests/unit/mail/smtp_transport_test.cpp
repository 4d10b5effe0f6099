#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stop_token>
#include <string>
#include <thread>

#include "mail/transport.h"

namespace authd {
namespace {

using mail::DeliveryCancelled;
using mail::DeliveryError;
using mail::make_smtp_transport;

// The message of the std::invalid_argument that make_smtp_transport throws, or "".
std::string url_error(const std::string& url) {
    try {
        make_smtp_transport(url, false, 5);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(SmtpTransport, AcceptsSmtpAndSmtpsUrls) {
    for (const char* url :
         {"smtp://mail.example.com", "smtp://mail.example.com:587", "smtps://mail.example.com",
          "SMTP://mail.example.com:2525/", "smtp://user:p%40ss@mail.example.com:587",
          "smtp://127.0.0.1:25", "smtp://[::1]:25", "smtps://user%40example.com:secret@host"}) {
        EXPECT_NO_THROW(make_smtp_transport(url, false, 5)) << url;
    }
}

TEST(SmtpTransport, RefusesOtherUrls) {
    for (const char* url : {"", "mail.example.com", "http://mail.example.com", "smtp://",
                            "smtp://:25", "smtp://mail.example.com:0",
                            "smtp://mail.example.com:70000", "smtp://mail.example.com:2x",
                            "smtp://mail.example.com/path", "smtp://mail.example.com?x=1",
                            "smtp://mail.example.com#f", "smtp://:pw@host", "smtp://ho%2Fst"}) {
        EXPECT_NE(url_error(url), "") << url;
    }
    EXPECT_NE(url_error("http://mail.example.com").find("smtp"), std::string::npos);
    EXPECT_THROW(make_smtp_transport("smtp://mail.example.com", false, 0), std::invalid_argument);
}

TEST(SmtpTransport, UrlErrorsNeverShowThePassword) {
    for (const char* url :
         {"ftp://user:hunter2secret@host", "smtp://user:hunter2secret@host:99999",
          "smtp://user:hunter2secret@host/x", "smtp://user:hunter2secret@ho st"}) {
        const std::string error = url_error(url);
        EXPECT_NE(error, "") << url;
        EXPECT_EQ(error.find("hunter2secret"), std::string::npos) << error;
    }
}

TEST(SmtpTransport, ClosedPortIsATemporaryFailureWithoutThePassword) {
    const auto transport = make_smtp_transport("smtp://user:hunter2secret@127.0.0.1:1", false, 5);
    const mail::Envelope envelope{"noreply@example.com", "alice@example.com"};
    const auto started = std::chrono::steady_clock::now();
    try {
        transport->deliver(envelope, "Subject: x\r\n\r\nhello\r\n", {});
        FAIL() << "delivery to a closed port succeeded";
    } catch (const DeliveryError& e) {
        EXPECT_FALSE(e.permanent()) << e.what();
        EXPECT_EQ(std::string(e.what()).find("hunter2secret"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST(SmtpTransport, EnvelopeWithALineBreakIsRefusedBeforeConnecting) {
    const auto transport = make_smtp_transport("smtp://127.0.0.1:1", false, 5);
    for (const mail::Envelope& envelope :
         {mail::Envelope{"noreply@example.com", "a@b.c\r\nRCPT TO:<x@y.z>"},
          mail::Envelope{"noreply@example.com\r\nDATA", "a@b.c"},
          mail::Envelope{"Name <noreply@example.com>", "a@b.c"}}) {
        try {
            transport->deliver(envelope, "Subject: x\r\n\r\nhello\r\n", {});
            ADD_FAILURE() << "accepted " << envelope.to_address;
        } catch (const DeliveryError& e) {
            EXPECT_TRUE(e.permanent());
        }
    }
}

TEST(SmtpTransport, AStopRequestedBeforehandCancelsWithoutConnecting) {
    // Port 1 is closed: had it connected, this would be a DeliveryError.
    const auto transport = make_smtp_transport("smtp://127.0.0.1:1", false, 5);
    std::stop_source stop;
    stop.request_stop();
    EXPECT_THROW(transport->deliver({"noreply@example.com", "alice@example.com"},
                                    "Subject: x\r\n\r\nhello\r\n", stop.get_token()),
                 DeliveryCancelled);
}

// A server that accepts connections and never says a word.
class SilentServer {
  public:
    SilentServer() {
        listener_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            listen(listener_, 4) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port_ = ntohs(address.sin_port);
    }
    ~SilentServer() {
        if (connection_ >= 0) close(connection_);
        close(listener_);
    }
    int port() const { return port_; }
    // Blocks until a client connects.
    void accept_one() { connection_ = accept(listener_, nullptr, nullptr); }

  private:
    int listener_ = -1;
    int connection_ = -1;
    int port_ = 0;
};

TEST(SmtpTransport, AStopRequestedWhileTheServerIsSilentCancelsBeforeTheTimeout) {
    SilentServer server;
    // With a 60 s timeout, an answer other than DeliveryCancelled would come a minute late.
    const auto transport =
        make_smtp_transport("smtp://127.0.0.1:" + std::to_string(server.port()), false, 60);
    std::stop_source stop;
    std::jthread stopper([&] {
        server.accept_one();  // the transport waits for the greeting from here on
        stop.request_stop();
    });
    EXPECT_THROW(transport->deliver({"noreply@example.com", "alice@example.com"},
                                    "Subject: x\r\n\r\nhello\r\n", stop.get_token()),
                 DeliveryCancelled);
}

}  // namespace
}  // namespace authd
