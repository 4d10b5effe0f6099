#include <curl/curl.h>

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

#include "mail/transport.h"
#include "util/text.h"

namespace authd::mail {
namespace {

struct SmtpSettings {
    std::string url;  // "smtp://host:port" or "smtps://host:port", never with credentials
    bool implicit_tls = false;
    bool require_tls = false;
    std::string user;
    std::string password;
    bool has_credentials = false;
    long timeout_seconds = 0;
};

// Never echoes the URL itself: it may carry a password.
[[noreturn]] void refuse_url(const std::string& reason) {
    throw std::invalid_argument("invalid mail URL: " + reason);
}

SmtpSettings parse_smtp_url(const std::string& url, bool require_tls, long timeout_seconds) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) refuse_url("not a URL of the form smtp[s]://[user:password@]host[:port]");
    const boost::urls::url_view& view = *parsed;

    SmtpSettings settings;
    const std::string scheme = text::ascii_lower(view.scheme());
    if (scheme != "smtp" && scheme != "smtps") {
        refuse_url("the scheme must be smtp or smtps, not '" + scheme + "'");
    }
    settings.implicit_tls = scheme == "smtps";
    settings.require_tls = require_tls || settings.implicit_tls;

    std::string host;
    switch (view.host_type()) {
        case boost::urls::host_type::ipv4:
            host = view.host_address();
            break;
        case boost::urls::host_type::ipv6:
            host = "[" + view.host_address() + "]";
            break;
        case boost::urls::host_type::name:
            host = view.host_address();
            // A decoded reg-name could hold anything; a DNS name is all that makes sense here.
            for (char c : host) {
                if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') {
                    refuse_url("the host name holds an unexpected character");
                }
            }
            break;
        default:
            break;
    }
    if (host.empty()) refuse_url("a host is required");

    unsigned port = settings.implicit_tls ? 465 : 25;
    if (view.has_port()) {
        const std::string_view text = view.port();
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() || port == 0 ||
            port > 65535) {
            refuse_url("the port must be a number from 1 to 65535");
        }
    }
    if (!(view.encoded_path().empty() || view.encoded_path() == "/") || view.has_query() ||
        view.has_fragment()) {
        refuse_url("no path, query or fragment is expected after host:port");
    }

    if (view.has_userinfo()) {
        settings.user = view.user();
        settings.password = view.password();
        settings.has_credentials = true;
        if (settings.user.empty()) refuse_url("a user name is required before '@'");
    }
    if (timeout_seconds <= 0) refuse_url("the timeout must be a positive number of seconds");
    settings.timeout_seconds = timeout_seconds;
    settings.url = scheme + "://" + host + ":" + std::to_string(port);
    return settings;
}

// Feeds the MIME text to libcurl in whatever pieces it asks for.
struct Upload {
    std::string_view remaining;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user_data) {
    auto* upload = static_cast<Upload*>(user_data);
    const std::size_t length = std::min(size * count, upload->remaining.size());
    std::memcpy(buffer, upload->remaining.data(), length);
    upload->remaining.remove_prefix(length);
    return length;
}

// libcurl calls this often while a transfer moves and about once a second while it waits (on a
// connection, a greeting, an answer): a nonzero return aborts the transfer.
int abort_when_stopping(void* user_data, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::stop_token*>(user_data)->stop_requested() ? 1 : 0;
}

struct EasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

class SmtpTransport final : public Transport {
  public:
    explicit SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {}

    void deliver(const Envelope& envelope, const std::string& mime, std::stop_token stop) override {
        // The envelope goes into SMTP commands: refuse anything but plain addresses.
        for (const std::string* address : {&envelope.from_address, &envelope.to_address}) {
            bool plain = false;
            try {
                plain = bare_address(*address) == *address;
            } catch (const HeaderInjection&) {
            }
            if (!plain) throw DeliveryError("SMTP envelope address is not plain", true);
        }

        // A fresh handle per message: simple, and nothing is shared between threads.
        const std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
        if (!easy) throw DeliveryError("SMTP: curl_easy_init failed", false);
        const std::unique_ptr<curl_slist, SlistDeleter> recipients(
            curl_slist_append(nullptr, ("<" + envelope.to_address + ">").c_str()));
        if (!recipients) throw DeliveryError("SMTP: out of memory", false);
        const std::string mail_from = "<" + envelope.from_address + ">";
        Upload upload{mime};
        char error_buffer[CURL_ERROR_SIZE] = {};

        CURL* handle = easy.get();
        curl_easy_setopt(handle, CURLOPT_URL, settings_.url.c_str());
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
        curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
        curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
        curl_easy_setopt(
            handle, CURLOPT_USE_SSL,
            static_cast<long>(settings_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
        if (settings_.has_credentials) {
            curl_easy_setopt(handle, CURLOPT_USERNAME, settings_.user.c_str());
            curl_easy_setopt(handle, CURLOPT_PASSWORD, settings_.password.c_str());
        }
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, settings_.timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_TIMEOUT, settings_.timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded process
        curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &stop);

        if (stop.stop_requested()) throw DeliveryCancelled();
        const CURLcode result = curl_easy_perform(handle);
        if (result == CURLE_OK) return;
        if (result == CURLE_ABORTED_BY_CALLBACK) throw DeliveryCancelled();

        long response_code = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response_code);
        std::string message = "SMTP delivery through " + settings_.url + " failed: ";
        message += error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result);
        if (response_code != 0)
            message += " (server answered " + std::to_string(response_code) + ")";
        throw DeliveryError(without_password(std::move(message)), response_code / 100 == 5);
    }

  private:
    // Belt and braces: libcurl's messages should not quote the password, but make sure.
    std::string without_password(std::string message) const {
        const std::string& password = settings_.password;
        if (password.empty()) return message;
        for (std::size_t at = message.find(password); at != std::string::npos;
             at = message.find(password, at + 3)) {
            message.replace(at, password.size(), "***");
        }
        return message;
    }

    SmtpSettings settings_;
};

}  // namespace

std::unique_ptr<Transport> make_smtp_transport(const std::string& url, bool require_tls,
                                               long timeout_seconds) {
    SmtpSettings settings = parse_smtp_url(url, require_tls, timeout_seconds);
    // curl_global_init is not thread-safe on every build: once, before any handle exists.
    static std::once_flag curl_initialised;
    std::call_once(curl_initialised, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
    });
    return std::make_unique<SmtpTransport>(std::move(settings));
}

}  // namespace authd::mail
