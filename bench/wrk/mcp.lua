-- wrk script for the Streamable HTTP workloads of bench/run.sh.
--
-- MCP needs per-connection state (each connection holds its own session), and wrk keeps Lua
-- state per thread, so run.sh always starts wrk with as many threads as connections
-- (-t N -c N): then one thread drives exactly one connection, and thread state is connection
-- state.
--
-- Environment (read here, because wrk decides whether a script paces requests before init()):
--   MCP_WORKLOAD  session  whole sessions: initialize, notifications/initialized, tools/list,
--                          DELETE, again
--                 list     one session per connection, then tools/list again and again
--                 call     one session per connection, then tools/call get-token again and again
--                 mixed    agent-like sessions: initialize, initialized, tools/list, 8 calls of
--                          7 read tools, ping, DELETE, again
--                 direct   GET of the token get-token reads, sent to the sandbox itself
--                 stateless-list, stateless-call   tools/list or tools/call get-token again and
--                          again without a session (legacy 2025-11-25 requests, as a --stateless
--                          server takes them)
--                 modern-list, modern-call   the same as MCP 2026-07-28 requests: the
--                          per-request envelope in params._meta, and MCP-Protocol-Version,
--                          Mcp-Method and Mcp-Name headers; no session
--   MCP_RATE      requests/s to offer over all connections (0 or unset: as fast as possible)
--   MCP_CONNS     connections (to split MCP_RATE between them)
--   MCP_SCW_KEY   the sandbox's Scaleway key (direct only)
--   MCP_ACCEPT_ENCODING  the Accept-Encoding sent with every MCP request; default
--                 "gzip, deflate", which is what the official TypeScript SDK client sends (Node's
--                 fetch adds it); "" sends none
--
-- done() prints one line "WRK_JSON {...}" that run.sh collects. Errors counted here are
-- responses with the wrong status or an error in the body (JSON-RPC error or isError), plus
-- wrk's socket errors; every response is checked.

local workload = os.getenv("MCP_WORKLOAD") or "list"
local rate = tonumber(os.getenv("MCP_RATE") or "0")
local conns = tonumber(os.getenv("MCP_CONNS") or "1")
local scw_key = os.getenv("MCP_SCW_KEY") or ""
local accept_encoding = os.getenv("MCP_ACCEPT_ENCODING") or "gzip, deflate"

local TOKEN_ID = "6c817983-ed16-424d-947b-c7e29fb0e8e0"
local PROJECT_ID = "cc732626-aa9f-456d-8b50-a98235146605"
local SECRET_ID = "f755dc6c-fe9f-41bf-bf03-ff5927bdfec9"
local USER_ID = "bd40b601-a3ed-43fc-8ccb-9a8234977f02"

-- Request bodies are split around their id: MCP forbids reusing a request id within a
-- session, so every request gets the next number of its connection.
local INITIALIZE = { '{"jsonrpc":"2.0","id":', ',"method":"initialize","params":{"protocolVersion":'
  .. '"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"4.1"}}}' }
local INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}'
local LIST = { '{"jsonrpc":"2.0","id":', ',"method":"tools/list"}' }
local PING = { '{"jsonrpc":"2.0","id":', ',"method":"ping"}' }

local function call(name, arguments)
  return { '{"jsonrpc":"2.0","id":', ',"method":"tools/call","params":{"name":"' .. name
    .. '","arguments":' .. arguments .. '}}' }
end

local GET_TOKEN = call("get-token", '{"region":"fr-par","token_id":"' .. TOKEN_ID .. '"}')
-- MCP 2026-07-28: every request carries its version and the client's capabilities.
local ENVELOPE = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"4.1"},'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}'
local MODERN_LIST = { '{"jsonrpc":"2.0","id":', ',"method":"tools/list","params":{' .. ENVELOPE .. '}}' }
local MODERN_CALL = { '{"jsonrpc":"2.0","id":', ',"method":"tools/call","params":{"name":"get-token",'
  .. '"arguments":{"region":"fr-par","token_id":"' .. TOKEN_ID .. '"},' .. ENVELOPE .. '}}' }
-- What an agent auditing credentials does in one session: mostly reads, across all surfaces.
local AGENT_CALLS = {
  call("list-all-tokens", '{"region":"fr-par"}'),
  GET_TOKEN,
  call("list-secrets", '{"region":"fr-par","project_id":"' .. PROJECT_ID .. '"}'),
  call("get-metadata-using-secret-s-id", '{"region":"fr-par","secret_id":"' .. SECRET_ID .. '"}'),
  call("list-jwts", '{"audience_id":"' .. USER_ID .. '"}'),
  call("list-service-tokens", '{"organization":"demo-org"}'),
  call("get-service-token", '{"organization":"demo-org","id":"9lgmxg9edn58"}'),
  GET_TOKEN,
}

-- The steps of one connection's loop; `from` is where the loop restarts after the last step.
local plans = {
  session = { steps = { "initialize", "initialized", "list", "delete" }, from = 1 },
  list = { steps = { "initialize", "initialized", "list" }, from = 3 },
  call = { steps = { "initialize", "initialized", "call" }, from = 3 },
  direct = { steps = { "direct" }, from = 1 },
  ["stateless-list"] = { steps = { "stateless-list" }, from = 1 },
  ["stateless-call"] = { steps = { "stateless-call" }, from = 1 },
  ["modern-list"] = { steps = { "modern-list" }, from = 1 },
  ["modern-call"] = { steps = { "modern-call" }, from = 1 },
}
do
  local steps = { "initialize", "initialized", "list" }
  for i = 1, #AGENT_CALLS do
    steps[#steps + 1] = "agent" .. i
  end
  steps[#steps + 1] = "ping"
  steps[#steps + 1] = "delete"
  plans.mixed = { steps = steps, from = 1 }
end
local plan = plans[workload]
if plan == nil then
  error("unknown MCP_WORKLOAD " .. workload)
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

-- Per thread (= per connection, see above).
local next_id = 0
errors = 0
sessions = 0
local step = 1
local session_id = nil
local path = "/mcp"

function init(args)
  if workload == "direct" then
    path = "/functions/v1beta1/regions/fr-par/tokens/" .. TOKEN_ID
  end
end

if rate > 0 then
  local interval = 1000 * conns / rate
  -- wrk waits this long (ms) before each request of a connection: the offered rate is fixed
  -- instead of as fast as possible, so latency is not dominated by queueing.
  function delay()
    return interval
  end
end

local function body(parts)
  next_id = next_id + 1
  return parts[1] .. next_id .. parts[2]
end

local function headers()
  local h = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
  }
  if accept_encoding ~= "" then
    h["Accept-Encoding"] = accept_encoding
  end
  if session_id ~= nil then
    h["Mcp-Session-Id"] = session_id
    h["MCP-Protocol-Version"] = "2025-11-25"
  end
  return h
end

local function stateless_headers()
  local h = headers()
  h["MCP-Protocol-Version"] = "2025-11-25"
  return h
end

local function modern_headers(method, name)
  local h = headers()
  h["MCP-Protocol-Version"] = "2026-07-28"
  h["Mcp-Method"] = method
  h["Mcp-Name"] = name
  return h
end

function request()
  local name = plan.steps[step]
  if name == "direct" then
    return wrk.format("GET", path, { ["X-Auth-Token"] = scw_key })
  elseif name == "initialize" then
    session_id = nil
    return wrk.format("POST", path, headers(), body(INITIALIZE))
  elseif name == "initialized" then
    return wrk.format("POST", path, headers(), INITIALIZED)
  elseif name == "list" then
    return wrk.format("POST", path, headers(), body(LIST))
  elseif name == "call" then
    return wrk.format("POST", path, headers(), body(GET_TOKEN))
  elseif name == "ping" then
    return wrk.format("POST", path, headers(), body(PING))
  elseif name == "delete" then
    return wrk.format("DELETE", path, headers())
  elseif name == "stateless-list" then
    return wrk.format("POST", path, stateless_headers(), body(LIST))
  elseif name == "stateless-call" then
    return wrk.format("POST", path, stateless_headers(), body(GET_TOKEN))
  elseif name == "modern-list" then
    return wrk.format("POST", path, modern_headers("tools/list"), body(MODERN_LIST))
  elseif name == "modern-call" then
    return wrk.format("POST", path, modern_headers("tools/call", "get-token"), body(MODERN_CALL))
  end
  return wrk.format("POST", path, headers(), body(AGENT_CALLS[tonumber(name:sub(6))]))
end

local function header(all, wanted)
  for key, value in pairs(all) do
    if key:lower() == wanted then
      return value
    end
  end
  return nil
end

local function ok(name, status, all, body)
  if name == "direct" then
    return status == 200 and body:find(TOKEN_ID, 1, true) ~= nil
  elseif name == "initialize" then
    session_id = header(all, "mcp-session-id")
    return status == 200 and session_id ~= nil
  elseif name == "initialized" then
    return status == 202
  elseif name == "delete" then
    sessions = sessions + 1
    return status == 200 or status == 204
  elseif name == "list" or name == "stateless-list" or name == "modern-list" then
    local encoding = header(all, "content-encoding")
    if encoding ~= nil and encoding:lower() == "gzip" then
      -- wrk cannot inflate: a gzip member of a plausible size (run.sh checks once, before
      -- measuring, that each server's compressed answer inflates to the tools).
      return status == 200 and body:sub(1, 2) == "\31\139" and #body > 4096
    end
    return status == 200 and body:find('"inputSchema"', 1, true) ~= nil
      and (name ~= "modern-list" or body:find('"resultType"', 1, true) ~= nil)
  elseif name == "modern-call" then
    return status == 200 and body:find('"resultType"', 1, true) ~= nil
      and body:find('"isError":true', 1, true) == nil
  end
  -- tools/call and ping: a 200 whose JSON-RPC result is not an error.
  return status == 200 and body:find('"result"', 1, true) ~= nil
    and body:find('"isError":true', 1, true) == nil
end

function response(status, all, body)
  local name = plan.steps[step]
  if ok(name, status, all, body) then
    step = step + 1
    if step > #plan.steps then
      step = plan.from
    end
  else
    errors = errors + 1
    -- Start over with a new session rather than repeat a request that cannot succeed.
    step = 1
  end
end

function done(summary, latency, requests)
  local app_errors, completed_sessions = 0, 0
  for _, thread in ipairs(threads) do
    app_errors = app_errors + (thread:get("errors") or 0)
    completed_sessions = completed_sessions + (thread:get("sessions") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"sessions":%d,"p50_us":%d,"p90_us":%d,'
      .. '"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,"socket_errors":%d,'
      .. '"non2xx":%d,"app_errors":%d}\n',
    summary.requests, summary.duration, summary.bytes, completed_sessions,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status, app_errors))
end
