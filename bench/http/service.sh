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

rounds=3 duration=7 warmup=8 connections=64 threads=2 port=5185
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
app="$root/bench/Floodgate.HttpBench/bin/Release/net10.0/Floodgate.HttpBench.dll"
url="http://127.0.0.1:$port/api/data"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building Release ..." >&2
for project in src/Floodgate.Server bench/Floodgate.HttpBench; do
  dotnet build "$root/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
done

start() { # service | app
  if curl -s -o /dev/null --max-time 1 "$url"; then echo "port $port is already in use; pass another with -p" >&2; exit 1; fi
  if [ "$1" = service ]; then
    rm -f "$work/floodgate.db"
    (cd "$work" && exec dotnet "$server_dir/Floodgate.Server.dll" --urls="http://127.0.0.1:$port" --contentRoot="$server_dir" \
      --Floodgate:Policies:Path="$work/floodgate.db" --Logging:LogLevel:Default=Warning \
      --Floodgate:Rules:0:Limit=1000000000/minute >"$work/server.log" 2>&1) &
  else
    dotnet "$app" floodgate pass "$port" >"$work/server.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 150); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}

# CPU time (us) of the process so far, and bytes it allocated.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$pid/stat"; }
allocated() {
  if [ "$1" = service ]; then
    curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^dotnet_gc_heap_total_allocated_bytes_total[{]/ { print $2 }'
  else
    curl -s "http://127.0.0.1:$port/bench/stats" | sed 's/.*allocated=\([0-9]*\).*/\1/'
  fi
}

results="$work/results.tsv"
: >"$results"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for round in $(seq "$rounds"); do
  for variant in app service; do
    start "$variant"
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
    cpu0=$(cpu_us) alloc0=$(allocated "$variant")
    line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/report.lua" "$url" | grep '^RESULT ')
    cpu1=$(cpu_us) alloc1=$(allocated "$variant")
    stop
    read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
    bytes=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
    load=$(cut -d' ' -f1 /proc/loadavg)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$round" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$load" >>"$results"
    printf 'round %s  %-8s %8s req/s  p50 %6s us  p99 %6s us  CPU %5s us/req  %5s B/req  non-2xx %s  socket errors %s  load %s\n' \
      "$round" "$variant" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$status_errors" "$socket_errors" "$load" >&2
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results" | median; }
ratios=$(awk -F'\t' '$1 == "app" { a[$2] = $3 } $1 == "service" { s[$2] = $3 } END { for (r = 1; r in s; r++) printf "%.2f\n", s[r] / a[r] }' "$results")

echo
echo "\`bench/http/service.sh -n $rounds -d $duration -w $warmup -c $connections -t $threads\`, $started; wrk -t$threads -c$connections"
echo "-d${duration}s GET /api/data after ${warmup}s warm-up, $rounds interleaved rounds; load average (1, 5, 15 min) at start"
echo "$load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians."
echo
echo "| variant | requests/s | p50 ms | p99 ms | CPU µs/req | allocated B/req |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for v in app service; do
  name="bench app (floodgate pass)"; [ "$v" = service ] && name="Floodgate.Server"
  echo "| $name | $(col "$v" 3) | $(awk -v u="$(col "$v" 4)" 'BEGIN { printf "%.2f", u / 1000 }') | $(awk -v u="$(col "$v" 5)" 'BEGIN { printf "%.2f", u / 1000 }') | $(col "$v" 6) | $(col "$v" 7) |"
done
echo
echo "Service / bench app, requests/s: median $(echo "$ratios" | median) (rounds: $(echo "$ratios" | paste -sd/ | sed 's|/| / |g'))."
echo
echo '```'
cat "$results"
echo '```'
