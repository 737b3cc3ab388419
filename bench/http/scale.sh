#!/usr/bin/env bash
# Floodgate with many distinct clients over HTTP: memory and throughput at 1,000, 100,000 and 1,000,000 clients, with
# the in-memory store and with the Redis store, measured with wrk and rotate.lua (every request names another client
# in X-Forwarded-For; the app trusts 127.0.0.1 as a proxy).
#
#   bench/http/scale.sh [-n ROUNDS] [-s "memory redis"] [-k "1000 100000 1000000"] [-d SECONDS] [-w WARMUP_SECONDS]
#                       [-f FILL_CHUNK_SECONDS] [-c CONNECTIONS] [-t THREADS] [-p PORT]
#
# In each round, for each store (interleaved: memory, redis, memory, redis, ...): start Floodgate.HttpBench with a
# limit nobody reaches (1,000,000,000/day, so no state expires during the run), then for each client count in
# ascending order: send first requests of new clients until that many exist (wrk in chunks, each continuing where
# the last stopped: the "fill" rate is the rate of first requests), warm up once (first count only), measure wrk
# rotating over the clients that now exist (the "steady" rate: every request from a known client), and read memory
# after a full compacting GC (/bench/memory: RSS, GC heap, keys held) and Redis's used_memory and DBSIZE.
# The redis-server is the script's own, on a free loopback port, emptied before each Redis run.
# Defaults take about 10 minutes on a 2-core machine (most of it creating a million clients in Redis).
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

rounds=3 stores="memory redis" counts="1000 100000 1000000" duration=5 warmup=8 chunk=10 connections=64 threads=2 port=5181
while getopts "n:s:k:d:w:f:c:t:p:h" opt; do
  case "$opt" in
    n) rounds=$OPTARG ;;
    s) stores=$OPTARG ;;
    k) counts=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    f) chunk=$OPTARG ;;
    c) connections=$OPTARG ;;
    t) threads=$OPTARG ;;
    p) port=$OPTARG ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
. "$root/bench/lib.sh"
project="$root/bench/Floodgate.HttpBench/Floodgate.HttpBench.csproj"
app="$root/bench/Floodgate.HttpBench/bin/Release/net10.0/Floodgate.HttpBench.dll"
url="http://127.0.0.1:$port/api/data"

for program in wrk curl redis-server redis-cli dotnet; do
  command -v "$program" >/dev/null || { echo "$program is required" >&2; exit 1; }
done

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

start_redis "$work"
cli=(redis-cli -h 127.0.0.1 -p "$redis_port")
redis_version=$(redis-server --version | awk '{ sub("v=", "", $3); print $3 }')

common=(--Floodgate:DefaultLimit=1000000000/day --Floodgate:ForwardedHeaders:TrustedProxies:0=127.0.0.1
  --Floodgate:Memory:MaxKeys=1100000)

start_server() { # store
  local mode=floodgate extra=()
  if [ "$1" = redis ]; then
    "${cli[@]}" FLUSHALL >/dev/null
    mode=floodgate-redis
    extra=(--Floodgate:Redis:Configuration="127.0.0.1:$redis_port")
  fi
  dotnet "$app" "$mode" pass "$port" "${common[@]}" "${extra[@]}" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/bench/stats"; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "the app did not start ($mode):" >&2
  cat "$work/server.log" >&2
  exit 1
}

fields() { { curl -s --max-time 120 "http://127.0.0.1:$port/bench/$1"; echo; } | sed "s/[a-z_0-9]*=//g"; }
redis_memory() {
  local used keys
  used=$("${cli[@]}" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
  keys=$("${cli[@]}" DBSIZE)
  echo "$used $keys"
}

# wrk_rotate SECONDS CLIENTS FIRST: prints "requests duration_us p50_us p99_us status_errors socket_errors next"
wrk_rotate() {
  wrk -t"$threads" -c"$connections" -d"$1s" -s "$here/rotate.lua" "$url" -- "$2" "$3" "$threads" \
    | grep '^RESULT ' | sed 's/[a-z_0-9]*=//g; s/RESULT //'
}

results="$work/results.tsv"
: >"$results"
status=0
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for round in $(seq "$rounds"); do
  for store in $stores; do
    start_server "$store"
    # Warm-up (JIT, connections) on the first count's clients: it also creates them.
    read -r count_list0 _ <<<"$counts"
    read -r requests _ _ _ _ _ sent < <(wrk_rotate "$warmup" "$count_list0" 0)
    next=$((sent - connections > 0 ? sent - connections : 0)) rate=$((requests / warmup + 1))
    [ "$next" -gt "$count_list0" ] && next=$count_list0 # it went round: every one of them was sent
    for count in $counts; do
      # Fill: first requests of clients next .. count-1, in chunks each continuing where the last stopped, sized by the
      # last rate seen so that the last chunk does not run on long into known clients (mod count).
      fill_requests=0 fill_us=0 fill_errors=0
      while [ "$next" -lt "$count" ]; do
        seconds=$(( (count - next) / rate + 1 ))
        [ "$seconds" -gt "$chunk" ] && seconds=$chunk
        read -r requests duration_us _ _ status_errors socket_errors sent < <(wrk_rotate "$seconds" "$count" "$next")
        # Continue from the slowest thread, less the requests that may have been in flight when wrk stopped.
        next=$((sent - connections > next ? sent - connections : next + 1))
        [ "$next" -gt "$count" ] && next=$count
        fill_requests=$((fill_requests + requests)) fill_us=$((fill_us + duration_us))
        fill_errors=$((fill_errors + status_errors + socket_errors))
        rate=$(( requests * 1000000 / (duration_us + 1) + 1 ))
      done
      read -r cpu0 alloc0 _ _ _ _ _ trips0 _ < <(fields stats)
      read -r requests duration_us p50 p99 status_errors socket_errors _ < <(wrk_rotate "$duration" "$count" 0)
      read -r cpu1 alloc1 _ _ _ keys evictions trips1 _ degraded _ < <(fields stats)
      read -r rss gc_live gc_heap _ < <(fields memory)
      read -r used_memory dbsize < <(redis_memory)
      [ "$store" = memory ] && used_memory=0 dbsize=0
      [ "$store" = redis ] && keys=$dbsize
      errors=$((status_errors + socket_errors + fill_errors))
      if [ "$errors" != 0 ] || [ "$degraded" != 0 ] || [ "$evictions" != 0 ] || [ "$keys" -lt "$count" ]; then
        echo "WARNING: $store $count clients: $errors errors, $degraded switches to the failure mode, $evictions evictions, $keys keys" >&2
        status=1
      fi
      rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
      fill_rps=$(awk -v r="$fill_requests" -v d="$fill_us" 'BEGIN { if (d > 0) printf "%.0f", r / (d / 1e6); else print "-" }')
      cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
      alloc=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
      trips=$(awk -v a="$trips0" -v b="$trips1" -v r="$requests" 'BEGIN { printf "%.2f", (b - a) / r }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$store" "$count" "$rps" "$p50" "$p99" \
        "$fill_rps" "$fill_requests" "$cpu" "$alloc" "$rss" "$gc_live" "$gc_heap" "$keys" "$used_memory" >>"$results"
      printf 'round %s  %-6s %8s clients: steady %6s req/s p50 %6s us p99 %7s us; fill %6s req/s (%s requests); server CPU %s us/req, %s B/req; RSS %s MB, GC live %s MB, GC heap %s MB; keys %s; Redis used_memory %s MB; store round trips/req %s; load %s\n' \
        "$round" "$store" "$count" "$rps" "$p50" "$p99" "$fill_rps" "$fill_requests" "$cpu" "$alloc" \
        "$((rss / 1048576))" "$((gc_live / 1048576))" "$((gc_heap / 1048576))" "$keys" "$((used_memory / 1048576))" "$trips" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
    done
    stop_server
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v k="$2" -v c="$3" '$2 == s && $3 == k { print $c }' "$results" | median; }
# Bytes per client between the smallest and the largest count, per round, then the median over rounds.
per_client() {
  awk -F'\t' -v s="$1" -v c="$2" -v lo="$3" -v hi="$4" \
    '$2 == s && $3 == lo { a[$1] = $c } $2 == s && $3 == hi { b[$1] = $c } END { for (r in a) if (r in b) print (b[r] - a[r]) / (hi - lo) }' "$results" | median
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# The median over rounds of the ratio of two counts' steady requests/s in the same server process.
steady_ratio() {
  awk -F'\t' -v s="$1" -v k="$2" -v base="$3" '$2 == s && $3 == k { x[$1] = $4 } $2 == s && $3 == base { y[$1] = $4 } END { for (r in x) if (y[r] > 0) print x[r] / y[r] }' "$results" \
    | median | awk '{ if ($1 == "-") print "-"; else printf "%.2f", $1 }'
}
read -r -a count_list <<<"$counts"
smallest=${count_list[0]} largest=${count_list[${#count_list[@]}-1]}

echo
echo "\`bench/http/scale.sh -n $rounds -s \"$stores\" -k \"$counts\" -d $duration -w $warmup -f $chunk -c $connections -t $threads\`, $started;"
echo "wrk -t$threads -c$connections, rotate.lua; limit 1000000000/day; $rounds rounds, stores interleaved; Redis $redis_version;"
echo "load average (1, 5, 15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians over rounds."
echo
echo "| store | clients | steady req/s | ÷ at $smallest | p50 ms | p99 ms | fill req/s (new clients) | server CPU µs/req | B/req | RSS MB | GC heap MB (live) | keys | Redis used_memory MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for store in $stores; do
  for count in $counts; do
    echo "| $store | $count | $(col "$store" "$count" 4) | $(steady_ratio "$store" "$count" "$smallest") | $(awk -v u="$(col "$store" "$count" 5)" 'BEGIN { printf "%.2f", u / 1000 }') | $(awk -v u="$(col "$store" "$count" 6)" 'BEGIN { printf "%.2f", u / 1000 }') | $(col "$store" "$count" 7) | $(col "$store" "$count" 9) | $(col "$store" "$count" 10) | $(mb "$(col "$store" "$count" 11)") | $(mb "$(col "$store" "$count" 12)") | $(col "$store" "$count" 14) | $(mb "$(col "$store" "$count" 15)") |"
  done
done
echo
echo "Bytes per client, from $smallest to $largest clients (difference ÷ $((largest - smallest)), median over rounds):"
echo
for store in $stores; do
  echo "- $store: RSS $(per_client "$store" 11 "$smallest" "$largest" | awk '{ printf "%.0f", $1 }') B, GC live $(per_client "$store" 12 "$smallest" "$largest" | awk '{ printf "%.0f", $1 }') B, Redis used_memory $(per_client "$store" 15 "$smallest" "$largest" | awk '{ printf "%.0f", $1 }') B"
done
echo
echo "Raw results (round, store, clients, steady req/s, p50 us, p99 us, fill req/s, fill requests, server CPU us/req, B/req, RSS, GC live, GC heap, keys, Redis used_memory; bytes):"
echo
echo '```'
cat "$results"
echo '```'
if [ "$status" != 0 ]; then
  echo
  echo "WARNING: some run had errors, evictions, missing keys or a switch to the failure mode (see above)."
fi
exit "$status"
