#pragma once
// What the server checks of a request before any route sees it (the target, `Host`, the
// transfer codings: RFC 9112), and what a body reader checks before it reads a body (its
// content coding: RFC 9110 §8.4).
#include <string>
#include <string_view>

#include "http/types.h"

namespace authd::http {

// The path that `target` names, without query or fragment: an origin-form target
// ("/api/auth/login?x=1") as it is, an absolute-form one ("http://host:8000/api/auth/login",
// scheme http or https in any case) without its scheme and authority ("/" when it has no path).
// Anything else comes back as it is (and matches no route).
std::string_view target_path(std::string_view target);

// Whether a request's `Host` headers are what RFC 9112 §3.2 asks: exactly one (none is
// allowed only before HTTP/1.1), whose value is empty or `host[:port]` (a name or IPv4
// address of letters, digits and `-._~!$&'()*+,;=%`, or a bracketed IPv6 address).
bool valid_host_headers(const bhttp::request_header<>& header);

// What the request's Transfer-Encoding headers say about its framing.
struct TransferCodings {
    enum class Verdict {
        none,         // no Transfer-Encoding: Content-Length (or nothing) frames the body
        chunked,      // just "chunked", which the parser takes out
        unsupported,  // a coding other than chunked (`coding` names it): 501
        malformed,    // chunked twice, or not last; an empty list; Transfer-Encoding in HTTP/1.0
    };
    Verdict verdict = Verdict::none;
    std::string coding;
};
TransferCodings transfer_codings(const bhttp::request_header<>& header);

// Throws Error(ErrorKind::unsupported_encoding, "unsupported_content_encoding") naming the first
// content coding of the request other than "identity": authd decodes none (gzip, br, deflate...),
// so such a body would only be misread.
void refuse_content_codings(const Request& request);

}  // namespace authd::http
