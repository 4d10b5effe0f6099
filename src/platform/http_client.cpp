#include "platform/http_client.h"

#include <curl/curl.h>

#include <memory>

namespace authd::platform {
namespace {

struct EasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Answer {
    std::string body;
    bool too_long = false;
};

std::size_t collect_answer(char* data, std::size_t size, std::size_t count, void* user_data) {
    auto* answer = static_cast<Answer*>(user_data);
    const std::size_t length = size * count;
    if (answer->body.size() + length > max_answer_bytes) {
        answer->too_long = true;
        return 0;  // aborts the transfer
    }
    answer->body.append(data, length);
    return length;
}

// Called about once a second while a transfer waits, and often while it moves: nonzero aborts.
int abort_when_stopping(void* user_data, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::stop_token*>(user_data)->stop_requested() ? 1 : 0;
}

class CurlHttpClient final : public HttpClient {
  public:
    HttpResult send(const HttpRequest& request, std::stop_token stop) override {
        HttpResult result;
        // A fresh handle per call: nothing shared between threads.
        const std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
        if (!easy) {
            result.kind = HttpResult::Kind::unreachable;
            result.error = "curl_easy_init failed";
            return result;
        }
        CURL* handle = easy.get();
        curl_slist* raw_headers = nullptr;
        for (const auto& [name, value] : request.headers)
            raw_headers = curl_slist_append(raw_headers, (name + ": " + value).c_str());
        // libcurl would send "Expect: 100-continue" for larger bodies and wait for it.
        raw_headers = curl_slist_append(raw_headers, "Expect:");
        const std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);
        Answer answer;
        char error_buffer[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        if (request.method == "GET") curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
        if (request.body) {
            curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body->data());
            curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body->size()));
        }
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "authd");
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_answer);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer);
        curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout_ms));
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded process
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &stop);
        curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);

        const CURLcode code = curl_easy_perform(handle);
        if (code == CURLE_ABORTED_BY_CALLBACK && stop.stop_requested()) throw CallCancelled();
        if (code == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
            result.status = static_cast<int>(status);
            result.body = std::move(answer.body);
            return result;
        }
        result.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        switch (code) {
            case CURLE_COULDNT_RESOLVE_HOST:
            case CURLE_COULDNT_RESOLVE_PROXY:
            case CURLE_COULDNT_CONNECT:
            case CURLE_UNSUPPORTED_PROTOCOL:
            case CURLE_URL_MALFORMAT:
                result.kind = HttpResult::Kind::unreachable;
                break;
            case CURLE_OPERATION_TIMEDOUT:
                result.kind = HttpResult::Kind::timed_out;
                break;
            default:
                result.kind = HttpResult::Kind::broken;
                if (answer.too_long) result.error = "the answer is longer than 1 MiB";
                break;
        }
        return result;
    }
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_http_client() {
    return std::make_unique<CurlHttpClient>();
}

}  // namespace authd::platform
