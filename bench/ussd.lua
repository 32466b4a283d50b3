-- bench/ussd.lua - wrk script for stafetad's USSD callback (POST /ussd).
--
-- Every request is a realistic FIRST request of a USSD session as an
-- aggregator sends it: a fresh sessionId (never seen before, so the daemon
-- opens a new session, runs the flow's first step and stores the session),
-- serviceCode = the dialled code, text empty (the user has only dialled),
-- phoneNumber = one of 10000 numbers +4072XXXXXXX (spread over the run, as
-- many residents dialling).  The reply is "CON <menu>".
--
-- Environment (read by ussd.sh and passed through wrk's environment):
--   USSD_SECRET   shared secret, sent as header X-Stafeta-Secret
--   USSD_CODE     service code, default *123#
local secret = os.getenv("USSD_SECRET") or "bench-secret"
local code = os.getenv("USSD_CODE") or "*123#"

-- globals on purpose: wrk's thread:set/get only see globals
counter = 0
tid = 0
threads = {}

-- give each wrk thread its own id so sessionIds never collide
function setup(thread)
	tid = tid + 1
	thread:set("tid", tid)
	table.insert(threads, thread)
end

local function urlencode(s)
	return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
	-- per-run nonce, so two runs against the same database never reuse ids
	nonce = tostring(os.time())
end

function request()
	counter = counter + 1
	local sid = string.format("bench-%s-%d-%d", nonce, tid, counter)
	local phone = string.format("+40722%06d", (tid * 7919 + counter) % 10000)
	local body = "sessionId=" .. urlencode(sid) ..
		"&serviceCode=" .. urlencode(code) ..
		"&phoneNumber=" .. urlencode(phone) ..
		"&text="
	return wrk.format("POST", "/ussd", {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["X-Stafeta-Secret"] = secret,
	}, body)
end

-- count replies that are not a USSD screen (CON/END), e.g. 4xx/5xx
bad = 0
con = 0
endc = 0
function response(status, headers, body)
	if status ~= 200 then
		bad = bad + 1
	elseif body:sub(1, 4) == "CON " then
		con = con + 1
	elseif body:sub(1, 4) == "END " then
		endc = endc + 1
	else
		bad = bad + 1
	end
	if first_body == nil then first_body = body end
end

function done(summary, latency, requests)
	local b, c, e = 0, 0, 0
	local sample = nil
	for _, t in ipairs(threads) do
		b = b + (t:get("bad") or 0)
		c = c + (t:get("con") or 0)
		e = e + (t:get("endc") or 0)
		sample = sample or t:get("first_body")
	end
	io.write(string.format("USSD-REPLIES CON=%d END=%d other/non-200=%d\n", c, e, b))
	if sample then
		io.write("USSD-SAMPLE " .. sample:gsub("\n", "\\n"):sub(1, 200) .. "\n")
	end
end
