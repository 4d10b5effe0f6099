#include "platform/account_changes.h"

#include <boost/json.hpp>
#include <chrono>

#include "auth/audit.h"
#include "auth/tokens.h"
#include "platform/templates.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::platform {
namespace {

namespace json = boost::json;
using auth::PlatformChange;

constexpr std::size_t kIdBytes = 16;
constexpr std::int64_t kTokenRenewBefore = 60;  // seconds before expiry a new token is minted
constexpr int kRetryAfterSeconds = 10;

// The recovery pass serves no request: its audit events carry no address or user agent.
const auth::ClientInfo kBackground;

// A claim that another holder took over (this one outlived it): its holder stops.
class LostClaim : public std::runtime_error {
  public:
    LostClaim() : std::runtime_error("the change was taken over") {}
};

std::string subject_json(const auth::PlatformSubject& s) {
    return json::serialize(json::object{{"username", s.username},
                                        {"new_username", s.new_username},
                                        {"email", s.email},
                                        {"lang", s.lang},
                                        {"session_id", s.session_id}});
}

auth::PlatformSubject subject_of(const store::AccountChange& change) {
    const json::object object = json::parse(change.subject).as_object();
    const auto text = [&](std::string_view key) -> std::string {
        const json::value* value = object.if_contains(key);
        return value && value->is_string() ? std::string(value->get_string()) : std::string();
    };
    auth::PlatformSubject subject;
    subject.user_id = change.user_id;
    subject.username = text("username");
    subject.new_username = text("new_username");
    subject.email = text("email");
    subject.lang = text("lang");
    subject.session_id = text("session_id");
    return subject;
}

// A rename's undo renames back: its templates see the names swapped.
TemplateValues values_for(const store::AccountChange& change, const auth::PlatformSubject& subject,
                          bool undoing) {
    TemplateValues values;
    values.email = subject.email;
    if (change.kind == "rename") {
        const std::string& before = undoing ? subject.new_username : subject.username;
        const std::string& after = undoing ? subject.username : subject.new_username;
        values.old_username = before;
        values.new_username = after;
        values.username = after;
    } else {
        values.username = subject.username;
    }
    return values;
}

Outcome classify(const HttpResult& result, const std::vector<int>& success) {
    switch (result.kind) {
        case HttpResult::Kind::answered:
            if (std::find(success.begin(), success.end(), result.status) != success.end())
                return Outcome::success;
            return result.status >= 400 && result.status < 500 ? Outcome::refused : Outcome::failed;
        case HttpResult::Kind::timed_out:
            return Outcome::timeout;
        case HttpResult::Kind::unreachable:
            return Outcome::unreachable;
        case HttpResult::Kind::broken:
            return Outcome::failed;
    }
    return Outcome::failed;
}

// A refusal is the service's answer; anything else means it could not answer now.
[[noreturn]] void refuse(PlatformChange change, Outcome outcome) {
    if (outcome != Outcome::refused)
        throw Error(ErrorKind::unavailable, "platform_unavailable",
                    i18n::keys::platform_unavailable, kRetryAfterSeconds);
    switch (change) {
        case PlatformChange::rename:
            throw Error(ErrorKind::conflict, "username_change_refused",
                        i18n::keys::username_change_refused);
        case PlatformChange::remove:
            throw Error(ErrorKind::conflict, "account_deletion_refused",
                        i18n::keys::account_deletion_refused);
        default:
            throw Error(ErrorKind::conflict, "platform_refused", i18n::keys::platform_refused);
    }
}

PlatformChange change_of(const store::AccountChange& change) {
    if (change.kind == "create") return PlatformChange::create;
    if (change.kind == "rename") return PlatformChange::rename;
    if (change.kind == "delete") return PlatformChange::remove;
    return PlatformChange::export_data;
}

std::int64_t seconds_for(std::int64_t timeout_ms) {
    return (timeout_ms + 999) / 1000;
}

}  // namespace

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::success:
            return "success";
        case Outcome::refused:
            return "refused";
        case Outcome::failed:
            return "failed";
        case Outcome::timeout:
            return "timeout";
        case Outcome::unreachable:
            return "unreachable";
    }
    return "?";
}

ServiceTokens::ServiceTokens(const auth::TokenIssuer& tokens, std::string service_name,
                             const Clock& clock, Random& random)
    : tokens_(tokens), service_name_(std::move(service_name)), clock_(clock), random_(random) {}

std::string ServiceTokens::current() {
    std::lock_guard lock(mutex_);
    const std::int64_t now = clock_.now();
    if (token_.empty() || expires_at_ - now <= kTokenRenewBefore) {
        const auth::ServiceClaims claims = tokens_.new_service_claims(service_name_, random_);
        token_ = tokens_.encode(claims);
        expires_at_ = claims.expires_at;
    }
    return token_;
}

void CallMetrics::observe(const std::string& service, std::string_view event, Outcome outcome,
                          double seconds) {
    std::lock_guard lock(mutex_);
    PerCall& per_call = calls_[{service, std::string(event)}];
    if (!per_call.latency)
        per_call.latency = std::make_unique<metrics::Histogram>(metrics::latency_buckets());
    ++per_call.outcomes[outcome];
    per_call.latency->observe(seconds);
}

void CallMetrics::collect(metrics::Writer& out) const {
    std::lock_guard lock(mutex_);
    out.family("authd_hook_calls_total", "counter",
               "Calls to the platform's services, by service, event and outcome.");
    for (const auto& [key, per_call] : calls_) {
        for (const auto& [outcome, count] : per_call.outcomes)
            out.sample(
                "authd_hook_calls_total",
                {{"service", key.first}, {"event", key.second}, {"outcome", outcome_name(outcome)}},
                count);
    }
    out.family("authd_hook_call_duration_seconds", "histogram",
               "How long calls to the platform's services took.");
    for (const auto& [key, per_call] : calls_)
        out.histogram("authd_hook_call_duration_seconds",
                      {{"service", key.first}, {"event", key.second}}, *per_call.latency);
}

AccountChanges::AccountChanges(store::Store& store, const HooksFile& hooks, HttpClient& http,
                               ServiceTokens& tokens, auth::Audit& audit, const Clock& clock,
                               Random& random, ChangeSettings settings)
    : store_(store),
      hooks_(hooks),
      http_(http),
      tokens_(tokens),
      audit_(audit),
      clock_(clock),
      random_(random),
      settings_(settings),
      instance_(random.token(8)),
      pending_(clock, 5),
      task_("account changes", std::chrono::milliseconds(settings.poll_interval_ms),
            [this] { return run_due() >= settings_.batch; }) {}

AccountChanges::~AccountChanges() {
    stop();
}

bool AccountChanges::has_calls(PlatformChange change) const {
    if (change == PlatformChange::export_data) return !hooks_.export_calls.empty();
    return !hooks_.calls(change).empty();
}

auth::HeldChange AccountChanges::begin(store::Transaction& tx, PlatformChange change,
                                       const auth::PlatformSubject& subject) {
    const std::int64_t now = clock_.now();
    store::AccountChange row;
    row.id = random_.token(kIdBytes);
    row.kind = std::string(change_name(change));
    row.user_id = subject.user_id;
    row.subject = subject_json(subject);
    if (change == PlatformChange::rename) row.reserved_username = subject.new_username;
    row.created_at = now;
    row.next_attempt_at = now;
    row.owner = instance_ + ":" + random_.token(8);
    // An export is the background's from the start; the others are the request's until it
    // makes its first call (which extends the claim).
    if (change != PlatformChange::export_data) row.locked_until = now + settings_.claim_margin;
    tx.account_changes().insert(row);
    return {row.id, row.owner};
}

void AccountChanges::run(const auth::HeldChange& held, const auth::ClientInfo& client) {
    std::optional<store::AccountChange> loaded;
    store_.read([&](store::Transaction& tx) { loaded = tx.account_changes().find(held.id); });
    if (!loaded)
        throw Error(ErrorKind::unavailable, "platform_unavailable",
                    i18n::keys::platform_unavailable, kRetryAfterSeconds);
    store::AccountChange change = *loaded;
    change.owner = held.owner;
    const PlatformChange kind = change_of(change);
    if (kind == PlatformChange::export_data) {
        task_.wake();
        return;
    }
    try {
        if (kind == PlatformChange::remove) {
            // Nothing is deleted until the first service has deleted: its refusal refuses.
            const HookCall& first = hooks_.remove.front();
            hold(change, first.call.timeout_ms);
            const Outcome outcome = call(change, first.call, "delete", false, 0, client);
            if (outcome != Outcome::success) {
                store_.write([&](store::Transaction& tx) {
                    tx.account_changes().remove(change.id, change.owner);
                });
                refuse(kind, outcome);
            }
            // From here on the deletion is carried through.
            change.step = 1;
            store_.write([&](store::Transaction& tx) {
                if (!tx.account_changes().save(change)) throw LostClaim();
                effects_->deletion_started(tx, subject_of(change), client);
            });
            if (!forward(change, client)) {
                store_.write([&](store::Transaction& tx) {
                    tx.account_changes().remove(change.id, change.owner);
                });
            } else {
                task_.wake();
            }
            return;
        }
        const std::optional<Outcome> failure = forward(change, client);
        if (!failure) return;  // the caller applies the change and finish()es it
        turn_back(change, *failure != Outcome::refused && *failure != Outcome::unreachable);
        if (undo(change, client) == Progress::waiting) task_.wake();
        refuse(kind, *failure);
    } catch (const LostClaim&) {
        // Another instance's recovery pass took it over: it finishes or undoes it.
        throw Error(ErrorKind::unavailable, "platform_unavailable",
                    i18n::keys::platform_unavailable, kRetryAfterSeconds);
    } catch (const CallCancelled&) {
        store_.write([&](store::Transaction& tx) {
            change.locked_until.reset();
            tx.account_changes().save(change);
        });
        throw Error(ErrorKind::unavailable, "platform_unavailable",
                    i18n::keys::platform_unavailable, kRetryAfterSeconds);
    }
}

void AccountChanges::finish(store::Transaction& tx, const auth::HeldChange& held) {
    if (!tx.account_changes().remove(held.id, held.owner))
        throw Error(ErrorKind::unavailable, "platform_unavailable",
                    i18n::keys::platform_unavailable, kRetryAfterSeconds);
}

void AccountChanges::abandon(const auth::HeldChange& held,
                             const auth::ClientInfo& client) noexcept {
    try {
        std::optional<store::AccountChange> loaded;
        store_.read([&](store::Transaction& tx) { loaded = tx.account_changes().find(held.id); });
        if (!loaded) return;
        store::AccountChange change = *loaded;
        change.owner = held.owner;
        turn_back(change, false);
        if (undo(change, client) == Progress::waiting) task_.wake();
    } catch (const std::exception& e) {
        // The claim lapses and the recovery pass undoes it.
        log::warn("account change " + held.id + ": undo left to the recovery pass: " + e.what());
    }
}

std::optional<Outcome> AccountChanges::forward(store::AccountChange& change,
                                               const auth::ClientInfo& client) {
    const std::vector<HookCall>& calls = hooks_.calls(change_of(change));
    const std::string event(change.kind);
    while (change.step < static_cast<int>(calls.size())) {
        const CallTemplate& next = calls[change.step].call;
        hold(change, next.timeout_ms);
        const Outcome outcome = call(change, next, event, false, change.step, client);
        if (outcome != Outcome::success) {
            if (change.kind == "delete") retry_later(change, std::string(outcome_name(outcome)));
            return outcome;
        }
        ++change.step;
        change.attempts = 0;
        save(change);
    }
    return std::nullopt;
}

void AccountChanges::turn_back(store::AccountChange& change, bool last_call_uncertain) {
    change.direction = "undo";
    change.uncertain = last_call_uncertain;
    if (last_call_uncertain) ++change.step;
    change.attempts = 0;
    save(change);
}

AccountChanges::Progress AccountChanges::undo(store::AccountChange& change,
                                              const auth::ClientInfo& client) {
    const std::vector<HookCall>& calls = hooks_.calls(change_of(change));
    const std::string event = "undo_" + change.kind;
    while (change.step > 0) {
        const int index = change.step - 1;
        const CallTemplate& undo_call = *calls[index].undo;
        hold(change, undo_call.timeout_ms);
        const Outcome outcome = call(change, undo_call, event, true, index, client);
        if (outcome != Outcome::success && outcome != Outcome::refused) {
            retry_later(change, std::string(outcome_name(outcome)));
            return Progress::waiting;
        }
        // A refusal is final: the same request would be refused again. Expected for a call that
        // may never have happened; otherwise worth a warning.
        if (outcome == Outcome::refused && !change.uncertain)
            log::warn("account change " + change.id + ": " + undo_call.service + " refused " +
                      event + "; given up");
        --change.step;
        change.uncertain = false;
        change.attempts = 0;
        save(change);
    }
    const auth::PlatformSubject subject = subject_of(change);
    store_.write([&](store::Transaction& tx) {
        if (!tx.account_changes().remove(change.id, change.owner)) throw LostClaim();
        if (change.kind == "create") effects_->creation_undone(tx, change.user_id);
        store::User user;
        user.id = change.user_id;
        user.username = subject.username;
        audit_.record(tx, client, "platform_change_undone", user, subject.session_id, change.kind);
    });
    return Progress::done;
}

AccountChanges::Progress AccountChanges::gather_export(store::AccountChange& change) {
    json::object results = json::parse(change.results).as_object();
    if (!results.contains("answers")) results["answers"] = json::object{};
    if (!results.contains("unavailable")) results["unavailable"] = json::array{};
    while (change.step < static_cast<int>(hooks_.export_calls.size())) {
        const ExportCall& next = hooks_.export_calls[change.step];
        hold(change, next.call.timeout_ms);
        std::string answer;
        const Outcome outcome =
            call(change, next.call, "export", false, change.step, kBackground, &answer);
        const std::int64_t now = clock_.now();
        if (outcome == Outcome::success) {
            boost::system::error_code error;
            json::value parsed = json::parse(answer, error);
            // Not JSON: the text as it came, rather than nothing.
            results["answers"].as_object()[next.key] =
                error ? json::value(json::string(answer)) : std::move(parsed);
        } else if (outcome == Outcome::refused ||
                   now - change.created_at >= settings_.export_wait) {
            // A refusal would be refused again; anything else is retried for the wait.
            results["unavailable"].as_array().emplace_back(next.key);
        } else {
            change.results = json::serialize(results);
            retry_later(change, std::string(outcome_name(outcome)));
            // Never past the end of the wait: the message goes out then.
            change.next_attempt_at =
                std::min(change.next_attempt_at, change.created_at + settings_.export_wait);
            save(change);
            return Progress::waiting;
        }
        ++change.step;
        change.attempts = 0;
        change.results = json::serialize(results);
        save(change);
    }
    std::vector<std::string> unavailable;
    for (const json::value& key : results["unavailable"].as_array())
        unavailable.emplace_back(key.as_string());
    store_.write([&](store::Transaction& tx) {
        if (!tx.account_changes().remove(change.id, change.owner)) throw LostClaim();
        effects_->export_gathered(tx, change.user_id, results["answers"].as_object(), unavailable);
    });
    return Progress::done;
}

AccountChanges::Progress AccountChanges::advance(store::AccountChange& change) {
    switch (change_of(change)) {
        case PlatformChange::create:
        case PlatformChange::rename:
            // A create or rename whose request died: taken back. Its last call may have been
            // under way when it died, unless every call was made.
            if (change.direction == "forward")
                turn_back(change,
                          change.step < static_cast<int>(hooks_.calls(change_of(change)).size()));
            return undo(change, kBackground);
        case PlatformChange::remove:
            // A delete is carried through: its first call may have happened.
            if (change.step == 0) {
                const auth::PlatformSubject subject = subject_of(change);
                store_.write([&](store::Transaction& tx) {
                    if (!tx.account_changes().save(change)) throw LostClaim();
                    effects_->deletion_started(tx, subject, kBackground);
                });
            }
            if (forward(change, kBackground)) return Progress::waiting;
            store_.write([&](store::Transaction& tx) {
                if (!tx.account_changes().remove(change.id, change.owner)) throw LostClaim();
            });
            return Progress::done;
        case PlatformChange::export_data:
            return gather_export(change);
    }
    return Progress::done;
}

Outcome AccountChanges::call(const store::AccountChange& change, const CallTemplate& call,
                             std::string_view event, bool undoing, int index,
                             const auth::ClientInfo& client, std::string* answer) {
    const auth::PlatformSubject subject = subject_of(change);
    const TemplateValues values = values_for(change, subject, undoing);
    HttpRequest request;
    request.method = call.method;
    request.url = render_url(call.url, values);
    request.timeout_ms = call.timeout_ms;
    request.headers = {
        {"Authorization", "Bearer " + tokens_.current()},
        {"lang", subject.lang.empty() ? std::string("en") : subject.lang},
        {"Idempotency-Key", change.id + (undoing ? ".undo." : ".") + std::to_string(index)},
        {"Accept", "application/json"},
    };
    if (call.body) {
        request.body = json::serialize(render_body(*call.body, values));
        request.headers.emplace_back("Content-Type", "application/json");
    }
    const auto started = std::chrono::steady_clock::now();
    const HttpResult result = http_.send(request, task_.stop_token());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const Outcome outcome = classify(result, call.success);
    metrics_.observe(call.service, event, outcome, seconds);
    std::string detail =
        call.service + " " + std::string(event) + " " + std::string(outcome_name(outcome));
    if (result.kind == HttpResult::Kind::answered) detail += " " + std::to_string(result.status);
    detail += " " + std::to_string(static_cast<long long>(seconds * 1000)) + "ms";
    if (outcome != Outcome::success)
        log::warn("account change " + change.id + ": " + detail +
                  (result.error.empty() ? "" : " (" + result.error + ")"));
    store_.write([&](store::Transaction& tx) {
        store::User user;
        user.id = change.user_id;
        user.username = subject.username;
        audit_.record(tx, client, "platform_call", user, subject.session_id, detail);
    });
    if (answer && outcome == Outcome::success) *answer = result.body;
    return outcome;
}

void AccountChanges::hold(store::AccountChange& change, std::int64_t timeout_ms) {
    change.locked_until = clock_.now() + seconds_for(timeout_ms) + settings_.claim_margin;
    save(change);
}

void AccountChanges::save(const store::AccountChange& change) {
    bool saved = false;
    store_.write([&](store::Transaction& tx) { saved = tx.account_changes().save(change); });
    if (!saved) throw LostClaim();
}

void AccountChanges::retry_later(store::AccountChange& change, const std::string& error) {
    ++change.attempts;
    change.next_attempt_at =
        clock_.now() +
        exponential_backoff(change.attempts, settings_.retry_base, settings_.retry_max);
    change.locked_until.reset();
    change.last_error = error;
    save(change);
}

int AccountChanges::run_due() {
    const std::int64_t now = clock_.now();
    std::vector<std::string> due;
    store_.read(
        [&](store::Transaction& tx) { due = tx.account_changes().due(now, settings_.batch); });
    int taken = 0;
    for (const std::string& id : due) {
        if (task_.stop_token().stop_requested()) break;
        const std::string owner = instance_ + ":" + random_.token(8);
        std::optional<store::AccountChange> change;
        store_.write([&](store::Transaction& tx) {
            if (tx.account_changes().claim(id, owner, now, now + settings_.claim_margin))
                change = tx.account_changes().find(id);
        });
        if (!change) continue;  // another instance took it
        ++taken;
        try {
            advance(*change);
        } catch (const LostClaim&) {
        } catch (const CallCancelled&) {
            change->locked_until.reset();
            store_.write([&](store::Transaction& tx) { tx.account_changes().save(*change); });
            break;
        }
    }
    return taken;
}

void AccountChanges::start() {
    task_.start();
}

void AccountChanges::stop() {
    task_.stop();
}

void AccountChanges::collect(metrics::Writer& out) {
    metrics_.collect(out);
    const auto pending = pending_.get([this] {
        std::int64_t count = 0;
        store_.read([&](store::Transaction& tx) { count = tx.account_changes().count(); });
        return count;
    });
    out.family("authd_account_changes_pending", "gauge",
               "Account changes under way or waiting to be finished or undone.");
    if (pending) out.sample("authd_account_changes_pending", {}, static_cast<double>(*pending));
}

}  // namespace authd::platform
