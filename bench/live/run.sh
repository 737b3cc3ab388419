#!/usr/bin/env bash
# What connected live-stream listeners cost the requests: Floodgate.Server under wrk with no listener and with
# LISTENERS WebSockets on /ws/global (bench/Floodgate.LiveBench, reading everything), in interleaved rounds:
# with only the stats event each second on the stream ("stats only"), and with the stream at its budgets ("flood").
#
#   bench/live/run.sh [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-l LISTENERS] [-c CONNECTIONS] [-p PORT]
#
# The load is one client hammering GET /api/data (100/minute): after its first 100 requests every request is
# denied, so the stream carries as many events as the default budgets allow (100 denied + 10 allowed per second,
# plus one stats event): the heaviest steady stream there is. Every listener receives each event. Prints a markdown
# table of medians, with the per-round ratio of requests/s to the run without listeners. Server CPU per request comes from
# /proc/PID/stat (user + system), bytes allocated per request from the service's /metrics
# (dotnet_gc_heap_total_allocated_bytes_total), both read before and after the measurement.
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

rounds=3 duration=10 warmup=8 listeners=1000 connections=64 port=5190
while getopts "n:d:w:l:c:p:h" opt; do
  case "$opt" in
    n) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    l) listeners=$OPTARG ;;
    c) connections=$OPTARG ;;
    p) port=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
server_dir="$root/src/Floodgate.Server/bin/Release/net10.0"
bench_dll="$root/bench/Floodgate.LiveBench/bin/Release/net10.0/Floodgate.LiveBench.dll"
url="http://127.0.0.1:$port/api/data"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
server_pid="" bench_pid=""
stop_all() {
  if [ -n "$bench_pid" ]; then exec 7>&- 2>/dev/null || true; kill "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true; bench_pid=""; fi
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null && status=0 || status=$?
    [ "$status" -le 1 ] || [ "$status" = 143 ] || { echo "the server exited with $status on SIGTERM:" >&2; tail -n 40 "$work/server.log" >&2; }
    server_pid=""
  fi
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building Release ..." >&2
for project in src/Floodgate.Server bench/Floodgate.LiveBench; do
  dotnet build "$root/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
done

start_server() { # extra server arguments
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health"; then
    echo "port $port is already in use; pass another with -p" >&2
    exit 1
  fi
  rm -f "$work/floodgate.db"
  (cd "$work" && exec dotnet "$server_dir/Floodgate.Server.dll" --urls="http://127.0.0.1:$port" --contentRoot="$server_dir" \
    --Floodgate:Policies:Path="$work/floodgate.db" --Logging:LogLevel:Default=Warning $1 >"$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}

# CPU time (us) of the server so far, and bytes it allocated.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$server_pid/stat"; }
allocated() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^dotnet_gc_heap_total_allocated_bytes_total[{]/ { print $2 }'; }

results="$work/results.tsv"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
: >"$results"
# name|listeners|server arguments
variants=(
  "no listener|0|"
  "stats only|$listeners|--Floodgate:Live:DeniedEventsPerSecond=0 --Floodgate:Live:AllowedEventsPerSecond=0"
  "flood|$listeners|"
)
for round in $(seq "$rounds"); do
  for v in "${!variants[@]}"; do
    IFS='|' read -r name n extra <<<"${variants[$v]}"
    # shellcheck disable=SC2086 # extra arguments are split on purpose
    start_server "$extra"
    if [ "$n" -gt 0 ]; then
      # The listeners read until their stdin (fd 7 here) closes.
      exec 7> >(dotnet "$bench_dll" --url "ws://127.0.0.1:$port/ws/global" --listeners "$n" >"$work/bench.out" 2>&1)
      bench_pid=$!
      for _ in $(seq 600); do grep -q '^connected' "$work/bench.out" 2>/dev/null && break; sleep 0.1; done
      grep '^connected' "$work/bench.out" >&2 || { cat "$work/bench.out" >&2; exit 1; }
    fi
    wrk -t2 -c"$connections" -d"${warmup}s" "$url" >/dev/null
    cpu0=$(cpu_us) alloc0=$(allocated)
    line=$(wrk -t2 -c"$connections" -d"${duration}s" -s "$root/bench/http/report.lua" "$url" | grep '^RESULT ')
    cpu1=$(cpu_us) alloc1=$(allocated)
    stats=$(curl -s "http://127.0.0.1:$port/admin/live/history" | grep -o '"listeners":[0-9]*,"dropped":[0-9]*' | tail -n 1)
    delivered="-" dropped="-"
    if [ "$n" -gt 0 ]; then
      exec 7>&-
      wait "$bench_pid" 2>/dev/null || true
      bench_pid=""
      summary=$(grep '^listeners=' "$work/bench.out")
      delivered=$(echo "$summary" | sed 's/.*messages=\([0-9]*\).*/\1/')
      dropped=$(echo "$summary" | sed 's/.*dropped=\([0-9]*\).*/\1/')
    fi
    stop_all
    read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
    bytes=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
    load=$(cut -d' ' -f1 /proc/loadavg)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$round" "$rps" "$p50" "$p99" "$delivered" "$dropped" "$cpu" "$bytes" "$load" >>"$results"
    printf 'round %s  %-11s listeners %5s  %8s req/s  p50 %6s us  p99 %6s us  CPU %5s us/req  %5s B/req  socket errors %s  messages delivered %s  dropped %s  load %s  (%s)\n' \
      "$round" "$name" "$n" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$socket_errors" "$delivered" "$dropped" "$load" "$stats" >&2
  done
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
column() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v && $c != "-" { print $c }' "$results" | median; }
ratio() { # median over rounds of requests/s of variant $1 over the variant without listeners in the same round
  awk -F'\t' -v v="$1" '$1 == 0 { x[$2] = $3 } $1 == v { y[$2] = $3 } END { for (r in y) if (x[r] > 0) print y[r] / x[r] }' "$results" \
    | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
# The per-round ratios of column $2 (3: requests/s, 5: p99) of variant $1 to the run without listeners, in round order.
round_ratios() {
  awk -F'\t' -v v="$1" -v c="$2" '$1 == 0 { x[$2] = $c } $1 == v { y[$2] = $c } END { for (r = 1; r in y; r++) if (x[r] > 0) printf "%s%.2f", (r > 1 ? " / " : ""), y[r] / x[r] }' "$results"
}
p99_ratio() {
  awk -F'\t' -v v="$1" '$1 == 0 { x[$2] = $5 } $1 == v { y[$2] = $5 } END { for (r in y) if (x[r] > 0) print y[r] / x[r] }' "$results" \
    | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo
echo "\`bench/live/run.sh -n $rounds -d $duration -w $warmup -l $listeners -c $connections\`, $started;"
echo "wrk -t2 -c$connections -d${duration}s $url (after ${warmup}s warm-up), $rounds interleaved rounds; load average (1, 5, 15 min)"
echo "at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians; ratios are medians of the per-round ratios."
echo
echo "| variant | listeners | requests/s | p50 ms | p99 ms | vs no listener | p99 vs no listener | server CPU µs/req | allocated B/req | messages delivered | dropped |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for v in "${!variants[@]}"; do
  IFS='|' read -r name n _ <<<"${variants[$v]}"
  r="-" p="-"
  [ "$v" -gt 0 ] && r=$(ratio "$v") && p=$(p99_ratio "$v")
  echo "| $name | $n | $(column "$v" 3) | $(ms "$(column "$v" 4)") | $(ms "$(column "$v" 5)") | $r | $p | $(awk -F'\t' -v v="$v" '$1 == v { print $8 }' "$results" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') | $(column "$v" 9) | $(column "$v" 6) | $(column "$v" 7) |"
done
echo
echo "Per-round ratios to the run without listeners (rounds 1 / 2 / ...):"
echo
echo "| variant | requests/s | p99 |"
echo "| --- | --- | --- |"
for v in "${!variants[@]}"; do
  [ "$v" -gt 0 ] || continue
  IFS='|' read -r name _ _ <<<"${variants[$v]}"
  echo "| $name | $(round_ratios "$v" 3) | $(round_ratios "$v" 5) |"
done
echo
echo "Raw results (variant, round, requests/s, p50 us, p99 us, messages delivered, dropped, server CPU us/req, B/req, load):"
echo
echo '```'
cat "$results"
echo '```'
