-- bench/static.lua - wrk script for the nginx reference: a GET of a small
-- static file, built per request and checked per response, so that wrk
-- does the same kind of Lua work per request as with ussd.lua.
counter = 0
bad = 0
threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function request()
	counter = counter + 1
	return wrk.format("GET", "/ussd.txt")
end

function response(status, headers, body)
	if status ~= 200 or body:sub(1, 4) ~= "CON " then bad = bad + 1 end
end

function done(summary, latency, requests)
	local b = 0
	for _, t in ipairs(threads) do b = b + (t:get("bad") or 0) end
	io.write(string.format("STATIC-REPLIES non-200=%d\n", b))
end
