// resources/openapi.json against the real route table (api::add_all_routes, as main() builds it):
// every route is documented and every documented operation is routed, each operation documents
// its answers and errors, every $ref resolves, and what the handlers really answer to a plain
// request, anonymous or authenticated, is among the answers documented for it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "api/openapi.h"
#include "api/routes.h"
#include "http/responses.h"
#include "test_support.h"
#include "util/errors.h"
#include "util/metrics.h"

namespace authd {
namespace {

namespace json = boost::json;
using http::bhttp::field;
using http::bhttp::verb;
using testing::Domain;

constexpr const char* kPublicUrl = "https://auth.example.com";
const std::set<std::string> kHttpMethods = {"get",  "put",     "post",  "delete",
                                            "head", "options", "patch", "trace"};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The router writes parameters as OpenAPI does ("{name}"), and a pattern is a path of the
// document as it stands (the trailing slash is optional for both, "/api/auth/" keeps its own).
std::string openapi_path(const std::string& pattern) {
    return pattern;
}

// The parameter names of a path template, in order.
std::vector<std::string> template_names(std::string_view path) {
    std::vector<std::string> names;
    for (std::size_t open = path.find('{'); open != std::string_view::npos;
         open = path.find('{', open + 1)) {
        const std::size_t close = path.find('}', open);
        names.emplace_back(path.substr(open + 1, close - open - 1));
    }
    return names;
}

// A concrete path for a template: each parameter replaced by `value_of(name)`.
template <class ValueOf>
std::string concrete_path(std::string_view path, ValueOf value_of) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '{') {
            out += path[i];
            continue;
        }
        const std::size_t close = path.find('}', i);
        out += value_of(std::string(path.substr(i + 1, close - i - 1)));
        i = close;
    }
    return out;
}

// RFC 6901 within the document: "#/components/schemas/User".
const json::value* resolve_pointer(const json::value& root, std::string_view ref) {
    if (ref.substr(0, 2) != "#/") return nullptr;
    const json::value* node = &root;
    std::string_view rest = ref.substr(2);
    while (node) {
        const std::size_t slash = rest.find('/');
        std::string token(rest.substr(0, slash));
        for (std::size_t at = token.find('~'); at != std::string::npos;
             at = token.find('~', at + 1))
            token.replace(at, 2, token.compare(at, 2, "~1") == 0 ? "/" : "~");
        const json::object* object = node->if_object();
        node = object && object->contains(token) ? &object->at(token) : nullptr;
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return node;
}

// A response, parameter or header object behind its $ref.
const json::object& follow(const json::value& root, const json::value& node) {
    const json::object& object = node.as_object();
    if (auto ref = object.if_contains("$ref")) {
        const json::value* target = resolve_pointer(root, ref->as_string());
        if (!target) throw std::runtime_error("unresolved " + std::string(ref->as_string()));
        return target->as_object();
    }
    return object;
}

struct Operation {
    std::string path;
    std::string method;  // lower case, as OpenAPI writes it
    const json::object* object;
};

// What a handler answered: its status, media type (no parameters) and body.
struct Answer {
    unsigned status = 0;
    std::string media_type;
    std::string body;
};

verb method_of(const Operation& operation) {
    std::string name = operation.method;
    for (char& c : name)
        c = static_cast<char>(c - 'a' + 'A');
    return http::bhttp::string_to_verb(name);
}

struct OpenApiTest : ::testing::Test {
    Domain d;
    metrics::Registry registry;
    api::Services services{
        d.accounts,     d.sessions,       d.services,    *d.store,     *d.codec,
        d.verification, d.password_reset, d.data_export, d.login_flow, d.two_factor,
        d.passkeys,     d.random,         true,          registry,     "",
        kPublicUrl};
    http::Router router;
    json::value document;

    void SetUp() override {
        api::add_all_routes(router, services);
        document = json::parse(api::openapi_source());
    }

    const json::object& paths() const { return document.at("paths").as_object(); }

    std::vector<Operation> operations() const {
        std::vector<Operation> found;
        for (const auto& [path, item] : paths())
            for (const auto& [key, operation] : item.as_object())
                if (kHttpMethods.contains(std::string(key)))
                    found.push_back({std::string(path), std::string(key), &operation.as_object()});
        return found;
    }

    // The route the router picks for this method and concrete path, with the answer of its
    // handler, errors turned into answers as the server does.
    Answer call(verb method, const std::string& path, const std::string& token,
                const std::string& expected_route) {
        http::Request request{method, path, 11};
        request.set(field::user_agent, "unit-test");
        if (!token.empty()) request.set(field::authorization, "Bearer " + token);
        const auto match = router.match(method, path);
        EXPECT_EQ(match.outcome, http::Router::Outcome::found) << path;
        if (match.outcome != http::Router::Outcome::found) return {};
        EXPECT_EQ(match.route->name, expected_route) << path;
        http::RequestContext context{request, path, match.params, "127.0.0.1", "unit-test"};
        http::Response response;
        try {
            response = match.route->handler(context);
        } catch (const ValidationError& error) {
            response = http::validation_response(error);
        } catch (const Error& error) {
            response = http::error_response(error);
        }
        std::string media_type(response[field::content_type]);
        media_type = lower(media_type.substr(0, media_type.find(';')));
        return {response.result_int(), media_type, response.body()};
    }

    // The answer must be one the operation documents, with its media type.
    void expect_documented(const Operation& operation, const Answer& answer) {
        const std::string where = lower(operation.method) + " " + operation.path + " answered " +
                                  std::to_string(answer.status) + " " + answer.body;
        const json::object& responses = operation.object->at("responses").as_object();
        const json::value* documented = responses.if_contains(std::to_string(answer.status));
        ASSERT_NE(documented, nullptr) << where;
        const json::object& response = follow(document, *documented);
        if (answer.body.empty() || operation.method == "head") return;
        const json::value* content = response.if_contains("content");
        ASSERT_NE(content, nullptr) << where << ": no content documented";
        EXPECT_TRUE(content->as_object().contains(answer.media_type))
            << where << ": " << answer.media_type << " not documented";
        if (answer.media_type == "application/json") {
            EXPECT_NO_THROW(json::parse(answer.body)) << where;
        }
    }
};

TEST_F(OpenApiTest, ServedDocumentIsOpenApi31NamingThePublicUrl) {
    const std::string path = "/api/auth/openapi.json";
    for (const std::string& form : {path, path + "/"}) {
        const Answer answer = call(verb::get, form, "", "openapi");
        EXPECT_EQ(answer.status, 200u);
        EXPECT_EQ(answer.media_type, "application/json");
        const json::value served = json::parse(answer.body);
        EXPECT_EQ(served.at("openapi").as_string().subview().substr(0, 4), "3.1.");
        const json::array& servers = served.at("servers").as_array();
        ASSERT_EQ(servers.size(), 1u);
        EXPECT_EQ(servers[0].at("url").as_string(), kPublicUrl);
        // Apart from its server, the served document is the source.
        json::value expected = document;
        expected.as_object()["servers"] = servers;
        EXPECT_EQ(served, expected);
    }
    EXPECT_EQ(call(verb::head, path, "", "openapi").status, 200u);
}

TEST_F(OpenApiTest, WithoutAPublicUrlTheServerStaysRelative) {
    const json::value served = json::parse(api::openapi_document(""));
    EXPECT_EQ(served, document);
    EXPECT_EQ(served.at("servers").at(0).at("url").as_string(), "/");
}

TEST_F(OpenApiTest, EveryRouteIsDocumentedUnderItsName) {
    ASSERT_GE(router.routes().size(), 30u);
    for (const auto& route : router.routes()) {
        const std::string method = lower(http::bhttp::to_string(route.method));
        const std::string where = method + " " + route.pattern;
        const json::value* item = paths().if_contains(openapi_path(route.pattern));
        ASSERT_NE(item, nullptr) << where << " is not documented";
        const json::value* operation = item->as_object().if_contains(method);
        ASSERT_NE(operation, nullptr) << where << " is not documented";
        EXPECT_EQ(operation->at("x-authd-route").as_string(), route.name) << where;
    }
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsRouted) {
    for (const auto& [path, item] : paths()) {
        for (const auto& [key, value] : item.as_object())
            EXPECT_TRUE(kHttpMethods.contains(std::string(key)) || key == "parameters" ||
                        key == "summary" || key == "description")
                << path << ": unexpected " << key;
    }
    for (const Operation& operation : operations()) {
        const std::string where = operation.method + " " + operation.path;
        // HEAD is served by the GET route of the path.
        const std::string routed_method = operation.method == "head" ? "get" : operation.method;
        const auto route = std::find_if(
            router.routes().begin(), router.routes().end(), [&](const http::Router::Route& r) {
                return openapi_path(r.pattern) == operation.path &&
                       lower(http::bhttp::to_string(r.method)) == routed_method;
            });
        ASSERT_NE(route, router.routes().end()) << where << " is not routed";
        EXPECT_EQ(operation.object->at("x-authd-route").as_string(), route->name) << where;
        // And the router really picks that route for the path, with and without the slash
        // (no literal route shadows it).
        const std::string sample = concrete_path(operation.path, [](auto&&) { return "sample"; });
        for (const std::string& form : {sample, sample.back() == '/' ? sample : sample + "/"}) {
            const auto match = router.match(route->method, form);
            ASSERT_EQ(match.outcome, http::Router::Outcome::found) << where << " as " << form;
            EXPECT_EQ(match.route, &*route) << where << " as " << form;
        }
    }
}

TEST_F(OpenApiTest, OperationIdsAreUniqueAndSecurityNamesDefinedSchemes) {
    const json::object& schemes = document.at("components").at("securitySchemes").as_object();
    std::set<std::string> ids;
    for (const Operation& operation : operations()) {
        const std::string where = operation.method + " " + operation.path;
        EXPECT_TRUE(ids.insert(std::string(operation.object->at("operationId").as_string())).second)
            << where << ": operationId used twice";
        const json::value* security = operation.object->if_contains("security");
        ASSERT_NE(security, nullptr) << where << ": say which security applies, even none";
        for (const json::value& requirement : security->as_array())
            for (const auto& [scheme, scopes] : requirement.as_object())
                EXPECT_TRUE(schemes.contains(scheme)) << where << ": unknown scheme " << scheme;
    }
}

TEST_F(OpenApiTest, EveryOperationDocumentsItsAnswersAndErrors) {
    for (const Operation& operation : operations()) {
        const std::string where = operation.method + " " + operation.path;
        const json::object& responses = operation.object->at("responses").as_object();
        bool success = false;
        for (const auto& [status, response] : responses) {
            ASSERT_EQ(status.size(), 3u) << where << ": " << status;
            success = success || status[0] == '2' || status[0] == '3';
            const json::object& object = follow(document, response);
            EXPECT_TRUE(object.contains("description")) << where << " " << status;
            // A client told to wait must be told how long.
            if (status == "429" || status == "503") {
                EXPECT_TRUE(object.contains("headers") &&
                            object.at("headers").as_object().contains("Retry-After"))
                    << where << " " << status << " without Retry-After";
            }
        }
        EXPECT_TRUE(success) << where << " documents no 2xx or 3xx answer";
        EXPECT_TRUE(responses.contains("503")) << where << ": every route can be busy";
        // The 4xx errors that follow from what the operation takes (its own, such as 403 or
        // 429, are checked against the handlers' real answers below).

        if (const json::value* body = operation.object->if_contains("requestBody")) {
            EXPECT_TRUE(body->at("content").as_object().contains("application/json")) << where;
            for (const char* status : {"400", "413", "415"}) {
                EXPECT_TRUE(responses.contains(status)) << where << " takes a body: " << status;
            }
        }
        if (!template_names(operation.path).empty()) {
            EXPECT_TRUE(responses.contains("404")) << where << ": a malformed escape is a 404";
        }
        // The server checks a declared length before it finds the route: any request can
        // carry a body over the limit, whether the route reads one or not.
        EXPECT_TRUE(responses.contains("413")) << where << ": any body can be too large";

        // A token that must be sent can be missing or bad.
        const json::array& security = operation.object->at("security").as_array();
        const bool token_required =
            !security.empty() &&
            std::none_of(security.begin(), security.end(), [](const json::value& requirement) {
                return requirement.as_object().empty();
            });
        if (token_required) {
            EXPECT_TRUE(responses.contains("401")) << where << " needs a token";
        }
        if (!security.empty() && responses.contains("401")) {
            const json::object& unauthorized = follow(document, responses.at("401"));
            EXPECT_TRUE(unauthorized.contains("headers") &&
                        unauthorized.at("headers").as_object().contains("WWW-Authenticate"))
                << where << ": a bearer 401 carries WWW-Authenticate";
        }
    }
}

TEST_F(OpenApiTest, PathParametersAreDeclared) {
    for (const Operation& operation : operations()) {
        const std::string where = operation.method + " " + operation.path;
        std::set<std::string> declared;
        auto collect = [&](const json::value* parameters) {
            if (!parameters) return;
            for (const json::value& parameter : parameters->as_array()) {
                const json::object& object = follow(document, parameter);
                if (object.at("in").as_string() != "path") continue;
                EXPECT_EQ(object.at("required"), json::value(true)) << where;
                declared.insert(std::string(object.at("name").as_string()));
            }
        };
        collect(paths().at(operation.path).as_object().if_contains("parameters"));
        collect(operation.object->if_contains("parameters"));
        const std::vector<std::string> names = template_names(operation.path);
        EXPECT_EQ(declared, std::set<std::string>(names.begin(), names.end())) << where;
    }
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
    std::size_t references = 0;
    std::function<void(const json::value&, const std::string&)> walk =
        [&](const json::value& node, const std::string& where) {
            if (const json::object* object = node.if_object()) {
                for (const auto& [key, value] : *object) {
                    if (key == "$ref") {
                        ++references;
                        ASSERT_TRUE(value.is_string()) << where;
                        EXPECT_NE(resolve_pointer(document, value.as_string()), nullptr)
                            << where << ": " << value.as_string() << " does not resolve";
                    } else {
                        walk(value, where + "/" + std::string(key));
                    }
                }
            } else if (const json::array* array = node.if_array()) {
                for (std::size_t i = 0; i < array->size(); ++i)
                    walk((*array)[i], where + "/" + std::to_string(i));
            }
        };
    walk(document, "#");
    EXPECT_GT(references, 100u);
}

// Schemas use only the keywords below, which the black-box test's validator (and any JSON
// Schema 2020-12 tool) understands: a misspelt keyword would otherwise be silently ignored.
TEST_F(OpenApiTest, SchemasUseKnownKeywords) {
    const std::set<std::string> keywords = {"$ref",
                                            "type",
                                            "properties",
                                            "required",
                                            "additionalProperties",
                                            "items",
                                            "enum",
                                            "const",
                                            "oneOf",
                                            "anyOf",
                                            "allOf",
                                            "minLength",
                                            "maxLength",
                                            "pattern",
                                            "format",
                                            "minItems",
                                            "maxItems",
                                            "uniqueItems",
                                            "minProperties",
                                            "maxProperties",
                                            "minimum",
                                            "maximum",
                                            "title",
                                            "description",
                                            "example",
                                            "default",
                                            "dependentRequired"};
    std::function<void(const json::value&, const std::string&)> check_schema =
        [&](const json::value& schema, const std::string& where) {
            ASSERT_TRUE(schema.is_object()) << where;
            for (const auto& [key, value] : schema.as_object()) {
                EXPECT_TRUE(keywords.contains(std::string(key))) << where << ": " << key;
                if (key == "properties")
                    for (const auto& [name, property] : value.as_object())
                        check_schema(property, where + "/properties/" + std::string(name));
                if ((key == "items" || key == "additionalProperties") && value.is_object())
                    check_schema(value, where + "/" + std::string(key));
                if (key == "oneOf" || key == "anyOf" || key == "allOf")
                    for (std::size_t i = 0; i < value.as_array().size(); ++i)
                        check_schema(value.as_array()[i],
                                     where + "/" + std::string(key) + "/" + std::to_string(i));
            }
        };
    std::size_t checked = 0;
    for (const auto& [name, schema] : document.at("components").at("schemas").as_object()) {
        check_schema(schema, "#/components/schemas/" + std::string(name));
        ++checked;
    }
    // Outside schemas, every "schema" key holds one; example values are free JSON.
    std::function<void(const json::value&, const std::string&)> find =
        [&](const json::value& node, const std::string& where) {
            if (const json::object* object = node.if_object()) {
                for (const auto& [key, value] : *object) {
                    const bool component_schemas = where == "#/components" && key == "schemas";
                    if (key == "example" || key == "examples" || component_schemas) continue;
                    if (key == "schema") {
                        check_schema(value, where + "/schema");
                        ++checked;
                    } else {
                        find(value, where + "/" + std::string(key));
                    }
                }
            } else if (const json::array* array = node.if_array()) {
                for (std::size_t i = 0; i < array->size(); ++i)
                    find((*array)[i], where + "/" + std::to_string(i));
            }
        };
    find(document, "#");
    EXPECT_GT(checked, 100u);
}

// Every route, called as a client without credentials would call it (no token, no body): the
// answer it gives is documented, and it asks for a token exactly where the document says so.
TEST_F(OpenApiTest, AnonymousAnswersAreDocumented) {
    for (const Operation& operation : operations()) {
        const std::string path =
            concrete_path(operation.path, [](const std::string&) { return "someone"; });
        const Answer answer = call(method_of(operation), path, "",
                                   std::string(operation.object->at("x-authd-route").as_string()));
        expect_documented(operation, answer);
        const json::array& security = operation.object->at("security").as_array();
        const bool token_optional =
            security.empty() ||
            std::any_of(security.begin(), security.end(), [](const json::value& requirement) {
                return requirement.as_object().empty();
            });
        EXPECT_EQ(answer.status == 401, !token_optional)
            << operation.method << " " << operation.path << " answered " << answer.status
            << " without a token";
    }
}

// The same with a fresh user's access token (each operation its own user: some delete or log
// out), the path naming that user.
TEST_F(OpenApiTest, AuthenticatedAnswersAreDocumented) {
    int n = 0;
    for (const Operation& operation : operations()) {
        const std::string name = "openapi" + std::to_string(++n);
        d.register_user(name);
        const std::string token = d.login(name).access;
        const std::string path = concrete_path(operation.path, [&](const std::string& parameter) {
            return parameter == "username" ? name : std::string("sample");
        });
        const Answer answer = call(method_of(operation), path, token,
                                   std::string(operation.object->at("x-authd-route").as_string()));
        expect_documented(operation, answer);
    }
}

// A NUL byte in a path parameter (sent as %00) gets an answer the operation documents.
TEST_F(OpenApiTest, NulInAPathParameterIsDocumented) {
    d.register_user("openapi-nul");
    std::size_t with_parameters = 0;
    for (const Operation& operation : operations()) {
        if (template_names(operation.path).empty()) continue;
        ++with_parameters;
        const std::string token = d.login("openapi-nul").access;
        for (const char* value : {"openapi-nul%00", "%00", "a%00b"}) {
            const std::string path =
                concrete_path(operation.path, [&](const std::string&) { return value; });
            const Answer answer =
                call(method_of(operation), path, token,
                     std::string(operation.object->at("x-authd-route").as_string()));
            EXPECT_LT(answer.status, 500u) << operation.method << " " << path;
            expect_documented(operation, answer);
        }
    }
    EXPECT_GE(with_parameters, 8u);
}

// Owner-only routes called with a good token and another user's name.
TEST_F(OpenApiTest, AnswersForAnotherUsersNameAreDocumented) {
    d.register_user("openapi-owner");
    d.register_user("openapi-other");
    std::size_t owner_only = 0;
    for (const Operation& operation : operations()) {
        const auto names = template_names(operation.path);
        if (std::find(names.begin(), names.end(), "username") == names.end()) continue;
        ++owner_only;
        const std::string token = d.login("openapi-owner").access;
        const std::string path =
            concrete_path(operation.path, [](const std::string&) { return "openapi-other"; });
        const Answer answer = call(method_of(operation), path, token,
                                   std::string(operation.object->at("x-authd-route").as_string()));
        EXPECT_EQ(answer.status, 403u) << operation.method << " " << operation.path;
        expect_documented(operation, answer);
    }
    EXPECT_GE(owner_only, 6u);
}

// The security each operation documents is the access its route declares (http::Access).
TEST_F(OpenApiTest, EveryRouteDocumentsTheAccessItDeclares) {
    auto security_of = [](http::Access access) {
        switch (access) {
            case http::Access::anyone:
                return json::parse("[]");
            case http::Access::user:
            case http::Access::account_owner:
                return json::parse(R"([{"accessToken": []}])");
            case http::Access::service:
                return json::parse(R"([{"serviceToken": []}])");
            case http::Access::metrics_token:  // only when AUTH_METRICS_TOKEN is set
                return json::parse(R"([{}, {"metricsToken": []}])");
        }
        return json::value();
    };
    for (const auto& route : router.routes()) {
        const std::string method = lower(http::bhttp::to_string(route.method));
        const json::value& operation = paths().at(openapi_path(route.pattern)).at(method);
        EXPECT_EQ(operation.at("security"), security_of(route.access))
            << method << " " << route.pattern;
    }
}

}  // namespace
}  // namespace authd
