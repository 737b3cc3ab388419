#!/usr/bin/env bash
# What the service's record of requests (for replays) and its near-limit check cost a request: Floodgate.Server with
# both off (Floodgate:Recording:Enabled=false, Floodgate:NearLimit:Ratio=0) and with both on (the defaults), GET
# /api/data under wrk with its rule raised so that every request passes, in interleaved rounds. Prints each run, then
# the per-round ratios of requests/s (on / off) and their median.
#
#   bench/http/recording.sh [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-c CONNECTIONS] [-t THREADS] [-p PORT]
#
# Server CPU per request comes from /proc/PID/stat (user + system); bytes allocated per request from the service's
# /metrics (dotnet_gc_heap_total_allocated_bytes_total), read before and after the measurement. Only 127.0.0.1 is ever
# targeted; every process started here is stopped on exit.
set -euo pipefail
# shellcheck source=ab.sh
. "$(dirname "$0")/ab.sh"
ab_options 5186 "$@"
ab_setup src/Floodgate.Server

start() { # off | on
  ab_port_free
  if [ "$1" = off ]; then
    ab_start_service --Floodgate:Recording:Enabled=false --Floodgate:NearLimit:Ratio=0
  else
    ab_start_service
  fi
  ab_wait_up
}
allocated() { service_allocated; }
note() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^floodgate_recording_(requests|size_bytes|dropped_total)[{]/ { sub(/[{].*/, "", $1); printf "%s=%s ", $1, $2 }'; }

ab_run off on
ab_report recording.sh off "recording and near limit off" on "recording and near limit on (defaults)" "On / off"
