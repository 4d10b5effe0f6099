#include "auth/sessions.h"

#include "auth/user_rules.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::auth {
namespace {

constexpr std::size_t kIdentifierBytes = 16;  // 128-bit random identifiers

// A refresh token of the earlier form names its user too; it must be the session's.
bool names_owner(const RefreshClaims& claims, const store::Session& session) {
    return claims.subject.empty() || claims.subject == session.user_id;
}

}  // namespace

void throw_login_failed() {
    // Exactly SimpleJWT's body: the front end compares it.
    throw Error(ErrorKind::unauthenticated, "", i18n::keys::login_failed);
}

void throw_invalid_bearer() {
    throw Error(ErrorKind::invalid_token, "token_not_valid", i18n::keys::token_not_valid);
}

void throw_invalid_refresh() {
    throw Error(ErrorKind::unauthenticated, "token_not_valid",
                i18n::keys::token_invalid_or_expired);
}

Sessions::Sessions(store::Store& store, const TokenIssuer& tokens, const Secrets& secrets,
                   Audit& audit, const Clock& clock, Random& random)
    : store_(store),
      tokens_(tokens),
      secrets_(secrets),
      audit_(audit),
      clock_(clock),
      random_(random),
      active_count_(clock, 5) {}

void Sessions::collect(metrics::Writer& out) {
    const auto active = active_count_.get([this] {
        const std::int64_t now = clock_.now();
        std::int64_t count = 0;
        store_.read([&](store::Transaction& tx) {
            count = tx.sessions().count_live(now, now - tokens_.settings().refresh_idle_timeout);
        });
        return count;
    });
    out.family("authd_active_sessions", "gauge",
               "Login sessions not ended, expired or idle too long (counted at most every 5 s).");
    if (active) out.sample("authd_active_sessions", {}, static_cast<double>(*active));
}

bool Sessions::live(const store::Session& session, std::int64_t now) const {
    return store::live(session, now);
}

TokenPair Sessions::mint(const store::User& user, const store::Session& session,
                         const std::string& refresh_jti, const std::string& access_jti,
                         std::int64_t at) const {
    UserClaims claims;
    claims.jti = access_jti;
    claims.username = user.username;
    claims.subject = user.id;
    claims.session_id = session.id;
    claims.auth_time = session.auth_time;
    claims.issued_at = at;
    claims.expires_at = std::min(at + tokens_.settings().access_lifetime, session.expires_at);
    TokenPair pair;
    pair.access = tokens_.encode(claims);
    pair.refresh = tokens_.encode(RefreshClaims{session.id, refresh_jti, {}});
    return pair;
}

Sessions::LoginResult Sessions::open(store::Transaction& tx, const store::User& user,
                                     const ClientInfo& client, std::string_view auth_method) {
    // The account may have been deleted or its password changed since it was read.
    auto current = tx.users().find_by_id(user.id);
    if (!current || !current->is_active || current->password_hash != user.password_hash)
        throw_login_failed();
    const std::int64_t now = clock_.now();
    store::Session session;
    session.id = random_.token(kIdentifierBytes);
    session.user_id = current->id;
    session.created_at = now;
    session.last_used_at = now;
    session.auth_time = now;
    session.expires_at = now + tokens_.settings().refresh_lifetime;
    const std::string refresh_jti = random_.token(kIdentifierBytes);
    session.refresh_hash = hash_identifier(refresh_jti);
    session.user_agent = client.user_agent;
    session.ip = client.ip;
    session.auth_method = auth_method;
    tx.users().record_login(current->id, now);
    tx.sessions().insert(session);
    return {mint(*current, session, refresh_jti, random_.token(kIdentifierBytes), now),
            current->lang, session.id};
}

TokenPair Sessions::refresh(std::string_view refresh_token, const ClientInfo& client) {
    RefreshClaims claims;
    try {
        claims = tokens_.decode_refresh(refresh_token);
    } catch (const InvalidToken& e) {
        log::info(std::string("refresh refused: ") + e.what());
        throw_invalid_refresh();
    }
    const std::string presented_hash = hash_identifier(claims.jti);
    const std::string next_refresh_jti = secrets_.derive("refresh", claims.jti);
    const std::string next_access_jti = secrets_.derive("access", claims.jti);

    enum class Outcome { rotated, grace, refused, reused };
    Outcome outcome = Outcome::refused;
    store::User user;
    store::Session session;
    std::int64_t issued_at = 0;
    store_.write([&](store::Transaction& tx) {
        const std::int64_t now = clock_.now();
        auto found = tx.sessions().find(claims.session_id);
        if (!found || !names_owner(claims, *found) || !live(*found, now)) return;
        auto owner = tx.users().find_by_id(found->user_id);
        if (!owner || !owner->is_active) return;
        session = *found;
        user = *owner;
        if (session.refresh_hash == presented_hash) {
            if (now - session.last_used_at > tokens_.settings().refresh_idle_timeout) {
                tx.sessions().revoke(session.id, now, "idle");
                return;
            }
            if (tx.sessions().rotate_refresh(session.id, presented_hash,
                                             hash_identifier(next_refresh_jti), now)) {
                outcome = Outcome::rotated;
                issued_at = now;
                return;
            }
            // Another request rotated it between our read and our update: read its result.
            found = tx.sessions().find(claims.session_id);
            if (!found || !live(*found, now)) return;
            session = *found;
        }
        if (session.previous_refresh_hash == presented_hash && session.rotated_at &&
            // Whole seconds: "<" keeps a 0 s period from granting the rest of the second.
            now - *session.rotated_at < tokens_.settings().refresh_grace_period &&
            session.refresh_hash == hash_identifier(next_refresh_jti)) {
            outcome = Outcome::grace;
            issued_at = *session.rotated_at;
            return;
        }
        // An authentic refresh token of this session (its tag, or the earlier form's signature,
        // checked) that is no longer current: it was stolen or replayed. End the session so neither
        // party can go on with it.
        tx.sessions().revoke(session.id, now, "refresh_token_reuse");
        audit_.record(tx, client, event::refresh_reuse_detected, user, session.id);
        outcome = Outcome::reused;
    });
    switch (outcome) {
        case Outcome::rotated:
        case Outcome::grace:
            return mint(user, session, next_refresh_jti, next_access_jti, issued_at);
        case Outcome::reused:
            log::warn("refresh token reuse detected: session revoked");
            throw_invalid_refresh();
        case Outcome::refused:
            break;
    }
    throw_invalid_refresh();
}

void Sessions::logout(std::string_view refresh_token, const ClientInfo& client) {
    RefreshClaims claims;
    try {
        // An expired token still names its session, and ending it is always safe.
        claims = tokens_.decode_refresh(refresh_token, false);
    } catch (const InvalidToken& e) {
        log::info(std::string("logout refused: ") + e.what());
        throw_invalid_refresh();
    }
    store_.write([&](store::Transaction& tx) {
        auto session = tx.sessions().find(claims.session_id);
        if (session && names_owner(claims, *session) &&
            tx.sessions().revoke(session->id, clock_.now(), "logout")) {
            const auto user = tx.users().find_by_id(session->user_id);
            audit_.record(tx, client, event::logout, user ? &*user : nullptr, session->id);
        }
    });
}

Principal Sessions::authenticate(std::string_view access_token) {
    UserClaims claims;
    try {
        claims = tokens_.decode_access(access_token);
    } catch (const InvalidToken& e) {
        log::info(std::string("access token refused: ") + e.what());
        throw_invalid_bearer();
    }
    std::optional<Principal> principal;
    store_.read([&](store::Transaction& tx) {
        auto found = tx.sessions().find_with_user(claims.session_id);
        if (!found) return;
        auto& [session, user] = *found;
        if (session.user_id != claims.subject || !live(session, clock_.now()) || !user.is_active)
            return;
        principal = Principal{std::move(user), std::move(session)};
    });
    if (!principal) throw_invalid_bearer();
    return std::move(*principal);
}

void Sessions::logout_all(const Principal& principal, const ClientInfo& client) {
    store_.write([&](store::Transaction& tx) {
        tx.sessions().revoke_all_of_user(principal.user.id, clock_.now(), "logout_all", "");
        audit_.record(tx, client, event::logout_all, principal.user, principal.session.id);
    });
}

std::vector<Sessions::SessionView> Sessions::list(const Principal& principal) {
    constexpr int kEventsPerSession = 50;
    std::vector<SessionView> sessions;
    store_.read([&](store::Transaction& tx) {
        for (store::Session& session :
             tx.sessions().live_of_user(principal.user.id, clock_.now())) {
            auto events = tx.audit().of_session(session.id, kEventsPerSession);
            sessions.push_back({std::move(session), std::move(events)});
        }
    });
    return sessions;
}

void Sessions::end(const Principal& principal, const std::string& session_id,
                   const ClientInfo& client) {
    bool ended = false;
    store_.write([&](store::Transaction& tx) {
        auto session = tx.sessions().find(session_id);
        if (session && session->user_id == principal.user.id && live(*session, clock_.now()))
            ended = tx.sessions().revoke(session_id, clock_.now(), "ended_by_user");
        if (ended) audit_.record(tx, client, event::session_ended, principal.user, session_id);
    });
    if (!ended) throw Error(ErrorKind::not_found, "not_found", i18n::keys::not_found);
}

TokenPair Sessions::reissue(store::Transaction& tx, const store::User& user,
                            const store::Session& session) {
    const std::int64_t now = clock_.now();
    const std::string refresh_jti = random_.token(kIdentifierBytes);
    tx.sessions().replace_refresh(session.id, hash_identifier(refresh_jti), now);
    return mint(user, session, refresh_jti, random_.token(kIdentifierBytes), now);
}

IntrospectionResult Sessions::introspect(std::string_view token) {
    IntrospectionResult result;
    try {
        const std::string type = tokens_.token_type_of(token);
        if (type == "service") {
            const ServiceClaims claims = tokens_.decode_service(token);
            result.active = true;
            result.token_type = type;
            result.service_name = claims.service_name;
            result.expires_at = claims.expires_at;
            return result;
        }
        std::optional<UserClaims> access;
        std::optional<RefreshClaims> refresh;
        if (type == "access")
            access = tokens_.decode_access(token);
        else if (type == "refresh")
            refresh = tokens_.decode_refresh(token);
        else
            return result;
        const std::string& session_id = access ? access->session_id : refresh->session_id;
        store_.read([&](store::Transaction& tx) {
            auto session = tx.sessions().find(session_id);
            if (!session || !live(*session, clock_.now())) return;
            if (access && session->user_id != access->subject) return;
            if (refresh && (!names_owner(*refresh, *session) ||
                            session->refresh_hash != hash_identifier(refresh->jti)))
                return;
            auto user = tx.users().find_by_id(session->user_id);
            if (!user || !user->is_active) return;
            result.active = true;
            result.token_type = type;
            result.username = user->username;
            result.session_id = session->id;
            // A refresh token lasts as long as its session.
            result.expires_at = access ? access->expires_at : session->expires_at;
        });
    } catch (const InvalidToken&) {
        return IntrospectionResult{};
    }
    return result;
}

}  // namespace authd::auth
