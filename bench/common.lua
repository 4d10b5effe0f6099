-- Shared by the wrk scripts of bench/ (loaded with dofile): the thread registry, optional
-- status tallies, and done(), which prints one machine-readable line for bench/run:
--   BENCH_RESULT {"requests": ..., "rps": ..., "p50_ms": ..., "p99_ms": ..., ...}
-- Environment: BENCH_TALLY=1 counts answers by status (costs the client a little CPU).

local bench_threads = {}
local next_thread_index = 0

-- Every thread learns its index (0-based) before init(); scripts split their inputs by it.
function setup(thread)
    thread:set("thread_index", next_thread_index)
    next_thread_index = next_thread_index + 1
    table.insert(bench_threads, thread)
end

statuses = {}
extra = {}  -- per-thread counters a script wants reported (numbers only)

function bench_count(name, n)
    extra[name] = (extra[name] or 0) + (n or 1)
end

function bench_tally(status)
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
end

function bench_tally_wanted()
    return os.getenv("BENCH_TALLY") == "1"
end

-- The lines of a file, without blanks; a missing file is an error that stops wrk at once.
function bench_read_lines(path)
    local lines = {}
    local file = assert(io.open(assert(path, "file name not set"), "r"))
    for line in file:lines() do
        if line:match("%S") then table.insert(lines, line) end
    end
    file:close()
    return lines
end

function bench_thread_count()
    return tonumber(os.getenv("BENCH_THREADS") or "1")
end

local function json_object(t)
    local parts = {}
    for k, v in pairs(t) do
        table.insert(parts, string.format('"%s": %d', k, v))
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
    local all_statuses, all_extra = {}, {}
    for _, thread in ipairs(bench_threads) do
        for k, v in pairs(thread:get("statuses") or {}) do
            all_statuses[k] = (all_statuses[k] or 0) + v
        end
        for k, v in pairs(thread:get("extra") or {}) do
            all_extra[k] = (all_extra[k] or 0) + v
        end
    end
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, ' ..
        '"p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "connect_errors": %d, ' ..
        '"read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d, ' ..
        '"statuses": %s, "extra": %s}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        e.connect, e.read, e.write, e.timeout, e.status,
        json_object(all_statuses), json_object(all_extra)))
end

-- Scripts without a response() of their own tally statuses only when asked.
if bench_tally_wanted() then
    function response(status, headers, body)
        bench_tally(status)
    end
end
