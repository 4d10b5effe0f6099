-- POST /api/auth/ with a new account each time: a registration flood. Each request names a
-- fresh account (so each costs a password hash) and claims to come, through X-Forwarded-For
-- (authd trusts 127.0.0.1 in this phase), from one of 256 attacker addresses.
-- BENCH_PASSWORD: the accounts' password; BENCH_RUN: a tag that keeps names unique across runs.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local counter = 0
local password
local run

function init(args)
    password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD not set")
    run = os.getenv("BENCH_RUN") or "r"
end

function request()
    counter = counter + 1
    local name = string.format("flood%s_%d_%d", run, thread_index or 0, counter)
    local body = string.format(
        '{"username": "%s", "email": "%s@example.com", "password": "%s", "password2": "%s"}',
        name, name, password, password)
    local headers = {["Content-Type"] = "application/json",
                     ["X-Forwarded-For"] = string.format("198.51.100.%d", counter % 256)}
    return wrk.format("POST", "/api/auth/", headers, body)
end

function response(status, headers, body)
    bench_tally(status)
end
