#!/usr/bin/env bash
# Envoy's rate limit service: ShouldRateLimit calls per second and latency from concurrent HTTP/2 callers.
#
# Starts its own redis-server (no persistence) and two service processes reading the same envoyproxy/ratelimit YAML
# (one descriptor key, 1000 per second per value, fixed window): one on the memory store, one on Redis. Then ROUNDS
# interleaved rounds (order alternating between rounds); in each, back to back, from CALLERS concurrent callers over
# CONNECTIONS HTTP/2 connections (closed loop, VALUES distinct descriptor values, nearly all under the limit):
#   reference: a domain no file configures, on the memory process: gRPC, parsing and matching, no store call;
#   memory:    the configured domain on the memory process;
#   redis:     the configured domain on the Redis process;
#   attack:    one value over its limit on the Redis process (answered from the over-limit cache).
# Prints a markdown report: each scenario's calls/s and latency per round, medians, and the per-round ratios to the
# reference, after one unrecorded pass of every scenario. Everything (redis, services, bench client) shares this
# machine's cores. About 4 minutes with the defaults.
#
#   bench/rls/run.sh
#   ROUNDS=5 DURATION=10 CALLERS=64 CONNECTIONS=2 bench/rls/run.sh
#
# Only 127.0.0.1 is contacted. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
CALLERS=${CALLERS:-64}
CONNECTIONS=${CONNECTIONS:-2}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-8}
VALUES=${VALUES:-10000}

for program in redis-server redis-cli dotnet; do
  command -v "$program" >/dev/null || { echo "$program is required" >&2; exit 1; }
done

work=$(mktemp -d -t floodgate-rlsbench-XXXXXX)
redis_pid=""
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building Floodgate.Server and bench/rls/Floodgate.RlsBench (Release) ..." >&2
for project in src/Floodgate.Server bench/rls/Floodgate.RlsBench; do
  dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
server_dir=src/Floodgate.Server/bin/Release/net10.0
bench=(dotnet bench/rls/Floodgate.RlsBench/bin/Release/net10.0/Floodgate.RlsBench.dll)

start_redis "$work"
mkdir -p "$work/config"
cat >"$work/config/bench.yaml" <<'YAML'
domain: bench
descriptors:
  - key: remote_address
    rate_limit:
      unit: second
      requests_per_unit: 1000
  - key: attacker
    rate_limit:
      unit: minute
      requests_per_unit: 10
YAML

# start_server NAME [SETTINGS...]: a service process with the rate limit service on; sets grpc_port.
start_server() {
  local name=$1; shift
  local http grpc
  http=$(free_port); grpc=$(free_port)
  (cd "$server_dir" && exec dotnet Floodgate.Server.dll --urls="http://127.0.0.1:$http" \
    --Logging:LogLevel:Default=Warning --Floodgate:Policies:Path="$work/$name.db" \
    --Floodgate:Envoy:Enabled=true --Floodgate:Envoy:Address=127.0.0.1 --Floodgate:Envoy:Port="$grpc" \
    --Floodgate:Envoy:Config:0="$work/config" "$@") >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$http/health" >/dev/null 2>&1 && { grpc_port=$grpc; return; }
    sleep 0.1
  done
  cat "$work/$name.log" >&2; echo "$name did not start" >&2; exit 1
}

start_server memory; memory_port=$grpc_port
start_server redis --Floodgate:Redis:Configuration="127.0.0.1:$redis_port"; redis_port_grpc=$grpc_port

run() { # run LABEL PORT DOMAIN KEY VALUES
  "${bench[@]}" --label "$1" --target "127.0.0.1:$2" --domain "$3" --key "$4" --values "$5" \
    --callers "$CALLERS" --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
}

# One unrecorded pass of every scenario first, so that no round measures a process before its code is tiered up.
echo "warm-up (not recorded) ..." >&2
run warmup "$memory_port" unconfigured remote_address "$VALUES" >/dev/null
run warmup "$memory_port" bench remote_address "$VALUES" >/dev/null
run warmup "$redis_port_grpc" bench remote_address "$VALUES" >/dev/null
run warmup "$redis_port_grpc" bench attacker 1 >/dev/null

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$work/results.tsv"
scenarios=(reference memory redis attack)
for round in $(seq 1 "$ROUNDS"); do
  order=("${scenarios[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(attack redis memory reference); fi
  for scenario in "${order[@]}"; do
    case $scenario in
      reference) line=$(run reference "$memory_port" unconfigured remote_address "$VALUES") ;;
      memory) line=$(run memory "$memory_port" bench remote_address "$VALUES") ;;
      redis) line=$(run redis "$redis_port_grpc" bench remote_address "$VALUES") ;;
      attack) line=$(run attack "$redis_port_grpc" bench attacker 1) ;;
    esac
    echo "round $round: $line" >&2
    printf '%s\t%s\n' "$round" "$line" >>"$work/results.tsv"
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# The report: one row per scenario; per-round values beside the median, and the median of per-round ratios.
awk -F'\t' -v rounds="$ROUNDS" -v callers="$CALLERS" -v connections="$CONNECTIONS" -v duration="$DURATION" \
    -v load_start="$load_start" -v load_end="$load_end" -v cores="$(nproc)" '
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ round = $1; label = $2; rate[label, round] = $3; p50[label, round] = $4; p99[label, round] = $5; p999[label, round] = $6
  ok[label] += $7; over[label] += $8; errors[label] += $9 }
END {
  printf "%d callers over %d HTTP/2 connections, %d s per run, %d rounds; %d cores; load average before %s, after %s\n\n", callers, connections, duration, rounds, cores, load_start, load_end
  print "| scenario | calls/s (median) | calls/s per round | p50 ms | p99 ms (median) | p99 ms per round | p99.9 ms | vs reference (median of per-round ratios) | OK / OVER_LIMIT / errors |"
  print "| --- | ---: | --- | ---: | ---: | --- | ---: | --- | --- |"
  n = split("reference memory redis attack", labels, " ")
  for (l = 1; l <= n; l++) {
    label = labels[l]; rates = ""; p99s = ""; p50s = ""; p999s = ""; ratios = ""; shown = ""; shown99 = ""; ratio_list = ""
    for (r = 1; r <= rounds; r++) {
      sep = r > 1 ? ", " : ""
      ratio = rate[label, r] / rate["reference", r]
      rates = rates " " rate[label, r]; p99s = p99s " " p99[label, r]; p50s = p50s " " p50[label, r]; p999s = p999s " " p999[label, r]
      ratios = ratios " " ratio
      shown = shown sep rate[label, r]; shown99 = shown99 sep p99[label, r]; ratio_list = ratio_list sep sprintf("%.2f", ratio)
    }
    printf "| %s | %.0f | %s | %.2f | %.2f | %s | %.2f | %.2f (%s) | %d / %d / %d |\n", label, median(rates), shown, median(p50s), median(p99s), shown99, median(p999s), median(ratios), ratio_list, ok[label], over[label], errors[label]
  }
}' "$work/results.tsv"
