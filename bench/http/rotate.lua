-- wrk script for bench/http/scale.sh: every request speaks for another client, named in X-Forwarded-For (the app
-- trusts 127.0.0.1 as a proxy, so Floodgate takes that address as the client's).
--
--   wrk -t THREADS ... -s rotate.lua URL -- CLIENTS FIRST THREADS
--
-- Requests go round-robin over CLIENTS clients, starting at client FIRST: thread t of THREADS sends clients
-- FIRST + t, FIRST + t + THREADS, ... (mod CLIENTS), so the threads never repeat each other within one pass. Client n is
-- the address 10.a.b.c with n = a * 65536 + b * 256 + c (up to 16,777,216 clients; written into a header only).
-- After the run it prints one line in the format of report.lua, plus next=N: the lowest client number some thread had
-- not yet sent (every client from FIRST up to it was sent at least once), where a following run can continue.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  clients = tonumber(args[1]) or 1000
  first = tonumber(args[2]) or 0
  step = tonumber(args[3]) or 1
  next_client = first + id
end

function request()
  local n = next_client % clients
  next_client = next_client + step
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format()
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local next = nil
  for _, thread in ipairs(threads) do
    local sent = thread:get("next_client")
    if next == nil or sent < next then
      next = sent
    end
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d next=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, next or 0))
end
