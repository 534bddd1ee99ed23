-- wrk load for tracker announces: 1,000 torrents, 200,000 peers (200 per
-- torrent, half of them seeds), numwant 50. Peers are visited in turn so
-- a run of 200k+ requests has announced every one of them.
--   TORRENTS=FILE  lines "PCT-ENCODED-INFOHASH TOKEN" (token may be "-")
--   PREFIX=/announce    path before the token ("/announce/" + token)
--   BADTOKEN=1     use a fresh random signature on each request
--   CLOSE=1        send Connection: close (one TCP connection per announce)
local torrents = {}
local counter = 0
thread_id = 0 -- set per thread by setup()
local nthreads = 1
local peers = 200000

local function load()
	for line in io.lines(os.getenv("TORRENTS")) do
		local ih, tok = line:match("^(%S+) (%S+)$")
		-- "header.payload." of the token, for BADTOKEN
		local signed = tok:match("^(.*%.)") or ""
		torrents[#torrents + 1] = {ih = ih, tok = tok, signed = signed}
	end
end

local ids = 0
function setup(thread)
	thread:set("thread_id", ids)
	ids = ids + 1
end

function init(args)
	load()
	nthreads = tonumber(os.getenv("THREADS") or "1")
	math.randomseed(thread_id * 7919 + 1)
	counter = 0
end

-- a different (wrong) signature on every request, cheap to make
local function random_sig(n)
	return string.format("%043d", n)
end

function request()
	local p = (counter * nthreads + thread_id) % peers
	counter = counter + 1
	local t = torrents[(p % #torrents) + 1]
	local path
	local tok = t.tok
	if os.getenv("BADTOKEN") == "1" then
		tok = t.signed .. random_sig(p + counter * 1000003)
	end
	if tok == "-" then
		path = "/announce"
	else
		path = "/announce/" .. tok
	end
	local left = (p % 2 == 0) and 0 or 1000000
	path = path .. "?info_hash=" .. t.ih ..
		string.format("&peer_id=-BN0001-%012d&port=%d&uploaded=0" ..
			"&downloaded=0&left=%d&compact=1&numwant=50",
			p, 1024 + p % 60000, left)
	local headers = {}
	if os.getenv("CLOSE") == "1" then
		headers["Connection"] = "close"
	end
	return wrk.format("GET", path, headers)
end
