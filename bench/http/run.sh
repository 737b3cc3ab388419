#!/usr/bin/env bash
# HTTP benchmark of the middleware: GET /api/data behind no limiter, ASP.NET Core's built-in limiter, Floodgate with
# its in-memory store and Floodgate with its Redis store, each with a limit every request passes and one nearly every
# request fails, measured with wrk on loopback.
#
#   bench/http/run.sh [-s main|memory|attack|redis] [-q] [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-c CONNECTIONS] [-t THREADS] [-p PORT]
#
# -s main (default): none, builtin and Floodgate (memory) pass/reject, Floodgate + penalty box, Floodgate (Redis)
#    pass/reject. -s attack: one client over its limit against Floodgate (Redis), over-limit cache on and off.
#    -s memory: the request path alone (no Redis): none, builtin and Floodgate (memory) pass/reject, Floodgate with
#    all its headers and with headers off (Floodgate:Headers=None).
#    -s redis: Floodgate (Redis) against its peers on the same redis-server: RedisRateLimiting's sliding window, token
#    bucket and fixed window (partitioned by client address), next to none, builtin and Floodgate (memory), every
#    request passing; then Floodgate (memory) and (Redis) rejecting, penalty box on and off; penalty box on in every
#    other Floodgate variant. Prints the goals of the Redis store next to the results. ~12 minutes; -q ~3 minutes.
# -q: a quick run, -n 3 -d 2 -w 1 (options after -q override it): indicative only, the JIT has not settled.
# Builds Release once, starts its own redis-server on a free loopback port (no persistence, emptied before every run),
# then runs every variant once per round, interleaved (round 1: all variants, round 2: all variants, ...), so that
# drift of a shared machine hits every variant alike. Prints a markdown table of medians and the per-round ratios.
# For Redis variants it also counts Redis commands per request: every command the app's client sent (script calls,
# ban checks, heartbeats) and the scripts Redis ran (INFO commandstats), around the measurement.
# The warm-up is long on purpose: on two busy cores tiered JIT compilation takes about 8 s of load to settle, and a
# shorter one measures Floodgate's (larger) code path half-compiled. Defaults take about 8 minutes (-s main: 24 runs
# of ~19 s: start, 8 s warm-up, 7 s measurement, stop); more on a machine busy with other work.
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

set_name=main rounds=3 duration=7 warmup=8 connections=64 threads=2 port=5180
while getopts "s:qn:d:w:c:t:p:h" opt; do
  case "$opt" in
    s) set_name=$OPTARG ;;
    q) rounds=3 duration=2 warmup=1 ;;
    n) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    c) connections=$OPTARG ;;
    t) threads=$OPTARG ;;
    p) port=$OPTARG ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"
project="$root/bench/Floodgate.HttpBench/Floodgate.HttpBench.csproj"
app="$root/bench/Floodgate.HttpBench/bin/Release/net10.0/Floodgate.HttpBench.dll"
url="http://127.0.0.1:$port/api/data"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed (apt-get install curl)" >&2; exit 1; }

# name|mode|limit|extra arguments
case "$set_name" in
  main)
    variants=(
      "none|none|-|"
      "builtin|builtin|pass|"
      "floodgate|floodgate|pass|"
      "floodgate (Redis)|floodgate-redis|pass|"
      "builtin|builtin|reject|"
      "floodgate|floodgate|reject|"
      "floodgate (Redis)|floodgate-redis|reject|"
      "floodgate + penalty box|floodgate|reject|--Floodgate:Penalty:Enabled=true"
    )
    # "variant baseline" pairs whose per-round ratios of requests/s are printed after the table (indexes above)
    pairs=("2 0" "2 1" "3 0" "3 1" "3 2" "5 0" "5 4" "6 4" "6 5" "7 4")
    ;;
  memory)
    variants=(
      "none|none|-|"
      "builtin|builtin|pass|"
      "floodgate|floodgate|pass|"
      "floodgate, headers off|floodgate|pass|--Floodgate:Headers=None"
      "builtin|builtin|reject|"
      "floodgate|floodgate|reject|"
      "floodgate, headers off|floodgate|reject|--Floodgate:Headers=None"
    )
    pairs=("2 0" "2 1" "3 1" "5 4" "6 4")
    ;;
  attack)
    variants=(
      "floodgate (Redis), over-limit cache on|floodgate-redis|reject|"
      "floodgate (Redis), over-limit cache off|floodgate-redis|reject|--Floodgate:Redis:OverLimitCache=false"
    )
    pairs=("0 1")
    ;;
  redis)
    penalty="--Floodgate:Penalty:Enabled=true"
    variants=(
      "none|none|-|"
      "builtin|builtin|pass|"
      "floodgate (memory)|floodgate|pass|$penalty"
      "floodgate (Redis)|floodgate-redis|pass|$penalty"
      "RedisRateLimiting sliding window|rrl-sliding|pass|"
      "RedisRateLimiting token bucket|rrl-token|pass|"
      "RedisRateLimiting fixed window|rrl-fixed|pass|"
      "floodgate (memory) + penalty box|floodgate|reject|$penalty"
      "floodgate (Redis) + penalty box|floodgate-redis|reject|$penalty"
      "floodgate (memory), no penalty box|floodgate|reject|"
      "floodgate (Redis), no penalty box|floodgate-redis|reject|"
    )
    pairs=("3 4" "3 5" "3 6" "3 2" "2 0" "3 0" "4 0" "5 0" "6 0" "8 7" "10 9")
    ;;
  *) echo "unknown set $set_name (main, memory, attack or redis)" >&2; exit 2 ;;
esac

work=$(mktemp -d)
server_pid=""
redis_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
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

# Whether a mode talks to Redis: Floodgate's Redis store or one of RedisRateLimiting's limiters.
uses_redis() { [[ $1 == floodgate-redis || $1 == rrl-* ]]; }

redis_cli=()
if printf '%s\n' "${variants[@]}" | grep -Eq '\|(floodgate-redis|rrl-[a-z]+)\|'; then
  for program in redis-server redis-cli; do
    command -v "$program" >/dev/null || { echo "$program is required for the Redis variants" >&2; exit 1; }
  done
  start_redis "$work"
  redis_cli=(redis-cli -h 127.0.0.1 -p "$redis_port")
  echo "redis-server $(redis-server --version | awk '{ sub("v=", "", $3); print $3 }') on 127.0.0.1:$redis_port" >&2
fi

# What Redis has done so far: calls per command from INFO commandstats ("NAME CALLS" lines) and its CPU time
# (used_cpu_sys + used_cpu_user, INFO cpu) as "cpu SECONDS". Commands that scripts run inside count in commandstats too
# (TIME, HMGET, ...): the commands a client sent come from the client (/bench/stats redis_ops), the scripts it called
# from the script commands here.
redis_snapshot() { # FILE
  { "${redis_cli[@]}" INFO commandstats; "${redis_cli[@]}" INFO cpu; } | tr -d '\r' | awk -F'[:=,]' '
    /^cmdstat_/ { sub("^cmdstat_", "", $1); print $1, $3 }
    /^used_cpu_(sys|user):/ { cpu += $2 }
    END { printf "cpu %.6f\n", cpu }' >"$1"
}

# redis_delta BEFORE AFTER REQUESTS: per request between two snapshots, one tab-separated line: scripts run (EVALSHA,
# EVAL, FCALL and their _RO forms), commands executed (every call in commandstats, those inside scripts included; the
# INFO calls of this script left out), Redis CPU us, and the commands executed, most frequent first ("evalsha 1.000,
# hmget 2.000, ..."; those under 0.001 per request left out).
redis_delta() {
  awk -v r="$3" 'NR == FNR { b[$1] = $2; next } { d[$1] = $2 - b[$1] } END {
    if (r <= 0) r = 1
    n = 0
    for (c in d) {
      if (c == "cpu" || c == "info" || d[c] <= 0) continue
      total += d[c]
      if (c ~ /^(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro)$/) scripts += d[c]
      if (d[c] / r >= 0.001) { n++; name[n] = c; calls[n] = d[c] }
    }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (calls[j] > calls[i]) {
      t = calls[i]; calls[i] = calls[j]; calls[j] = t; t = name[i]; name[i] = name[j]; name[j] = t
    }
    list = ""
    for (i = 1; i <= n; i++) list = list sprintf("%s%s %.3f", i > 1 ? ", " : "", name[i], calls[i] / r)
    printf "%.3f\t%.3f\t%.1f\t%s\n", scripts / r, total / r, d["cpu"] * 1e6 / r, n ? list : "-"
  }' "$1" "$2"
}

start_server() { # mode limit extra
  local limit=$2 extra=$3
  [ "$limit" = "-" ] && limit=pass
  if uses_redis "$1"; then
    "${redis_cli[@]}" FLUSHALL >/dev/null
    extra="$extra --Floodgate:Redis:Configuration=127.0.0.1:$redis_port"
  fi
  # shellcheck disable=SC2086 # extra arguments are split on purpose
  dotnet "$app" "$1" "$limit" "$port" $extra >"$work/server.log" 2>&1 &
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

# The app's process CPU time (us), bytes allocated, gen0/1/2 collections, keys held, evictions, Redis round trips,
# over-limit cache hits and switches to the failure mode so far, from its exempt /bench/stats route.
stats() {
  { curl -s --max-time 5 "http://127.0.0.1:$port/bench/stats"; echo; } | sed "s/[a-z_0-9]*=//g"
}

results="$work/results.tsv"
: >"$results"
status=0
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for round in $(seq "$rounds"); do
  for v in "${!variants[@]}"; do
    IFS='|' read -r name mode limit extra <<<"${variants[$v]}"
    start_server "$mode" "$limit" "$extra"
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
    read -r cpu0 alloc0 gen0_0 _ _ _ _ trips0 hits0 _ ops0 < <(stats)
    uses_redis "$mode" && redis_snapshot "$work/redis.before"
    line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/report.lua" "$url" | grep '^RESULT ')
    read -r cpu1 alloc1 gen0_1 _ _ _ _ trips1 hits1 degraded ops1 < <(stats)
    uses_redis "$mode" && redis_snapshot "$work/redis.after"
    stop_server
    # shellcheck disable=SC2001
    read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
    alloc=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
    per_request() { awk -v a="$1" -v b="$2" -v r="$requests" 'BEGIN { printf "%.3f", (b - a) / r }'; }
    commands=- scripts=- trips=- hits=- redis_cpu=- executed=- breakdown=-
    if uses_redis "$mode"; then
      commands=$(per_request "$ops0" "$ops1")
      IFS=$'\t' read -r scripts executed redis_cpu breakdown < <(redis_delta "$work/redis.before" "$work/redis.after" "$requests")
    fi
    if [ "$mode" = floodgate-redis ]; then
      trips=$(per_request "$trips0" "$trips1")
      hits=$(per_request "$hits0" "$hits1")
      if [ "$degraded" != 0 ]; then
        echo "WARNING: the Redis store switched to its failure mode $degraded time(s) in this run" >&2
        status=1
      fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$round" "$rps" "$p50" "$p99" "$requests" "$status_errors" "$socket_errors" "$cpu" "$alloc" "$commands" "$scripts" "$trips" "$hits" "$redis_cpu" "$executed" "$breakdown" >>"$results"
    printf 'round %s  %-24s %-6s %8s req/s  p50 %6s us  p99 %6s us  server CPU %5s us/req  %5s B/req  gen0 GCs %s  non-2xx %s/%s  socket errors %s  Redis commands/req %s  scripts run by Redis/req %s  executed by Redis/req %s  Redis CPU %s us/req  store round trips/req %s  over-limit cache hits/req %s  load %s\n' \
      "$round" "$name" "$limit" "$rps" "$p50" "$p99" "$cpu" "$alloc" "$((gen0_1 - gen0_0))" "$status_errors" "$requests" "$socket_errors" \
      "$commands" "$scripts" "$executed" "$redis_cpu" "$trips" "$hits" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done

# Medians per variant. The ratios to none and to the built-in limiter (at the same limit) are medians of the
# per-round ratios, so that each compares runs made next to each other in time.
# Server CPU and allocation per request come from the app itself and are far less sensitive to a busy machine.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
column_median() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results" | median; }

# The median of a column with decimals (or "-" when the variant has none).
decimal_median() {
  awk -F'\t' -v v="$1" -v c="$2" '$1 == v && $c != "-" { print $c }' "$results" | sort -g \
    | awk -v f="$3" '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf f "\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

declare -A rps p50 p99 rejected cpu alloc commands scripts redis_cpu executed
for v in "${!variants[@]}"; do
  rps[$v]=$(column_median "$v" 3)
  p50[$v]=$(column_median "$v" 4)
  p99[$v]=$(column_median "$v" 5)
  cpu[$v]=$(decimal_median "$v" 9 "%.1f")
  alloc[$v]=$(column_median "$v" 10)
  commands[$v]=$(decimal_median "$v" 11 "%.3f")
  scripts[$v]=$(decimal_median "$v" 12 "%.3f")
  redis_cpu[$v]=$(decimal_median "$v" 15 "%.1f")
  executed[$v]=$(decimal_median "$v" 16 "%.3f")
  rejected[$v]=$(awk -F'\t' -v v="$v" '$1 == v { s += $7; t += $6 } END { printf "%.1f", t ? 100 * s / t : 0 }' "$results")
done

# The median over rounds of the ratio of two variants' requests/s in the same round (runs next to each other in time).
paired_ratio() {
  awk -F'\t' -v v="$1" -v b="$2" '$1 == v { x[$2] = $3 } $1 == b { y[$2] = $3 } END { for (r in x) if (y[r] > 0) print x[r] / y[r] }' "$results" \
    | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# The per-round ratios themselves, in round order.
round_ratios() {
  awk -F'\t' -v v="$1" -v b="$2" '$1 == v { x[$2] = $3 } $1 == b { y[$2] = $3 } END { for (r = 1; r in x; r++) if (y[r] > 0) printf "%s%.2f", (r > 1 ? " / " : ""), x[r] / y[r] }' "$results"
}
label() { IFS='|' read -r n _ l _ <<<"${variants[$1]}"; [ "$l" = "-" ] && echo "$n" || echo "$n $l"; }
none_index=""
IFS='|' read -r _ first_mode _ _ <<<"${variants[0]}"
[ "$first_mode" = none ] && none_index=0

echo
echo "\`bench/http/run.sh -s $set_name -n $rounds -d $duration -w $warmup -c $connections -t $threads\`, $started;"
echo "wrk -t$threads -c$connections -d${duration}s $url (after ${warmup}s warm-up), $rounds interleaved rounds;"
echo "load average (1, 5, 15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores."
echo "Medians; ratios are medians of the per-round ratios of requests/s."
echo
echo "| mode | limit | requests/s | p50 ms | p99 ms | rejected | vs none | vs builtin | server CPU µs/req | allocated B/req | Redis commands/req sent (scripts) | executed by Redis/req | Redis CPU µs/req |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for v in "${!variants[@]}"; do
  IFS='|' read -r name mode limit extra <<<"${variants[$v]}"
  builtin="-"
  for b in "${!variants[@]}"; do
    IFS='|' read -r _ bmode blimit _ <<<"${variants[$b]}"
    if [ "$bmode" = builtin ] && [ "$blimit" = "$limit" ]; then
      builtin=$(paired_ratio "$v" "$b")
    fi
  done
  vs_none="-"
  [ -n "$none_index" ] && vs_none=$(paired_ratio "$v" "$none_index")
  echo "| $name | $limit | ${rps[$v]} | $(ms "${p50[$v]}") | $(ms "${p99[$v]}") | ${rejected[$v]} % | $vs_none | $builtin | ${cpu[$v]} | ${alloc[$v]} | ${commands[$v]}$([ "${scripts[$v]}" != "-" ] && echo " (${scripts[$v]})") | ${executed[$v]} | ${redis_cpu[$v]} |"
done

# The commands Redis executed per request, by command, in the last round (scripts and what they ran inside).
if printf '%s\n' "${variants[@]}" | grep -Eq '\|(floodgate-redis|rrl-[a-z]+)\|'; then
  echo
  echo "Commands Redis executed per request in round $rounds (INFO commandstats; a script's own calls count beside it):"
  echo
  for v in "${!variants[@]}"; do
    IFS='|' read -r _ mode _ _ <<<"${variants[$v]}"
    uses_redis "$mode" || continue
    echo "- $(label "$v"): $(awk -F'\t' -v v="$v" -v r="$rounds" '$1 == v && $2 == r { print $17 }' "$results")"
  done
fi

# The goals of the Redis store (-s redis), each next to what this run measured.
if [ "$set_name" = redis ]; then
  # check VALUE OP GOAL: "yes" when VALUE OP GOAL holds, "**no**" otherwise, "–" without a value.
  check() { awk -v x="$1" -v op="$2" -v g="$3" 'BEGIN { if (x == "-" || x == "") { print "–"; exit }
    ok = (op == ">=") ? x + 0 >= g : (op == "<=") ? x + 0 <= g : (x + 0 >= g - 0.0005 && x + 0 <= g + 0.0005)
    print ok ? "yes" : "**no**" }'; }
  goal_row() { # what measured op goal [per round] [target as printed]
    echo "| $1 | $2 | ${6:-$3 $4} | $(check "$2" "$3" "$4") | ${5:-} |"
  }
  echo
  echo "Goals of the Redis store, every request passing, penalty box on (ratios: medians of per-round ratios of requests/s; calls sent: commands the app's client sent, per HTTP request, heartbeats included):"
  echo
  echo "| goal | measured | target | met | per round |"
  echo "| --- | ---: | ---: | :---: | --- |"
  for peer in 4 5 6; do
    goal_row "Floodgate (Redis) ÷ $(label "$peer")" "$(paired_ratio 3 "$peer")" ">=" 1.5 "$(round_ratios 3 "$peer")"
  done
  goal_row "Floodgate (Redis) ÷ Floodgate (memory)" "$(paired_ratio 3 2)" ">=" 0.6 "$(round_ratios 3 2)"
  goal_row "Floodgate (Redis): server CPU µs per request" "${cpu[3]}" "<=" 20
  goal_row "Floodgate (Redis): bytes allocated per request" "${alloc[3]}" "<=" 1000
  # One round trip per request at most: a request never waits for a second call (ban check, another limit); with
  # batching, requests that arrive together share one call, so the count falls below 1.
  goal_row "Floodgate (Redis): Redis calls sent per request (one round trip; batched requests share one)" "${commands[3]}" "<=" 1.0005 "" "<= 1"
  echo
  echo "Rejecting (over-limit cache on):"
  echo
  echo "| goal | measured | target | met | per round |"
  echo "| --- | ---: | ---: | :---: | --- |"
  goal_row "Floodgate (Redis) + penalty box: Redis calls sent per request" "${commands[8]}" "=" 0
  goal_row "Floodgate (Redis) + penalty box ÷ Floodgate (memory) + penalty box" "$(paired_ratio 8 7)" ">=" 0.9 "$(round_ratios 8 7)"
  goal_row "Floodgate (Redis), no penalty box: Redis calls sent per request" "${commands[10]}" "=" 0
  goal_row "Floodgate (Redis), no penalty box ÷ Floodgate (memory), no penalty box" "$(paired_ratio 10 9)" ">=" 0.9 "$(round_ratios 10 9)"
fi

echo
echo "Per-round ratios of requests/s (median first, then rounds 1 / 2 / ...):"
echo
echo "| variant | against | median | per round |"
echo "| --- | --- | ---: | --- |"
for pair in "${pairs[@]}"; do
  read -r a b <<<"$pair"
  echo "| $(label "$a") | $(label "$b") | $(paired_ratio "$a" "$b") | $(round_ratios "$a" "$b") |"
done

echo
echo "Raw results (variant, round, requests/s, p50 us, p99 us, requests, non-2xx, socket errors, server CPU us/req, B/req, Redis commands sent/req, scripts run by Redis/req, store script calls/req, over-limit cache hits/req, Redis CPU us/req, commands executed by Redis/req, by command):"
echo
echo '```'
cat "$results"
echo '```'
if [ "$status" != 0 ]; then
  echo
  echo "WARNING: the Redis store switched to its failure mode in some run (see above)."
fi
exit "$status"
