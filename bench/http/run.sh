#!/usr/bin/env bash
# HTTP benchmark of the middleware: GET /api/data behind no limiter, ASP.NET Core's built-in limiter and Floodgate,
# each with a limit every request passes and one nearly every request fails, measured with wrk on loopback.
#
#   bench/http/run.sh [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-c CONNECTIONS] [-t THREADS] [-p PORT]
#
# Builds Release once, then runs every variant once per round, interleaved (round 1: all variants, round 2: all
# variants, ...), so that drift of a shared machine hits every variant alike. Prints a markdown table of medians.
# The warm-up is long on purpose: on two busy cores tiered JIT compilation takes about 8 s of load to settle, and a
# shorter one measures Floodgate's (larger) code path half-compiled. Defaults take about 6 minutes (18 runs of
# ~19 s: start, 8 s warm-up, 7 s measurement, stop); more on a machine busy with other work.
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

rounds=3 duration=7 warmup=8 connections=64 threads=2 port=5180
while getopts "n:d:w:c:t:p:h" opt; do
  case "$opt" in
    n) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    c) connections=$OPTARG ;;
    t) threads=$OPTARG ;;
    p) port=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
project="$root/bench/Floodgate.HttpBench/Floodgate.HttpBench.csproj"
app="$root/bench/Floodgate.HttpBench/bin/Release/net10.0/Floodgate.HttpBench.dll"
url="http://127.0.0.1:$port/api/data"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed (apt-get install curl)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if curl -s -o /dev/null --max-time 1 "$url"; then
  echo "port $port is already in use; pass another with -p" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building Release ..." >&2
dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }

# name|mode|limit|extra arguments
variants=(
  "none|none|-|"
  "builtin|builtin|pass|"
  "floodgate|floodgate|pass|"
  "builtin|builtin|reject|"
  "floodgate|floodgate|reject|"
  "floodgate + penalty box|floodgate|reject|--Floodgate:Penalty:Enabled=true"
)

start_server() { # mode limit extra
  local limit=$2
  [ "$limit" = "-" ] && limit=pass
  # shellcheck disable=SC2086 # extra arguments are split on purpose
  dotnet "$app" "$1" "$limit" "$port" $3 >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if curl -s -o /dev/null --max-time 1 "$url"; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "the app did not start ($1 $limit):" >&2
  cat "$work/server.log" >&2
  exit 1
}

# The app's process CPU time (us), bytes allocated and gen0 collections so far, from its exempt /bench/stats route.
stats() {
  { curl -s --max-time 5 "http://127.0.0.1:$port/bench/stats"; echo; } | sed "s/[a-z_0-9]*=//g"
}

results="$work/results.tsv"
: >"$results"
for round in $(seq "$rounds"); do
  for v in "${!variants[@]}"; do
    IFS='|' read -r name mode limit extra <<<"${variants[$v]}"
    start_server "$mode" "$limit" "$extra"
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
    read -r cpu0 alloc0 gen0_0 _ < <(stats)
    line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/report.lua" "$url" | grep '^RESULT ')
    read -r cpu1 alloc1 gen0_1 _ < <(stats)
    stop_server
    # shellcheck disable=SC2001
    read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
    alloc=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$round" "$rps" "$p50" "$p99" "$requests" "$status_errors" "$socket_errors" "$cpu" "$alloc" >>"$results"
    printf 'round %s  %-24s %-6s %8s req/s  p50 %6s us  p99 %6s us  server CPU %5s us/req  %5s B/req  gen0 GCs %s  non-2xx %s/%s  socket errors %s\n' \
      "$round" "$name" "$limit" "$rps" "$p50" "$p99" "$cpu" "$alloc" "$((gen0_1 - gen0_0))" "$status_errors" "$requests" "$socket_errors" >&2
  done
done

# Medians per variant. The ratios to none and to the built-in limiter (at the same limit) are medians of the
# per-round ratios, so that each compares runs made next to each other in time.
# Server CPU and allocation per request come from the app itself and are far less sensitive to a busy machine.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
column_median() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results" | median; }

declare -A rps p50 p99 rejected cpu alloc
for v in "${!variants[@]}"; do
  rps[$v]=$(column_median "$v" 3)
  p50[$v]=$(column_median "$v" 4)
  p99[$v]=$(column_median "$v" 5)
  cpu[$v]=$(awk -F'\t' -v v="$v" '$1 == v { print $9 }' "$results" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  alloc[$v]=$(column_median "$v" 10)
  rejected[$v]=$(awk -F'\t' -v v="$v" '$1 == v { s += $7; t += $6 } END { printf "%.1f", t ? 100 * s / t : 0 }' "$results")
done

# The median over rounds of the ratio of two variants' requests/s in the same round (runs next to each other in time).
paired_ratio() {
  awk -F'\t' -v v="$1" -v b="$2" '$1 == v { x[$2] = $3 } $1 == b { y[$2] = $3 } END { for (r in x) if (y[r] > 0) print x[r] / y[r] }' "$results" \
    | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

echo
echo "wrk -t$threads -c$connections -d${duration}s $url (after ${warmup}s warm-up), $rounds interleaved rounds;"
echo "medians; ratios are medians of the per-round ratios of requests/s."
echo
echo "| mode | limit | requests/s | p50 ms | p99 ms | rejected | vs none | vs builtin | server CPU µs/req | allocated B/req |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for v in "${!variants[@]}"; do
  IFS='|' read -r name mode limit extra <<<"${variants[$v]}"
  builtin="-"
  for b in "${!variants[@]}"; do
    IFS='|' read -r _ bmode blimit _ <<<"${variants[$b]}"
    if [ "$bmode" = builtin ] && [ "$blimit" = "$limit" ]; then
      builtin=$(paired_ratio "$v" "$b")
    fi
  done
  echo "| $name | $limit | ${rps[$v]} | $(ms "${p50[$v]}") | $(ms "${p99[$v]}") | ${rejected[$v]} % | $(paired_ratio "$v" 0) | $builtin | ${cpu[$v]} | ${alloc[$v]} |"
done
