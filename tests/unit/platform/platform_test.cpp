// The platform's services (docs/HOOKS.md): the hooks file's checks, the templates, the event
// signatures, and the account changes' all-or-nothing rules against a scripted HTTP client and
// a manual clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>
#include <map>

#include "crypto/base64url.h"
#include "platform/account_changes.h"
#include "platform/events.h"
#include "platform/hooks_file.h"
#include "platform/templates.h"
#include "test_support.h"

namespace authd {
namespace {

using testing::kClient;

namespace json = boost::json;
using platform::HooksFileError;
using platform::parse_hooks_file;

std::optional<std::string> no_environment(const std::string&) {
    return std::nullopt;
}

// The message of the HooksFileError that parsing `text` throws ("" when it parses).
std::string problem(const std::string& text, const platform::Getenv& getenv = no_environment) {
    try {
        parse_hooks_file(text, getenv);
    } catch (const HooksFileError& e) {
        return e.what();
    }
    return "";
}

const std::string kCall =
    R"({"service": "users", "method": "POST", "url": "http://users/api/{username}/",)"
    R"( "body": {"username": "{username}"}, "success": [201])";
const std::string kUndo =
    R"("undo": {"method": "DELETE", "url": "http://users/api/{username}/", "success": [204]})";

TEST(HooksFile, ReadsCallsUndoExportAndSubscribers) {
    const std::string text = R"({"$schema": "x", "create": [)" + kCall + ", " + kUndo +
                             R"(}], "delete": [)" + kCall + R"(, "timeout": 1.5}],)" +
                             R"("export": [{"service": "users", "url": "http://u/{username}",)" +
                             R"( "key": "users_data"}],)" +
                             R"("subscribers": [{"name": "audit", "url": "http://sink/",)" +
                             R"( "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",)" +
                             R"( "events": ["account.created"]}]})";
    const platform::HooksFile file = parse_hooks_file(text, no_environment);
    ASSERT_EQ(file.create.size(), 1u);
    EXPECT_EQ(file.create[0].call.method, "POST");
    ASSERT_TRUE(file.create[0].undo);
    EXPECT_EQ(file.create[0].undo->service, "users");  // inherited from its call
    EXPECT_EQ(file.create[0].undo->success, std::vector<int>{204});
    EXPECT_EQ(file.remove[0].call.timeout_ms, 1500);
    EXPECT_EQ(file.create[0].call.timeout_ms, 5000);
    EXPECT_EQ(file.export_calls[0].call.success, std::vector<int>{200});
    EXPECT_EQ(file.export_calls[0].call.method, "GET");
    EXPECT_EQ(file.subscribers[0].key.size(), 24u);
    EXPECT_TRUE(file.subscribers[0].receives("account.created"));
    EXPECT_FALSE(file.subscribers[0].receives("account.deleted"));
}

TEST(HooksFile, NamesThePlaceOfEachProblem) {
    EXPECT_EQ(problem(R"({"create": [)" + kCall + R"(, "retries": 3, )" + kUndo + "}]}"),
              "create[0].retries: unknown field");
    EXPECT_EQ(problem(R"({"rename": [)" + kCall + "}]}"),
              "rename[0].undo: required: every call of rename must say how it is taken back");
    EXPECT_EQ(problem(R"({"delete": [)" + kCall + ", " + kUndo + "}]}"),
              "delete[0].undo: unknown field");
    EXPECT_EQ(problem(R"({"delete": [{"service": "u", "method": "FETCH", "url": "http://x",)"
                      R"( "success": [200]}]})"),
              "delete[0].method: expected GET, POST, PUT, PATCH or DELETE");
    EXPECT_EQ(problem(R"({"delete": [{"service": "u", "method": "GET", "url": "http://x/{user}",)"
                      R"( "success": [200]}]})"),
              "delete[0].url: unknown placeholder {user} (expected {username}, {old_username}, "
              "{new_username} or {email})");
    EXPECT_EQ(problem(R"({"delete": [{"service": "u", "method": "GET", "url": "ftp://x",)"
                      R"( "success": [200]}]})"),
              "delete[0].url: expected an http:// or https:// URL");
    EXPECT_EQ(problem(R"({"delete": [{"service": "u", "method": "GET", "url": "http://x",)"
                      R"( "success": []}]})"),
              "delete[0].success: expected a list of one or more statuses");
    EXPECT_EQ(problem(R"({"export": [{"service": "u", "url": "http://x", "key": "account"}]})"),
              "export[0].key: \"account\" is a key of authd's own export");
    EXPECT_EQ(
        problem(
            R"({"subscribers": [{"name": "a", "url": "http://x", "secret": "whsec_c2hvcnQ="}]})"),
        "subscribers[0].secret: expected whsec_ and the base64 of 24 to 64 random bytes");
    EXPECT_EQ(problem(R"({"hooks": []})"), "hooks: unknown field");
    EXPECT_EQ(problem("[]"), "the file: expected an object");
    EXPECT_NE(problem("{").find("not valid JSON"), std::string::npos);
}

TEST(HooksFile, ReplacesEnvironmentVariablesInsideStrings) {
    const auto getenv = [](const std::string& name) -> std::optional<std::string> {
        if (name == "USERS_URL") return "http://users:9000";
        if (name == "EMPTY") return "";
        return std::nullopt;
    };
    const std::string text =
        R"({"delete": [{"service": "u", "method": "DELETE", "url": "${USERS_URL}/a/{username}/",)"
        R"( "body": {"by": "${WHO:-authd}", "e": "${EMPTY:-fallback}", "cost": "$5"},)"
        R"( "success": [204]}]})";
    const platform::HooksFile file = parse_hooks_file(text, getenv);
    EXPECT_EQ(file.remove[0].call.url, "http://users:9000/a/{username}/");
    EXPECT_EQ(json::serialize(*file.remove[0].call.body),
              R"({"by":"authd","e":"fallback","cost":"$5"})");
    EXPECT_EQ(problem(R"({"delete": [{"service": "u", "method": "GET", "url": "${MISSING}/x",)"
                      R"( "success": [200]}]})"),
              "delete[0].url: ${MISSING} is not set and has no default");
}

TEST(HookTemplates, EncodeForUrlsAndEscapeForBodies) {
    platform::TemplateValues values;
    values.username = "a b/é";
    values.email = "x\"y@example.com";
    EXPECT_EQ(platform::render_url("http://h/{username}/?e={email}", values),
              "http://h/a%20b%2F%C3%A9/?e=x%22y%40example.com");
    const json::value body =
        json::parse(R"({"u": "{username}", "list": ["{email}", 3], "{{x}}": true})");
    EXPECT_EQ(json::serialize(platform::render_body(body, values)),
              R"({"u":"a b/é","list":["x\"y@example.com",3],"{x}":true})");
    EXPECT_EQ(platform::template_problem("{username"),
              "a '{' that is never closed (write '{{' for a literal brace)");
    EXPECT_FALSE(platform::template_problem("{{literal}} {old_username}"));
}

TEST(Events, SignatureFollowsTheStandardWebhooksExample) {
    // The example of the specification's reference libraries.
    const auto key = crypto::base64_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_TRUE(key);
    EXPECT_EQ(platform::webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                          R"({"test": 2432232314})"),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// Answers each call by the first rule whose text is in "METHOD url"; records every call.
class ScriptedHttp final : public platform::HttpClient {
  public:
    platform::HttpResult send(const platform::HttpRequest& request, std::stop_token) override {
        const std::string line = request.method + " " + request.url;
        calls.push_back(line);
        keys.push_back(header(request, "Idempotency-Key"));
        for (const auto& [text, result] : rules)
            if (line.find(text) != std::string::npos) return result;
        platform::HttpResult ok;
        ok.status = request.method == "POST" ? 201 : request.method == "DELETE" ? 204 : 200;
        ok.body = R"({"ok": true})";
        return ok;
    }
    static std::string header(const platform::HttpRequest& request, std::string_view name) {
        for (const auto& [key, value] : request.headers)
            if (key == name) return value;
        return "";
    }
    static platform::HttpResult answer(int status) {
        platform::HttpResult result;
        result.status = status;
        return result;
    }
    static platform::HttpResult no_answer(platform::HttpResult::Kind kind) {
        platform::HttpResult result;
        result.kind = kind;
        return result;
    }
    std::vector<std::pair<std::string, platform::HttpResult>> rules;
    std::vector<std::string> calls;
    std::vector<std::string> keys;
};

const char* const kPlatformFile = R"({
  "create": [
    {"service": "users", "method": "POST", "url": "http://users/create/", "success": [201],
     "undo": {"method": "DELETE", "url": "http://users/delete/{username}/", "success": [204]}},
    {"service": "games", "method": "POST", "url": "http://games/create/", "success": [201],
     "undo": {"method": "DELETE", "url": "http://games/delete/{username}/", "success": [204]}}
  ],
  "rename": [
    {"service": "users", "method": "PATCH", "url": "http://users/{old_username}/to/{new_username}",
     "success": [200],
     "undo": {"method": "PATCH", "url": "http://users/{old_username}/to/{new_username}", "success": [200]}}
  ],
  "delete": [
    {"service": "games", "method": "DELETE", "url": "http://games/delete/{username}/", "success": [204]},
    {"service": "users", "method": "DELETE", "url": "http://users/delete/{username}/", "success": [204]}
  ]
})";

struct PlatformDomain : testing::Domain {
    PlatformDomain()
        : hooks(parse_hooks_file(kPlatformFile, no_environment)),
          service_tokens(tokens, "auth", clock, random),
          changes(*store, hooks, http, service_tokens, audit, clock, random,
                  platform::ChangeSettings{}),
          effects(audit, data_export) {
        changes.set_effects(effects);
        accounts.set_platform(changes);
    }

    std::optional<store::User> user(const std::string& name) {
        std::optional<store::User> found;
        store->read([&](store::Transaction& tx) { found = tx.users().find_by_username(name); });
        return found;
    }
    std::int64_t pending_changes() {
        std::int64_t count = 0;
        store->read([&](store::Transaction& tx) { count = tx.account_changes().count(); });
        return count;
    }

    platform::HooksFile hooks;
    ScriptedHttp http;
    platform::ServiceTokens service_tokens;
    platform::AccountChanges changes;
    auth::PlatformEffects effects;
};

int status_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.kind() == ErrorKind::conflict ? 409 : e.kind() == ErrorKind::unavailable ? 503 : 0;
    }
    return 200;
}

TEST(AccountChanges, CreateActivatesTheAccountOnceEveryServiceHasIt) {
    PlatformDomain d;
    d.register_user("alice");
    EXPECT_EQ(d.http.calls,
              (std::vector<std::string>{"POST http://users/create/", "POST http://games/create/"}));
    ASSERT_TRUE(d.user("alice"));
    EXPECT_TRUE(d.user("alice")->is_active);
    EXPECT_FALSE(d.user("alice")->pending_creation);
    EXPECT_EQ(d.pending_changes(), 0);
}

TEST(AccountChanges, RefusedCreateUndoesWhatWasDoneAndRemovesTheAccount) {
    PlatformDomain d;
    d.http.rules = {{"POST http://games", ScriptedHttp::answer(400)}};
    EXPECT_EQ(status_of([&] { d.register_user("alice"); }), 409);
    EXPECT_EQ(d.http.calls,
              (std::vector<std::string>{"POST http://users/create/", "POST http://games/create/",
                                        "DELETE http://users/delete/alice/"}));
    EXPECT_FALSE(d.user("alice"));
    EXPECT_EQ(d.pending_changes(), 0);
}

TEST(AccountChanges, TimedOutCallIsUndoneTooAndItsRefusedUndoIsAccepted) {
    PlatformDomain d;
    d.http.rules = {
        {"POST http://games", ScriptedHttp::no_answer(platform::HttpResult::Kind::timed_out)},
        {"DELETE http://games", ScriptedHttp::answer(404)}};
    EXPECT_EQ(status_of([&] { d.register_user("alice"); }), 503);
    EXPECT_EQ(d.http.calls.back(), "DELETE http://users/delete/alice/");
    EXPECT_EQ(d.http.calls[2], "DELETE http://games/delete/alice/");
    EXPECT_FALSE(d.user("alice"));
}

TEST(AccountChanges, UndoThatFailsIsRetriedLaterWithTheSameKeyAndHoldsTheName) {
    PlatformDomain d;
    d.http.rules = {{"POST http://games", ScriptedHttp::answer(400)},
                    {"DELETE http://users", ScriptedHttp::answer(503)}};
    EXPECT_EQ(status_of([&] { d.register_user("alice"); }), 409);
    ASSERT_TRUE(d.user("alice"));  // pending: the name stays taken until undone
    EXPECT_FALSE(d.user("alice")->is_active);
    EXPECT_EQ(d.changes.run_due(), 0);  // not due before its backoff
    d.clock.advance(5);
    d.http.rules.clear();
    EXPECT_EQ(d.changes.run_due(), 1);
    EXPECT_FALSE(d.user("alice"));
    EXPECT_EQ(d.pending_changes(), 0);
    ASSERT_EQ(d.http.keys.size(), 4u);
    EXPECT_EQ(d.http.keys[2], d.http.keys[3]);  // one undo, tried twice
}

TEST(AccountChanges, AbandonedCreateIsUndoneOnceItsClaimLapses) {
    PlatformDomain d;
    store::User pending;
    pending.id = "u1";
    pending.username = "bob";
    pending.email = "bob@example.com";
    pending.password_hash = "x";
    pending.is_active = false;
    pending.pending_creation = true;
    auth::HeldChange held;
    d.store->write([&](store::Transaction& tx) {
        tx.users().insert(pending);
        held = d.changes.begin(tx, auth::PlatformChange::create,
                               {"u1", "bob", "", "bob@example.com", "en", ""});
        // As a request that died after users' call: one call done.
        auto change = *tx.account_changes().find(held.id);
        change.step = 1;
        ASSERT_TRUE(tx.account_changes().save(change));
    });
    EXPECT_EQ(d.changes.run_due(), 0);  // still held by its request
    d.clock.advance(6);
    EXPECT_EQ(d.changes.run_due(), 1);
    // Its second call may have been under way: undone too, then the first.
    EXPECT_EQ(d.http.calls, (std::vector<std::string>{"DELETE http://games/delete/bob/",
                                                      "DELETE http://users/delete/bob/"}));
    EXPECT_FALSE(d.user("bob"));
}

TEST(AccountChanges, RenameRefusedRenamesBackAndKeepsTheOldName) {
    PlatformDomain d;
    d.register_user("alice");
    auto tokens = d.login("alice");
    const auth::Principal caller = d.sessions.authenticate(tokens.access);
    d.http.calls.clear();
    d.http.rules = {{"PATCH http://users/alice/to/bob",
                     ScriptedHttp::no_answer(platform::HttpResult::Kind::broken)}};
    auth::ProfileChanges changes;
    changes.username = "bob";
    EXPECT_EQ(status_of([&] { d.accounts.update(caller, "alice", changes, kClient); }), 503);
    // The call may have renamed: renamed back, from the new name to the old.
    EXPECT_EQ(d.http.calls, (std::vector<std::string>{"PATCH http://users/alice/to/bob",
                                                      "PATCH http://users/bob/to/alice"}));
    EXPECT_TRUE(d.user("alice"));
    EXPECT_FALSE(d.user("bob"));
}

TEST(AccountChanges, DeleteRefusedFirstKeepsTheAccountAndLaterFailuresAreCarriedThrough) {
    PlatformDomain d;
    d.register_user("alice");
    const auth::Principal caller = d.sessions.authenticate(d.login("alice").access);
    d.http.calls.clear();
    d.http.rules = {{"DELETE http://games", ScriptedHttp::answer(409)}};
    EXPECT_EQ(status_of([&] { d.accounts.remove(caller, "alice", std::nullopt, kClient); }), 409);
    EXPECT_TRUE(d.user("alice"));
    EXPECT_EQ(d.pending_changes(), 0);

    d.http.rules = {{"DELETE http://users", ScriptedHttp::answer(500)}};
    EXPECT_EQ(status_of([&] { d.accounts.remove(caller, "alice", std::nullopt, kClient); }), 200);
    EXPECT_FALSE(d.user("alice"));  // deleted at once
    EXPECT_EQ(d.pending_changes(), 1);
    d.http.rules.clear();
    d.clock.advance(5);
    EXPECT_EQ(d.changes.run_due(), 1);
    EXPECT_EQ(d.pending_changes(), 0);
    EXPECT_EQ(d.http.calls.back(), "DELETE http://users/delete/alice/");
}

}  // namespace
}  // namespace authd
