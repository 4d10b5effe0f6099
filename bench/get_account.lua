-- GET /api/auth/<username> with the owner's bearer token.
-- BENCH_TOKENS: a file of "username access_token" lines; each thread cycles through all of them,
-- starting at its own line.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local prepared = {}
local position = 1

function init(args)
    for _, line in ipairs(bench_read_lines(os.getenv("BENCH_TOKENS"))) do
        local username, token = line:match("^(%S+)%s+(%S+)$")
        assert(username, "bad line in BENCH_TOKENS")
        table.insert(prepared, wrk.format("GET", "/api/auth/" .. username,
                                          {["Authorization"] = "Bearer " .. token}))
    end
    position = (thread_index or 0) % #prepared + 1
end

function request()
    if #prepared == 0 then return wrk.format("GET", "/api/auth/nobody") end
    local r = prepared[position]
    position = position % #prepared + 1
    return r
end
