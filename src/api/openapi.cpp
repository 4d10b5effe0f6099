// GET /api/auth/openapi.json: the OpenAPI description, public and the same for every caller.
#include "api/openapi.h"

#include <boost/json.hpp>

#include <memory>

#include "api/routes.h"
#include "http/responses.h"

namespace authd::api {

extern const std::string_view kOpenApiText;  // generated from resources/openapi.json

namespace {
namespace json = boost::json;
using http::bhttp::field;
using http::bhttp::status;
using http::bhttp::verb;
}  // namespace

std::string_view openapi_source() {
    return kOpenApiText;
}

std::string openapi_document(const std::string& public_url) {
    json::value document = json::parse(kOpenApiText);
    if (!public_url.empty())
        document.as_object()["servers"] = json::array{
            json::object{{"url", public_url}, {"description", "This authd (AUTH_PUBLIC_URL)."}}};
    return json::serialize(document);
}

void add_openapi_routes(http::Router& router, const Services& services) {
    using namespace route_table;
    // Built once: a document that does not parse stops the start, not a request.
    auto document = std::make_shared<const std::string>(openapi_document(services.public_url));
    router.add(verb::get, "/api/auth/openapi.json", "openapi", anyone, no_body, io_thread,
               [document](http::RequestContext&) {
                   http::Response response{status::ok, 11};
                   response.set(field::content_type, http::json_content_type);
                   response.set(field::cache_control, "public, max-age=300");
                   response.body() = *document;
                   response.prepare_payload();
                   return response;
               });
}

}  // namespace authd::api
