-- POST /api/auth/login, rotating over a pool of accounts (so no per-account limit trips) that
-- share one password.
-- BENCH_USERS: a file of usernames, one a line; BENCH_PASSWORD: their password.
-- BENCH_RATE (optional): logins offered per second over all threads (BENCH_THREADS of them),
-- paced on the wall clock whatever the answers' latency: an open-loop offer, as long as there
-- are enough connections. Without it, each connection sends as soon as it has its answer.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local prepared = {}
local position = 1

function init(args)
    local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD not set")
    local headers = {["Content-Type"] = "application/json"}
    -- The client address claimed to authd, which trusts 127.0.0.1 as a proxy: BENCH_FORWARDED_FOR
    -- for all, or else one address of 10.0.0.0/8 per account, so that the per-address limits
    -- and shares see as many clients as accounts.
    local forwarded = os.getenv("BENCH_FORWARDED_FOR")
    for i, username in ipairs(bench_read_lines(os.getenv("BENCH_USERS"))) do
        local body = string.format('{"username": "%s", "password": "%s"}', username, password)
        if forwarded and forwarded ~= "" then
            headers["X-Forwarded-For"] = forwarded
        else
            headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256,
                                                       math.floor(i / 256) % 256, i % 256)
        end
        table.insert(prepared, wrk.format("POST", "/api/auth/login", headers, body))
    end
    -- Threads start far apart in the list so that they never log in the same account at once.
    position = math.floor((thread_index or 0) * #prepared / bench_thread_count()) % #prepared + 1
end

function request()
    if #prepared == 0 then return wrk.format("POST", "/api/auth/login") end
    local r = prepared[position]
    position = position % #prepared + 1
    return r
end

function response(status, headers, body)
    bench_tally(status)
end

local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate and rate > 0 then
    local ffi = require("ffi")
    ffi.cdef [[
        typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
        int clock_gettime(int clock_id, bench_timespec *tp);
    ]]
    local CLOCK_MONOTONIC = 1
    local now = ffi.new("bench_timespec")
    local function now_ms()
        ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
        return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
    end
    local interval = 1000 * bench_thread_count() / rate  -- ms between this thread's sends
    local next_send = nil

    -- Called before each request of any of this thread's connections: the next free slot.
    function delay()
        local t = now_ms()
        -- Slots missed while every connection was busy are made up, but never more than a
        -- second's worth at once.
        if next_send == nil or next_send < t - 1000 then next_send = t end
        local wait = next_send - t
        next_send = next_send + interval
        if wait <= 0 then return 0 end
        return math.ceil(wait)
    end
end
