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

rounds=3 duration=7 warmup=8 connections=64 threads=2 port=5186
while getopts "n:d:w:c:t:p:h" opt; do
  case "$opt" in
    n) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    c) connections=$OPTARG ;;
    t) threads=$OPTARG ;;
    p) port=$OPTARG ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
server_dir="$root/src/Floodgate.Server/bin/Release/net10.0"
url="http://127.0.0.1:$port/api/data"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building Release ..." >&2
dotnet build "$root/src/Floodgate.Server" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }

start() { # off | on
  if curl -s -o /dev/null --max-time 1 "$url"; then echo "port $port is already in use; pass another with -p" >&2; exit 1; fi
  local settings=()
  if [ "$1" = off ]; then
    settings=(--Floodgate:Recording:Enabled=false --Floodgate:NearLimit:Ratio=0)
  fi
  rm -f "$work/floodgate.db"
  (cd "$work" && exec dotnet "$server_dir/Floodgate.Server.dll" --urls="http://127.0.0.1:$port" --contentRoot="$server_dir" \
    --Floodgate:Policies:Path="$work/floodgate.db" --Logging:LogLevel:Default=Warning \
    --Floodgate:Rules:0:Limit=1000000000/minute "${settings[@]}" >"$work/server.log" 2>&1) &
  pid=$!
  for _ in $(seq 150); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}

cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$pid/stat"; }
allocated() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^dotnet_gc_heap_total_allocated_bytes_total[{]/ { print $2 }'; }
recorded() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^floodgate_recording_(requests|size_bytes|dropped_total)[{]/ { sub(/[{].*/, "", $1); printf "%s=%s ", $1, $2 }'; }

results="$work/results.tsv"
: >"$results"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for round in $(seq "$rounds"); do
  for variant in off on; do
    start "$variant"
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
    cpu0=$(cpu_us) alloc0=$(allocated)
    line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/report.lua" "$url" | grep '^RESULT ')
    cpu1=$(cpu_us) alloc1=$(allocated)
    record=$(recorded)
    stop
    read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
    bytes=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
    load=$(cut -d' ' -f1 /proc/loadavg)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$round" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$load" >>"$results"
    printf 'round %s  %-4s %8s req/s  p50 %6s us  p99 %6s us  CPU %5s us/req  %5s B/req  non-2xx %s  socket errors %s  load %s  %s\n' \
      "$round" "$variant" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$status_errors" "$socket_errors" "$load" "$record" >&2
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results" | median; }
ratios=$(awk -F'\t' '$1 == "off" { a[$2] = $3 } $1 == "on" { s[$2] = $3 } END { for (r = 1; r in s; r++) printf "%.2f\n", s[r] / a[r] }' "$results")

echo
echo "\`bench/http/recording.sh -n $rounds -d $duration -w $warmup -c $connections -t $threads\`, $started; wrk -t$threads -c$connections"
echo "-d${duration}s GET /api/data after ${warmup}s warm-up, $rounds interleaved rounds; load average (1, 5, 15 min) at start"
echo "$load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians."
echo
echo "| variant | requests/s | p50 ms | p99 ms | CPU µs/req | allocated B/req |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for v in off on; do
  name="recording and near limit off"; [ "$v" = on ] && name="recording and near limit on (defaults)"
  echo "| $name | $(col "$v" 3) | $(awk -v u="$(col "$v" 4)" 'BEGIN { printf "%.2f", u / 1000 }') | $(awk -v u="$(col "$v" 5)" 'BEGIN { printf "%.2f", u / 1000 }') | $(col "$v" 6) | $(col "$v" 7) |"
done
echo
echo "On / off, requests/s: median $(echo "$ratios" | median) (rounds: $(echo "$ratios" | paste -sd/ | sed 's|/| / |g'))."
echo
echo '```'
cat "$results"
echo '```'
