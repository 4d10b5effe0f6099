#pragma once
// Outgoing HTTP calls (the platform's services, event subscribers), through libcurl. Blocking:
// run on request threads or the platform's own thread, never on an I/O thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace authd::platform {

struct HttpRequest {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> body;
    std::int64_t timeout_ms = 5000;
};

struct HttpResult {
    enum class Kind {
        answered,     // a status came back
        timed_out,    // no complete answer in time: the service may have acted
        unreachable,  // no connection was made: the service never saw the request
        broken,       // the connection failed after the request went out
    };
    Kind kind = Kind::answered;
    int status = 0;
    std::string body;   // at most max_answer_bytes
    std::string error;  // what went wrong, for logs (never a URL's credentials)
};

// The call was given up because a stop was requested (shutdown).
class CallCancelled : public std::runtime_error {
  public:
    CallCancelled() : std::runtime_error("call cancelled by shutdown") {}
};

class HttpClient {
  public:
    virtual ~HttpClient() = default;
    // Throws CallCancelled soon after `stop` is requested.
    virtual HttpResult send(const HttpRequest& request, std::stop_token stop) = 0;
};

// Answers longer than this are cut off and the call counts as broken.
inline constexpr std::size_t max_answer_bytes = 1 << 20;

std::unique_ptr<HttpClient> make_curl_http_client();

}  // namespace authd::platform
