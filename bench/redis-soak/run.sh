#!/usr/bin/env bash
# Two Floodgate.Server instances on one Redis under a steady load, across a Redis restart or a Sentinel failover.
#
# Starts its own Redis (SCENARIO=steady or restart: one redis-server; SCENARIO=failover: a primary, a replica and three
# sentinels, down-after 1 s), two service instances on it (Floodgate:Redis:Instances=2, the /api/data rule at
# LIMIT/minute with the exact sliding window log, bans off so that the watched client is only ever limited, 127.0.0.1
# trusted as a proxy so that X-Forwarded-For names the client), then for DURATION seconds drives each instance with
# tools/Floodgate.Load: RATE/2 requests/s spread over 20,000 clients, each its own address (X-Forwarded-For from the
# documentation ranges, --identity forwarded) and each under its limit (both instances together send one client
# RATE/20,000 requests/s: 0.1/s at the default rate), and PROBE requests/s from one watched client far over its
# limit, whose address (WATCHED, X-Forwarded-For) no background client has: it is limited by its own key alone. No
# global or endpoint limit is set. With ATTACK > 0, an attacker sends ATTACK requests/s per instance from one address
# (127.0.0.1 itself, no X-Forwarded-For) with made-up API keys, a disjoint set of CEILING keys pinned to each instance
# (--first-client), as through a load balancer that keeps his connections: the identity ceiling, counted in Redis for
# both instances, lets at most CEILING of them stand for themselves, so he gets at most CEILING x LIMIT + LIMIT in the
# window in which his address goes over the ceiling and LIMIT in each window after; a count per instance would let
# all 2 x CEILING keys stand (2 x CEILING x LIMIT a window). A late client (LATE, X-Forwarded-For) sends LATE_RATE
# requests/s per instance, under its limit, from the start, and from EVENT_AT on also PROBE requests/s per instance:
# it has spent part of its limit when the event comes and then wants more than the rest, the case the README's bound
# for a restart that loses Redis's data (twice the limit) is about. At EVENT_AT seconds:
# restart stops Redis (SHUTDOWN NOSAVE: its data is lost) and starts it again DOWN seconds later on the same port;
# failover kills the primary (SIGKILL). Reports, per scenario: admissions of the watched client in every 60 s slice and in the worst 59 s sliding
# window (two instances together), the same for the attacker, the late client's worst 59 s window, switches to the failure mode, time degraded and store errors (each instance's
# /metrics), 5xx and transport errors, background requests denied, p99 and max latency, and for restart/failover when
# decisions reached Redis again (the first script run to the end there; for failover also when the replica was
# promoted and when the sentinels named it).
#
#   bench/redis-soak/run.sh                          # SCENARIO=restart
#   SCENARIO=failover DURATION=150 bench/redis-soak/run.sh
#   SCENARIO=steady RATE=2000 DURATION=180 bench/redis-soak/run.sh
#   SERVER_BIN=/elsewhere/src/Floodgate.Server/bin/Release/net10.0 LABEL=before FORMAT=row bench/redis-soak/run.sh
#
# SERVER_BIN runs another build of the service (a reference, e.g. an earlier commit built elsewhere); FORMAT=row prints
# one markdown table row (label, scenario, per-slice and worst-window admissions, switches, time degraded, store
# errors, 5xx, transport errors, background requests denied, p99, max latency, recovery timing, the attacker's
# per-slice and worst-window admissions, the late client's worst window) instead of the table, to gather rounds.
#
# Only 127.0.0.1 is contacted. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
. bench/lib.sh

SCENARIO=${SCENARIO:-restart}      # steady | restart | failover
RATE=${RATE:-2000}                 # requests/s of the background load, both instances together
PROBE=${PROBE:-20}                 # requests/s of the watched client, per instance
DURATION=${DURATION:-150}          # seconds of load
EVENT_AT=${EVENT_AT:-50}           # seconds into the load when Redis is restarted or the primary killed
DOWN=${DOWN:-5}                    # seconds Redis stays down (restart)
LIMIT=${LIMIT:-50}                 # the watched client's limit per minute
SERVER_BIN=${SERVER_BIN:-}         # another build of Floodgate.Server to run (default: build this one)
LABEL=${LABEL:-this}               # its name in FORMAT=row
FORMAT=${FORMAT:-table}            # table | row
WATCHED=${WATCHED:-10.20.30.40}    # the watched client's address (X-Forwarded-For); outside the background's ranges
ATTACK=${ATTACK:-20}               # requests/s of the attacker rotating pinned made-up keys, per instance (0: none)
CEILING=${CEILING:-10}             # Floodgate:Identification:MaxIdentitiesPerAddress, and the attacker's keys per instance
LATE=${LATE:-10.20.30.41}          # the late client's address (X-Forwarded-For)
LATE_RATE=${LATE_RATE:-0.2}        # its requests/s per instance before the event (0.4/s in all: 20 by 50 s, under 50)

for program in redis-server redis-cli dotnet python3 curl; do
  command -v "$program" >/dev/null || { echo "$program is required" >&2; exit 1; }
done
[ "$SCENARIO" != failover ] || command -v redis-sentinel >/dev/null || { echo "redis-sentinel is required" >&2; exit 1; }

work=$(mktemp -d -t floodgate-soak-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# scripts_run PORT: the scripts that server ran to the end (EVALSHA and EVAL calls, less those rejected or failed, such
# as NOSCRIPT or READONLY); 0 when it does not answer.
scripts_run() {
  redis-cli -p "$1" INFO commandstats 2>/dev/null | tr -d '\r' | awk -F'[:,=]' '
    /^cmdstat_(evalsha|eval):/ {
      split("", v)
      for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
      n += v["calls"] - v["rejected_calls"] - v["failed_calls"]
    }
    END { print n + 0 }'
}

echo "Building Floodgate.Server and Floodgate.Load (Release) ..." >&2
projects=(tools/Floodgate.Load)
[ -n "$SERVER_BIN" ] || projects+=(src/Floodgate.Server)
for project in "${projects[@]}"; do
  dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
server_bin=${SERVER_BIN:-$PWD/src/Floodgate.Server/bin/Release/net10.0}
load=(dotnet tools/Floodgate.Load/bin/Release/net10.0/Floodgate.Load.dll)

start_redis "$work/primary"
primary_port=$redis_port primary_pid=$redis_pid
pids+=("$redis_pid")
configuration="127.0.0.1:$primary_port"
if [ "$SCENARIO" = failover ]; then
  start_redis "$work/replica" --replicaof 127.0.0.1 "$primary_port"
  replica_port=$redis_port
  pids+=("$redis_pid")
  sentinel_ports=()
  for i in 1 2 3; do
    port=$(free_port)
    mkdir -p "$work/sentinel$i"
    printf 'port %s\nbind 127.0.0.1\nprotected-mode no\nsentinel resolve-hostnames no\nsentinel monitor mymaster 127.0.0.1 %s 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 3000\n' \
      "$port" "$primary_port" >"$work/sentinel$i/sentinel.conf"
    redis-sentinel "$work/sentinel$i/sentinel.conf" --dir "$work/sentinel$i" --logfile "$work/sentinel$i/log" &
    pids+=($!)
    sentinel_ports+=("$port")
  done
  echo "Waiting for the sentinels to know each other and the replica ..." >&2
  for _ in $(seq 1 1200); do
    ready=0
    for port in "${sentinel_ports[@]}"; do
      info=$(redis-cli -p "$port" SENTINEL MASTER mymaster 2>/dev/null | tr '\n' ' ')
      [[ "$info" == *"num-slaves 1 "* && "$info" == *"num-other-sentinels 2 "* ]] && ready=$((ready + 1))
    done
    [ "$ready" = 3 ] && break
    sleep 0.1
  done
  [ "$ready" = 3 ] || { echo "the sentinels did not get ready" >&2; exit 1; }
  configuration="127.0.0.1:${sentinel_ports[0]},127.0.0.1:${sentinel_ports[1]},127.0.0.1:${sentinel_ports[2]},serviceName=mymaster"
fi

# start_service NAME: one service instance on a free loopback port, waiting until it answers /health; tried again on
# another port when that one was taken before the service bound it. Appends its port to service_ports.
start_service() {
  local name=$1 port pid
  mkdir -p "$work/$name"
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    (cd "$work/$name" && exec dotnet "$server_bin/Floodgate.Server.dll" --urls "http://127.0.0.1:$port" \
      --contentRoot "$server_bin" --Logging:LogLevel:Default=Warning --Logging:LogLevel:Floodgate="${FLOODGATE_LOG:-Warning}" \
      --Logging:Console:TimestampFormat="HH:mm:ss.fff " \
      --Floodgate:Redis:Configuration="$configuration" --Floodgate:Redis:Instances=2 \
      --Floodgate:Rules:0:Limit="$LIMIT/minute" --Floodgate:Rules:0:Algorithm=SlidingWindowLog \
      --Floodgate:Penalty:Enabled=false --Floodgate:ForwardedHeaders:TrustedProxies:0=127.0.0.1 \
      --Floodgate:Identification:MaxIdentitiesPerAddress="$CEILING" >"$work/$name/out.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 1200); do
      if curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
        pids+=("$pid")
        service_ports+=("$port")
        return
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q "address already in use" "$work/$name/out.log" || break
  done
  echo "the instance $name did not start:" >&2
  cat "$work/$name/out.log" >&2
  exit 1
}

service_ports=()
start_service a
start_service b

echo "Load: $RATE/s over 20,000 clients + $PROBE/s per instance from the watched client ($WATCHED) + $ATTACK/s per instance from the attacker, ${DURATION}s, scenario $SCENARIO ..." >&2
start=$(now_ms)
date -u +%T.%3N >"$work/started-at" # the wall clock of "start", to read the kept logs (KEEP=1) against the events
load_pids=()
for i in 0 1; do
  port=${service_ports[$i]}
  "${load[@]}" --url "http://127.0.0.1:$port/api/data" --rate $((RATE / 2)) --clients 20000 --identity forwarded \
    --duration "${DURATION}s" --json >"$work/background$i.json" 2>/dev/null &
  load_pids+=($!)
  "${load[@]}" --url "http://127.0.0.1:$port/api/data" --rate "$PROBE" --header "X-Forwarded-For:$WATCHED" \
    --duration "${DURATION}s" --json >"$work/probe$i.json" 2>/dev/null &
  load_pids+=($!)
  "${load[@]}" --url "http://127.0.0.1:$port/api/data" --rate "$LATE_RATE" --header "X-Forwarded-For:$LATE" \
    --duration "${DURATION}s" --json >"$work/late$i.json" 2>/dev/null &
  load_pids+=($!)
  if [ "$ATTACK" -gt 0 ]; then
    "${load[@]}" --url "http://127.0.0.1:$port/api/data" --rate "$ATTACK" --identity api-key --clients "$CEILING" \
      --first-client $((i * CEILING)) --duration "${DURATION}s" --json >"$work/attack$i.json" 2>/dev/null &
    load_pids+=($!)
  fi
done
pids+=("${load_pids[@]}")

# The event, and when decisions reached Redis again: the first script run to the end on the server that decides after
# it. Each moment is the first poll (every ~20-50 ms) that saw it.
events="$work/events"
: >"$events"
sleep "$EVENT_AT"
# The late client wants more from now on: PROBE requests/s per instance until the end (its start is kept apart from the
# events: the seconds of these runs count from it).
echo $(( $(now_ms) - start )) >"$work/late-flood-start"
for i in 0 1; do
  "${load[@]}" --url "http://127.0.0.1:${service_ports[$i]}/api/data" --rate "$PROBE" --header "X-Forwarded-For:$LATE" \
    --duration "$((DURATION - EVENT_AT))s" --json >"$work/late-flood$i.json" 2>/dev/null &
  load_pids+=($!)
  pids+=($!)
done
case $SCENARIO in
  restart)
    echo "kill $(( $(now_ms) - start ))" >>"$events"
    redis-cli -p "$primary_port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    sleep "$DOWN"
    redis_on "$primary_port" "$work/primary" || { echo "redis-server did not start again on $primary_port" >&2; exit 1; }
    pids+=("$redis_pid")
    echo "up $(( $(now_ms) - start ))" >>"$events"
    for _ in $(seq 1 600); do
      [ "$(scripts_run "$primary_port")" -gt 0 ] && { echo "decided $(( $(now_ms) - start ))" >>"$events"; break; }
      sleep 0.02
    done
    ;;
  failover)
    # A crash (SIGKILL): SHUTDOWN would first pause writes for up to shutdown-timeout while the replica catches up.
    # promoted: the replica says it is a primary (the sentinels' REPLICAOF NO ONE); switched: the sentinels name it;
    # decided: a script ran there to the end (a replica runs none: replication carries the scripts' effects).
    before=$(scripts_run "$replica_port")
    echo "kill $(( $(now_ms) - start ))" >>"$events"
    kill -9 "$primary_pid"
    wait "$primary_pid" 2>/dev/null || true
    promoted="" switched="" decided=""
    for _ in $(seq 1 3000); do
      if [ -z "$promoted" ] && [ "$(redis-cli -p "$replica_port" ROLE 2>/dev/null | head -n 1)" = master ]; then
        promoted=1
        echo "promoted $(( $(now_ms) - start ))" >>"$events"
      fi
      if [ -z "$switched" ] && redis-cli -p "${sentinel_ports[0]}" SENTINEL get-master-addr-by-name mymaster 2>/dev/null | grep -qx "$replica_port"; then
        switched=1
        echo "switched $(( $(now_ms) - start ))" >>"$events"
      fi
      if [ -z "$decided" ] && [ "$(scripts_run "$replica_port")" -gt "$before" ]; then
        decided=1
        echo "decided $(( $(now_ms) - start ))" >>"$events"
      fi
      [ -n "$switched" ] && [ -n "$decided" ] && break
      sleep 0.02
    done
    ;;
esac

for pid in "${load_pids[@]}"; do wait "$pid" || true; done
for i in 0 1; do curl -s "http://127.0.0.1:${service_ports[$i]}/metrics" >"$work/metrics$i.txt"; done

python3 - "$work" "$SCENARIO" "$RATE" "$PROBE" "$DURATION" "$LIMIT" "$LABEL" "$FORMAT" "$ATTACK" "$CEILING" "$LATE_RATE" <<'EOF'
import json, os, sys
work, scenario, rate, probe, duration, limit, label, form = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
attack, ceiling = int(sys.argv[9]), int(sys.argv[10])
load = lambda name: json.load(open(f"{work}/{name}.json"))
probes = [load("probe0"), load("probe1")]
backgrounds = [load("background0"), load("background1")]
attackers = [load(f"attack{i}") for i in range(2)] if os.path.exists(f"{work}/attack0.json") else []
lates = [load("late0"), load("late1")]
late_floods = [load("late-flood0"), load("late-flood1")]
late_offset = int(open(f"{work}/late-flood-start").read()) // 1000
def admissions(runs, offsets=None):
    """Admissions of both instances together per 60 s slice, and the most in any 59 s window; a run's seconds count
    from its own start, offsets[i] seconds after the others'."""
    offsets = offsets or [0] * len(runs)
    seconds = max(len(r["seconds"]) + o for r, o in zip(runs, offsets))
    allowed = [0] * seconds
    for r, o in zip(runs, offsets):
        for s in r["seconds"]:
            if s["second"] + o < seconds:
                allowed[s["second"] + o] += s["allowed"]
    return [sum(allowed[i:i + 60]) for i in range(0, seconds - 59, 60)], max(sum(allowed[i:i + 59]) for i in range(0, max(1, seconds - 58)))
slices, worst = admissions(probes)
attack_slices, attack_worst = admissions(attackers) if attackers else ([], 0)
late_slices, late_worst = admissions(lates + late_floods, [0, 0, late_offset, late_offset])
late_bound = {"steady": limit, "failover": limit * 11 // 10, "restart": 2 * limit}[scenario]
events = dict(line.split() for line in open(f"{work}/events")) if open(f"{work}/events").read().strip() else {}
def metric(text, name):
    """The sum of a metric's series; NaN when the build does not export it."""
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)]
    return sum(values) if values else float("nan")
metrics = [open(f"{work}/metrics{i}.txt").read() for i in range(2)]
def status5xx(run):
    return sum(v for k, v in run["throttledByStatus"].items() if k.startswith("5")) + sum(v for k, v in run["errorsByKind"].items() if k.startswith("HTTP 5"))
runs = backgrounds + probes + attackers + lates + late_floods
fivexx = sum(status5xx(r) for r in runs)
transport = sum(r['errors'] for r in runs) - sum(v for r in runs for k, v in r['errorsByKind'].items() if k.startswith('HTTP'))
# Background clients are each under their limit: any of their requests denied was denied by something else (a call
# that timed out while Redis was taken to be up, StoreUnavailable, or the outage share).
background_denied = sum(r["throttled"] for r in backgrounds)
switches = [metric(m, 'floodgate_store_outages_total') for m in metrics]
store_errors = [metric(m, 'floodgate_store_errors_total') for m in metrics]
def after_kill():
    """The events after the kill in the order they happened, and the first decision against the sentinels' switch."""
    kill = int(events["kill"])
    text = ", ".join(f"{k} +{(int(v) - kill) / 1000:.2f} s" for k, v in sorted(events.items(), key=lambda e: int(e[1])) if k != "kill")
    if "switched" in events and "decided" in events:
        lead = (int(events["decided"]) - int(events["switched"])) / 1000
        text += f" (decided {abs(lead):.2f} s {'after' if lead >= 0 else 'before'} the switch)"
    return text
degraded = [metric(m, 'floodgate_store_degraded_time_seconds_total') for m in metrics]
if form == "row":
    timing = after_kill() if events else ""
    p99 = "/".join(f"{b['latency']['p99']:.0f}" for b in backgrounds)
    top = "/".join(f"{b['latency']['max']:.0f}" for b in backgrounds)
    print(f"| {label} | {scenario} | {', '.join(map(str, slices))} | {worst} | {switches[0]:.0f}/{switches[1]:.0f} | {degraded[0]:.1f}/{degraded[1]:.1f} | {store_errors[0]:.0f}/{store_errors[1]:.0f} | {fivexx} | {transport} | {background_denied} | {p99} | {top} | {timing} | {', '.join(map(str, attack_slices)) or '-'} | {attack_worst if attackers else '-'} | {late_worst} (bound {late_bound}) |")
    sys.exit(0)
print(f"### scenario `{scenario}`: {rate}/s over 20,000 clients + {2 * probe}/s from one watched client, {duration} s, two instances")
print()
print("| measure | value |")
print("| --- | --- |")
print(f"| watched client, admissions per 60 s slice (limit {limit}) | {', '.join(map(str, slices))} |")
print(f"| watched client, most admissions in any 59 s window | {worst} |")
for i in range(2):
    print(f"| instance {'ab'[i]}: switches to the failure mode / time degraded / store errors | {metric(metrics[i], 'floodgate_store_outages_total'):.0f} / {metric(metrics[i], 'floodgate_store_degraded_time_seconds_total'):.1f} s / {metric(metrics[i], 'floodgate_store_errors_total'):.0f} |")
print(f"| requests sent / 5xx / transport errors | {sum(r['sent'] for r in runs)} / {sum(status5xx(r) for r in runs)} / {sum(r['errors'] for r in runs) - sum(v for r in runs for k, v in r['errorsByKind'].items() if k.startswith('HTTP'))} |")
print(f"| background requests / denied (each client under its limit) | {sum(r['sent'] for r in backgrounds)} / {background_denied} |")
print(f"| background p99 / max latency (ms), instance a, b | {backgrounds[0]['latency']['p99']:.1f} / {backgrounds[0]['latency']['max']:.0f}, {backgrounds[1]['latency']['p99']:.1f} / {backgrounds[1]['latency']['max']:.0f} |")
print(f"| background achieved rate (/s) | {sum(r['achievedRate'] for r in backgrounds):.0f} |")
print(f"| late client ({2 * float(sys.argv[11]):g}/s, then also {2 * probe}/s from {late_offset} s), admissions per 60 s slice / most in any 59 s window (bound {late_bound}) | {', '.join(map(str, late_slices))} / {late_worst} |")
if attackers:
    print(f"| attacker ({2 * attack}/s, {ceiling} made-up keys pinned to each instance), admissions per 60 s slice | {', '.join(map(str, attack_slices))} |")
    print(f"| attacker, most admissions in any 59 s window (bound {ceiling * limit + limit}; a count per instance: {2 * ceiling * limit}) | {attack_worst} |")
if events:
    print(f"| after the kill at {int(events['kill']) / 1000:.1f} s | {after_kill()} |")
EOF
