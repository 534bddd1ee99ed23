-- wrk: POST /license with random (token, ClearKey request) pairs, one a
-- line in $LIC_REQS as "TOKEN<TAB>BODY". Keep-alive connections.
local reqs = {}

function init(args)
	for line in io.lines(os.getenv("LIC_REQS")) do
		local tok, body = line:match("^([^\t]+)\t(.+)$")
		reqs[#reqs + 1] = wrk.format("POST", "/license", {
			["Authorization"] = "Bearer " .. tok,
			["Content-Type"] = "application/json",
		}, body)
	end
end

function request()
	return reqs[math.random(#reqs)]
end

local bad = 0
function response(status, headers, body)
	if status ~= 200 then
		bad = bad + 1
		if bad == 1 then
			io.stderr:write("license answer " .. status .. ": " .. body .. "\n")
		end
	end
end
