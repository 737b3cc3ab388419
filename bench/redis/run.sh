#!/usr/bin/env bash
# Floodgate's Redis store against the ceiling of one Redis shard running the same script, and against a fixed
# reference: a minimal token-bucket script (bench/redis/token-bucket.lua) run by redis-benchmark.
#
# Starts its own redis-server on a free loopback port (no persistence), checks that the script the bench dumps is the
# one the store loads, then measures once, for reference: redis-benchmark PING, and EVALSHA pipelined on one connection
# (-c 1 -P callers). Then ROUNDS interleaved rounds; in each, for each number of callers, back to back (order
# alternating between rounds): redis-benchmark -c callers EVALSHA of the store's batch script (one sliding-window-counter
# admission, cost 1, random keys) = the ceiling; redis-benchmark -c callers EVALSHA of the reference token bucket
# (random keys); the store's EVALSHA through StackExchange.Redis alone; and Floodgate (RedisRateLimitStore.AcquireAsync
# from that many concurrent callers, closed loop). Then the attack: all callers on one key over its limit, over-limit
# cache on and off. Every run reports Redis's CPU time per decision (INFO cpu) and the scripts and commands Redis ran per
# decision (INFO commandstats). Prints one markdown report of medians and per-round ratios, and the store's goals.
# About 5-6 minutes with the defaults on a 2-core machine; -q about 2-3.
#
#   bench/redis/run.sh [-q] [-n ROUNDS] [-d SECONDS] [-w WARMUP_SECONDS] [-b BENCH_SECONDS] [-c "1 16 64 256"]
#   ROUNDS=5 DURATION=5 CALLERS="1 16 64 256" ATTACK_CALLERS=64 bench/redis/run.sh
#
# -n rounds (3), -d seconds measured per .NET run (3), -w warm-up seconds per .NET run (1), -b seconds per
# redis-benchmark run (3), -c the numbers of callers; -q a quick run: -n 3 -d 1 -w 1 -b 1 and no SE.Redis-alone runs
# (options after -q override it; RAW=1 brings those back).
#
# Only 127.0.0.1 is contacted. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
CALLERS=${CALLERS:-"1 16 64 256"}
ATTACK_CALLERS=${ATTACK_CALLERS:-64}
WARMUP=${WARMUP:-1}                   # seconds, .NET bench, before each measurement
DURATION=${DURATION:-3}               # seconds, .NET bench, measured
BENCH_SECONDS=${BENCH_SECONDS:-3}     # about how long each redis-benchmark EVALSHA run lasts
KEYSPACE=${KEYSPACE:-100000}          # redis-benchmark -r: distinct keys, as the .NET callers each have their own
RAW=${RAW:-1}                         # 1: also the store's EVALSHA through StackExchange.Redis alone (where the time goes)
while getopts "qn:d:w:b:c:h" opt; do
  case "$opt" in
    q) ROUNDS=3 DURATION=1 WARMUP=1 BENCH_SECONDS=1 RAW=${RAW:-0} ;;
    n) ROUNDS=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    w) WARMUP=$OPTARG ;;
    b) BENCH_SECONDS=$OPTARG ;;
    c) CALLERS=$OPTARG ;;
    *) sed -n '2,24p' "$0"; exit 2 ;;
  esac
done

for program in redis-server redis-cli redis-benchmark dotnet; do
  command -v "$program" >/dev/null || { echo "$program is required" >&2; exit 1; }
done

work=$(mktemp -d -t floodgate-redisbench-XXXXXX)
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building bench/Floodgate.RedisBench (Release) ..." >&2
dotnet build bench/Floodgate.RedisBench/Floodgate.RedisBench.csproj -c Release -v quiet -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
bench=(dotnet bench/Floodgate.RedisBench/bin/Release/net10.0/Floodgate.RedisBench.dll)

start_redis "$work"
port=$redis_port
cli=(redis-cli -h 127.0.0.1 -p "$port")
redis="127.0.0.1:$port"

# The script: written by the bench from the store's own resources. The server starts with an empty script cache, so
# the probe's EVALSHA misses and the store loads its own script; that SHA must be the dumped file's.
dumped_sha=$("${bench[@]}" --dump-script "$work/batch.lua")
"${bench[@]}" --redis "$redis" --probe >&2
[ "$("${cli[@]}" SCRIPT EXISTS "$dumped_sha")" = "1" ] \
  || { echo "the dumped script ($dumped_sha) is not the one the store loaded" >&2; exit 1; }
# -x sends the file verbatim; "$(cat file)" would drop its final newline and change the SHA.
sha=$("${cli[@]}" -x SCRIPT LOAD <"$work/batch.lua")
[ "$sha" = "$dumped_sha" ] || { echo "SCRIPT LOAD gave $sha, expected $dumped_sha" >&2; exit 1; }
read -r -a evalsha_args <<<"$("${bench[@]}" --redis "$redis" --evalsha-args)"
evalsha=(EVALSHA "$sha" "${evalsha_args[@]}")

# The fixed reference: the minimal token bucket, capacity 1,000,000,000 (never denies), refilled per ms as a limit of
# 1,000,000,000 a minute would be, cost 1, kept a day. redis-benchmark cannot send a changing clock, so "now" is one
# fixed value: the refill arithmetic runs on every call and adds nothing.
reference_sha=$("${cli[@]}" -x SCRIPT LOAD <bench/redis/token-bucket.lua)
reference=(EVALSHA "$reference_sha" 1 "floodgate-reference:__rand_int__" 1000000000 16667 1000000 1 86400000)

results="$work/results.tsv"
: >"$results"

# redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
# benchmark ROUND KIND CALLERS REQUESTS ARGS...: redis-benchmark -n REQUESTS ARGS; appends one results line (columns in
# bench/Floodgate.RedisBench/Report.cs) with Redis's own CPU time per request, from INFO cpu around the run.
benchmark() {
  local round=$1 kind=$2 callers=$3 requests=$4 before after commands
  shift 4
  before=$(server_cpu)
  command_stats >"$work/commands.before"
  # --csv before the command: after it, it would be sent to Redis as one more argument.
  redis-benchmark -h 127.0.0.1 -p "$port" -n "$requests" --csv "$@" >"$work/csv"
  after=$(server_cpu)
  command_stats >"$work/commands.after"
  commands=$(command_delta "$work/commands.before" "$work/commands.after" "$requests")
  if [ -z "$(csv_row <"$work/csv")" ]; then
    echo "redis-benchmark $* printed no result:" >&2
    cat "$work/csv" >&2
    status=1
    return
  fi
  csv_row <"$work/csv" | awk -F, -v round="$round" -v kind="$kind" -v callers="$callers" \
    -v requests="$requests" -v before="$before" -v after="$after" -v commands="$commands" \
    '{ n = NF; printf "%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t1\t0\t0\t0\t0\t0\t0\t%.2f\t%s\n",
       round, kind, callers, $(n-6), $(n-3) * 1000, $(n-1) * 1000, (after - before) * 1e6 / requests, commands }' >>"$results"
  tail -n 1 "$results" | awk -F'\t' '{ printf "%-17s callers %3s: %9s ops/s, p50 %s us, p99 %s us, Redis CPU %s us, scripts %s and commands %s per request, %s us inside scripts\n", $2, $3, $4, $5, $6, $14, $15, $16, $17 }' >&2
}

# Calls and microseconds per command so far, from INFO commandstats ("NAME CALLS USEC" lines).
command_stats() { "${cli[@]}" INFO commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ { sub("^cmdstat_", "", $1); print $1, $3, $5 }'; }

# command_delta BEFORE AFTER REQUESTS: "scripts<TAB>commands<TAB>script us" per request between two command_stats
# (commands: every call, those a script ran inside included; script us: Redis's time inside script calls; the INFO
# calls of this script left out).
command_delta() {
  awk -v r="$3" 'NR == FNR { b[$1] = $2; u[$1] = $3; next } $1 != "info" {
      d = $2 - b[$1]; total += d
      if ($1 ~ /^(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro)$/) { scripts += d; us += $3 - u[$1] }
    } END { if (r <= 0) r = 1; printf "%.3f\t%.3f\t%.2f", scripts / r, total / r, us / r }' "$1" "$2"
}

server_cpu() { "${cli[@]}" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.6f", s }'; }

# The CSV's data row (the last non-empty line, not the header), without quotes.
csv_row() { grep '^"' | grep -v '^"test"' | tail -n 1 | tr -d '"'; }

rps_of() { csv_row | awk -F, '{ printf "%.0f", $(NF-6) }'; }

# Calibration (also warms Redis and fills the keyspace): requests per EVALSHA run so that one lasts about
# BENCH_SECONDS. Then the references, measured once: PING, and EVALSHA pipelined on one connection with as many
# requests in flight as callers (-c 1 -P callers), which is how the multiplexer carries concurrent callers.
status=0
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A evalsha_n reference_n
for c in $CALLERS; do
  rps=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$c" -n 10000 -r "$KEYSPACE" --csv "${evalsha[@]}" | rps_of)
  evalsha_n[$c]=$(( rps * BENCH_SECONDS > 10000 ? rps * BENCH_SECONDS : 10000 ))
  rps=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$c" -n 10000 -r "$KEYSPACE" --csv "${reference[@]}" | rps_of)
  reference_n[$c]=$(( rps * BENCH_SECONDS > 10000 ? rps * BENCH_SECONDS : 10000 ))
done
"${cli[@]}" CONFIG RESETSTAT >/dev/null
for c in $CALLERS; do
  benchmark 0 ping "$c" $(( ${evalsha_n[$c]} * 2 / 3 )) -c "$c" -t ping_mbulk
  if [ "$c" -gt 1 ]; then
    benchmark 0 evalsha-pipelined "$c" $(( ${evalsha_n[$c]} * 2 )) -c 1 -P "$c" -r "$KEYSPACE" "${evalsha[@]}"
  fi
done

dotnet_bench() { # scenario callers round
  "${bench[@]}" --redis "$redis" --scenario "$1" --callers "$2" --warmup "$WARMUP" --duration "$DURATION" \
    --round "$3" --results "$results" >&2 || status=1
}
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  for c in $CALLERS; do
    ceiling() {
      benchmark "$round" evalsha "$c" "${evalsha_n[$c]}" -c "$c" -r "$KEYSPACE" "${evalsha[@]}"
    }
    reference() {
      benchmark "$round" reference "$c" "${reference_n[$c]}" -c "$c" -r "$KEYSPACE" "${reference[@]}"
    }
    # Alternate the order, so that a drift of the machine's load does not favour one side.
    raw() { if [ "$RAW" = 1 ]; then dotnet_bench raw "$c" "$round"; fi; }
    if [ $((round % 2)) -eq 1 ]; then
      ceiling; reference; raw; dotnet_bench admit "$c" "$round"
    else
      dotnet_bench admit "$c" "$round"; raw; reference; ceiling
    fi
  done
  for scenario in attack-cache-on attack-cache-off; do
    dotnet_bench "$scenario" "$ATTACK_CALLERS" "$round"
  done
done

# Every EVALSHA and EVAL since the calibration must have run the script (other errors, e.g. the client's CLUSTER
# probes on a standalone server, do not matter).
script_stats=$("${cli[@]}" INFO commandstats | tr -d '\r' | grep -E '^cmdstat_(evalsha|eval):' || true)
if echo "$script_stats" | grep -Eqv 'failed_calls=0,rejected_calls=0|rejected_calls=0,failed_calls=0'; then
  echo "Redis reported failed script calls: $script_stats" >&2
  status=1
fi

echo
echo "### Floodgate RedisRateLimitStore vs one Redis shard ($(redis-server --version | awk '{ sub("v=", "", $3); print $3 }'))"
echo
echo "\`bench/redis/run.sh -n $ROUNDS -d $DURATION -w $WARMUP -b $BENCH_SECONDS -c \"$CALLERS\"\`, $started; load average (1, 5, 15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores."
echo
echo "Script SHA1 $sha; redis-benchmark command: \`${evalsha[*]}\` with \`-r $KEYSPACE\`."
echo "Reference (bench/redis/token-bucket.lua): \`${reference[*]}\` with \`-r $KEYSPACE\`."
echo "Redis's own time per script call (INFO commandstats, all rounds, the store's script and the reference together): $(echo "$script_stats" | sed -E 's/^cmdstat_([a-z]+):calls=([0-9]+),usec=[0-9]+,usec_per_call=([0-9.]+).*/\1 \3 us over \2 calls/' | paste -sd';' | sed 's/;/; /g')."
echo
"${bench[@]}" --report "$results"
echo
echo "The store's own cost per decision, without Redis (fake multiplexer that answers at once; process CPU time, best of 3):"
echo
echo '```'
"${bench[@]}" --overhead --threads 1,32 --duration 1 --repetitions 3 || status=1
echo '```'
echo
echo "Raw results (round, kind, callers, ops/s, p50 us, p99 us, round trips per decision, failures, degraded, round trips, over-limit cache hits, client CPU us, allocated B, Redis CPU us, scripts run by Redis, commands executed by Redis, Redis us inside scripts; the last six per decision):"
echo
echo '```'
cat "$results"
echo '```'
if [ "$status" != 0 ]; then
  echo
  echo "WARNING: a run reported failures, degradation, unexpected denials or Redis errors (see above)."
fi
exit "$status"
