-- A fixed GET of the URL's path (/healthz, or the HTTP floor): wrk's static request, plus the
-- summary line of common.lua.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
