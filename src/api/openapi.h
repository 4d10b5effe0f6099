#pragma once
// The OpenAPI 3.1 description of every route (resources/openapi.json, compiled in).
#include <string>
#include <string_view>

namespace authd::api {

// The document as resources/openapi.json holds it.
std::string_view openapi_source();

// The document as GET /api/auth/openapi.json serves it (compact JSON): `servers` names
// `public_url` when it is set, else stays the relative "/" of the source.
std::string openapi_document(const std::string& public_url);

}  // namespace authd::api
