#pragma once
// The one place where a request's language is decided (docs/API.md, "Languages").
#include <optional>
#include <string>

#include "http/types.h"
#include "i18n/catalog.h"

namespace authd::http {

// The `lang` header (the front end sends it on every request), else Accept-Language, else
// `user` (the authenticated user's language, when known), else English.
i18n::Language request_language(const Request& request,
                                std::optional<i18n::Language> user = std::nullopt);
// The same, with the user the handler has authenticated so far (context.user_language).
i18n::Language request_language(const RequestContext& context);

// `message` in the request's language.
std::string translate(const RequestContext& context, const i18n::Message& message);

}  // namespace authd::http
