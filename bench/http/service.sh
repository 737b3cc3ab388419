#!/usr/bin/env bash
# The service against the library: Floodgate.Server (started from its output folder, so that its appsettings.json
# applies, with its /api/data rule raised so that every request passes) and bench/Floodgate.HttpBench floodgate pass
# (the same middleware and in-memory store, a limit every request passes, on a bare app), GET /api/data under wrk, in
# interleaved rounds. Prints each run, then the per-round ratios of requests/s (service / bench app) and their median.
#
#   bench/http/service.sh [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-c CONNECTIONS] [-t THREADS] [-p PORT]
#
# Server CPU per request comes from /proc/PID/stat (user + system) for both processes; bytes allocated per request
# from the bench app's /bench/stats and the service's /metrics (dotnet_gc_heap_total_allocated_bytes_total), read
# before and after the measurement. Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail
# shellcheck source=ab.sh
. "$(dirname "$0")/ab.sh"
ab_options 5185 "$@"
app="$root/bench/Floodgate.HttpBench/bin/Release/net10.0/Floodgate.HttpBench.dll"
ab_setup src/Floodgate.Server bench/Floodgate.HttpBench

start() { # service | app
  ab_port_free
  if [ "$1" = service ]; then
    ab_start_service
  else
    dotnet "$app" floodgate pass "$port" >"$work/server.log" 2>&1 &
    pid=$!
  fi
  ab_wait_up
}
allocated() { # service | app
  if [ "$1" = service ]; then
    service_allocated
  else
    curl -s "http://127.0.0.1:$port/bench/stats" | sed 's/.*allocated=\([0-9]*\).*/\1/'
  fi
}

ab_run app service
ab_report service.sh app "bench app (floodgate pass)" service Floodgate.Server "Service / bench app"
