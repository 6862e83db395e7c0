-- wrk script for bench/oidc.py: token endpoint requests, each with its own client assertion.
--
--   wrk -t1 -c2 -d600s -s bench/wrk_token.lua http://127.0.0.1:8103/token -- MODE FOLDER [close]
--
-- MODE "code": one authorization code per request, from FOLDER/grants.txt.
-- MODE "refresh": refresh tokens from FOLDER/grants.txt, rotated: each 200 response gives the
-- refresh token that the next request of that family presents (any free token will do: all
-- belong to the one bench client).
-- FOLDER/assertions.txt holds one pre-signed client assertion per line; each is used once
-- (their jti is single-use). When either list runs out the thread stops and writes
-- FOLDER/finished; bench/oidc.py then ends wrk with SIGINT (wrk's main thread would otherwise
-- sleep out its duration). With "close", each request asks for its connection to be closed
-- (Connection: close), so each pays for a new connection. Prints "ok N failed M" and the
-- median and 99th percentile latency ("p50 X p99 Y", in ms) at the end.

local JWT_BEARER = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
local REDIRECT_URI = "https%3A%2F%2Fbench.example%2Fcallback"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(out, line)
    end
  end
  return out
end

function init(args)
  mode = args[1]
  folder = args[2]
  headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  if args[3] == "close" then
    headers["Connection"] = "close"
  end
  assertions = lines(args[2] .. "/assertions.txt")
  grants = lines(args[2] .. "/grants.txt")
  next_assertion = 1
  ok = 0
  failed = 0
  sent = 0
end

function request()
  local assertion = assertions[next_assertion]
  local grant = table.remove(grants)
  if assertion == nil or grant == nil then
    if not finished then -- tell bench/oidc.py, which then stops wrk with SIGINT
      finished = true
      io.open(folder .. "/finished", "w"):close()
    end
    wrk.thread:stop()
    return wrk.format("GET", "/.well-known/jwks.json") -- never sent: the thread has stopped
  end
  next_assertion = next_assertion + 1
  sent = sent + 1
  local body
  if mode == "code" then
    body = "grant_type=authorization_code&code=" .. grant .. "&redirect_uri=" .. REDIRECT_URI
  else
    body = "grant_type=refresh_token&refresh_token=" .. grant
  end
  body = body .. "&client_assertion_type=" .. JWT_BEARER .. "&client_assertion=" .. assertion
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if mode == "refresh" then
      local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
      if token then
        table.insert(grants, 1, token)
      end
    end
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
  end
  io.write(string.format("ok %d failed %d\n", total_ok, total_failed))
  io.write(string.format("p50 %.3f p99 %.3f\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
