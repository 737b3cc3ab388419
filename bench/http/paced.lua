-- wrk script for bench/http/load-vs-wrk.sh: each connection waits DELAY_MS after every response before it sends the
-- next request, so that wrk (a closed-model tool) sends at roughly connections x 1000 / (DELAY_MS + latency) per
-- second instead of as fast as it can. wrk waits in whole milliseconds, so a fractional DELAY_MS is dithered: each
-- wait is the floor or the ceiling, at random, in the proportion that averages DELAY_MS.
--
--   wrk -c CONNECTIONS ... -s paced.lua URL -- DELAY_MS
--
-- After the run it prints one line in the format of report.lua, plus the mean latency.

function init(args)
  delay_ms = tonumber(args[1]) or 10
end

function delay()
  return math.floor(delay_ms + math.random())
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d mean_us=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, latency.mean))
end
