#include "http/request_checks.h"

#include <gtest/gtest.h>

#include "util/errors.h"

namespace authd::http {
namespace {

using Verdict = TransferCodings::Verdict;

TEST(TargetPath, OriginFormIsItsPath) {
    EXPECT_EQ(target_path("/api/auth/login?x=1"), "/api/auth/login");
    EXPECT_EQ(target_path("/a#frag"), "/a");
    EXPECT_EQ(target_path("/a/http://b"), "/a/http://b");
}

TEST(TargetPath, AbsoluteFormIsServedLikeItsPath) {
    EXPECT_EQ(target_path("http://auth.example.com/api/auth/login"), "/api/auth/login");
    EXPECT_EQ(target_path("HTTPS://auth.example.com:8443/api/auth/jwks?x=1"), "/api/auth/jwks");
    EXPECT_EQ(target_path("http://[::1]:8000/healthz"), "/healthz");
    EXPECT_EQ(target_path("http://auth.example.com"), "/");
    EXPECT_EQ(target_path("http://auth.example.com?x=1"), "/");
    // Other schemes and other forms name nothing here.
    EXPECT_EQ(target_path("ftp://host/healthz"), "ftp://host/healthz");
    EXPECT_EQ(target_path("*"), "*");
    EXPECT_EQ(target_path("host:443"), "host:443");
}

bhttp::request_header<> header_with(unsigned version,
                                    std::vector<std::pair<std::string, std::string>> fields) {
    bhttp::request_header<> header;
    header.version(version);
    for (const auto& [name, value] : fields)
        header.insert(name, value);
    return header;
}

TEST(ValidHostHeaders, ExactlyOneOnHttp11) {
    EXPECT_TRUE(valid_host_headers(header_with(11, {{"Host", "auth.example.com"}})));
    EXPECT_TRUE(valid_host_headers(header_with(11, {{"Host", "auth.example.com:8000"}})));
    EXPECT_TRUE(valid_host_headers(header_with(11, {{"Host", "127.0.0.1:8000"}})));
    EXPECT_TRUE(valid_host_headers(header_with(11, {{"Host", "[::1]:8000"}})));
    EXPECT_TRUE(valid_host_headers(header_with(11, {{"Host", ""}})));  // RFC 9112 §3.2
    EXPECT_FALSE(valid_host_headers(header_with(11, {})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "a"}, {"Host", "a"}})));
    EXPECT_FALSE(valid_host_headers(header_with(10, {{"Host", "a"}, {"Host", "b"}})));
    EXPECT_TRUE(valid_host_headers(header_with(10, {})));  // HTTP/1.0 needs none
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "a b"}})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "user@host"}})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "host/path"}})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "host:80x"}})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "[not-v6]"}})));
    EXPECT_FALSE(valid_host_headers(header_with(11, {{"Host", "[::1]x"}})));
}

TEST(TransferCodings, OnlyChunkedOnceIsTaken) {
    EXPECT_EQ(transfer_codings(header_with(11, {})).verdict, Verdict::none);
    EXPECT_EQ(transfer_codings(header_with(11, {{"Transfer-Encoding", "chunked"}})).verdict,
              Verdict::chunked);
    EXPECT_EQ(transfer_codings(header_with(11, {{"Transfer-Encoding", "Chunked"}})).verdict,
              Verdict::chunked);
    const auto gzip = transfer_codings(header_with(11, {{"Transfer-Encoding", "gzip, chunked"}}));
    EXPECT_EQ(gzip.verdict, Verdict::unsupported);
    EXPECT_EQ(gzip.coding, "gzip");
    const auto split = transfer_codings(
        header_with(11, {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "x-é"}}));
    EXPECT_EQ(split.verdict, Verdict::unsupported);
    EXPECT_EQ(split.coding, "x-??");  // quotable: no byte over 0x7F reaches an answer
    EXPECT_EQ(
        transfer_codings(header_with(11, {{"Transfer-Encoding", "chunked, chunked"}})).verdict,
        Verdict::malformed);
    EXPECT_EQ(transfer_codings(header_with(11, {{"Transfer-Encoding", " , "}})).verdict,
              Verdict::malformed);
    EXPECT_EQ(transfer_codings(header_with(10, {{"Transfer-Encoding", "chunked"}})).verdict,
              Verdict::malformed);
}

TEST(RefuseContentCodings, IdentityOnly) {
    Request request{bhttp::verb::post, "/", 11};
    EXPECT_NO_THROW(refuse_content_codings(request));
    request.set(bhttp::field::content_encoding, "identity");
    EXPECT_NO_THROW(refuse_content_codings(request));
    request.set(bhttp::field::content_encoding, "identity, GZIP");
    try {
        refuse_content_codings(request);
        FAIL() << "gzip was taken";
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::unsupported_encoding);
        EXPECT_EQ(error.code(), "unsupported_content_encoding");
        EXPECT_EQ(error.detail(), "Unsupported content encoding \"gzip\" in request.");
    }
}

}  // namespace
}  // namespace authd::http
