-- POST /api/auth/refresh with rotation: every answer's new refresh token is the next one its
-- session sends, and no token is ever sent twice.
-- BENCH_REFRESH_TOKENS: a file of refresh tokens, one per session, at least as many per thread
-- as the thread has connections; thread i takes lines i, i + BENCH_THREADS, ...
-- Each thread keeps its sessions' current tokens in a pool: a request takes one out (it is
-- spent from then on), its answer puts the session's next token back. A connection has at most
-- one request in flight, so the pool never runs dry while every answer is a 200. An answer
-- that is not a 200 loses its session (counted as an error: a 401 there would mean a token was
-- used twice), and so does an answer repeating a token already received ("duplicate_tokens":
-- a spent token replayed within the grace period gets its pair again); should the pool ever
-- run dry, the thread logs in again (BENCH_USERS, BENCH_PASSWORD) and counts it in
-- "relogins". Before the run, wrk calls thread 0's request() once to check the request's
-- syntax and never sends it: that token is dropped unsent (the spare sessions cover it).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

-- A FIFO queue, so every session is rotated in turn.
local pool, first, last = {}, 1, 0
local received = {}  -- every refresh token answered so far
local relogin_request = nil
local headers = {["Content-Type"] = "application/json"}

function init(args)
    local threads = bench_thread_count()
    for i, token in ipairs(bench_read_lines(os.getenv("BENCH_REFRESH_TOKENS"))) do
        if (i - 1) % threads == (thread_index or 0) then
            last = last + 1
            pool[last] = token
        end
    end
    local users = bench_read_lines(os.getenv("BENCH_USERS"))
    local username = users[(thread_index or 0) % #users + 1]
    relogin_request = wrk.format("POST", "/api/auth/login", headers,
                                 string.format('{"username": "%s", "password": "%s"}', username,
                                               os.getenv("BENCH_PASSWORD")))
end

function request()
    if relogin_request == nil then return wrk.format("POST", "/api/auth/refresh") end
    local token = nil
    if first <= last then
        token = pool[first]
        pool[first] = nil
        first = first + 1
    end
    if token == nil then
        bench_count("relogins")
        return relogin_request
    end
    return wrk.format("POST", "/api/auth/refresh", headers,
                      '{"refresh": "' .. token .. '"}')
end

function response(status, headers, body)
    bench_tally(status)
    if status == 200 then
        local token = body:match('"refresh"%s*:%s*"([^"]+)"')
        if token and received[token] then
            -- The same pair twice: a token was replayed (within the grace period it gets its
            -- pair again rather than a 401). Never happens unless a token was reused.
            bench_count("duplicate_tokens")
        elseif token then
            received[token] = true
            last = last + 1
            pool[last] = token
        else
            bench_count("answers_without_token")
        end
    elseif status == 401 then
        bench_count("refused_401")
    end
end
