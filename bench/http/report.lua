-- wrk reporter for bench/http/run.sh: one machine-readable line after the run.
-- No per-response callback (that would slow wrk down); wrk already counts responses with status > 399.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
