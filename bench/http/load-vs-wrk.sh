#!/usr/bin/env bash
# Does tools/Floodgate.Load measure what wrk measures? The same Floodgate.Server route, driven by both, in two ways
# that are fair on a small shared machine:
#
#  open:   at fixed rates both can sustain. The tool runs its open model (--rate R --connections C); wrk, which has
#          no rate option, is paced by paced.lua (each of C connections waits after every response, the wait chosen
#          from a short calibration so that wrk lands near R). Compared: achieved rate, latency p50 and p99.
#  closed: the closed model as fast as each can, both on both cores: wrk -t2 -c64 against --concurrency 64.
#  pinned: the closed model with the server on core 0 and the client on core 1 (taskset), so that the client's own
#          CPU cost cannot take cores from the server: wrk -t1 -c64 against --concurrency 64.
#
#   bench/http/load-vs-wrk.sh [-S "open closed pinned"] [-n ROUNDS] [-r "1000 4000"] [-C CONNECTIONS] [-d SECONDS]
#                             [-p PORT] [-b BASELINE_DLL]
#
# -b adds a second build of the tool (another Floodgate.Load.dll) to every comparison, e.g. the build before a
# change. Rounds alternate which client goes first. Client CPU comes from /usr/bin/time; the tool's includes starting
# .NET, so the CPU of a one-request run is subtracted (not its JIT warm-up during the run, which weighs on short,
# slow runs). Defaults take about 8 minutes; -b adds a third.
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

sections="open closed pinned" rounds=4 rates="1000 4000" conns=16 duration=8 port=18080 baseline=""
while getopts "S:n:r:C:d:p:b:h" opt; do
  case "$opt" in
    S) sections=$OPTARG ;;
    n) rounds=$OPTARG ;;
    r) rates=$OPTARG ;;
    C) conns=$OPTARG ;;
    d) duration=$OPTARG ;;
    p) port=$OPTARG ;;
    b) baseline=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
server_dir="$root/src/Floodgate.Server/bin/Release/net10.0"
tool="$root/tools/Floodgate.Load/bin/Release/net10.0/Floodgate.Load.dll"
url="http://127.0.0.1:$port/api/data"

for program in wrk curl jq taskset dotnet /usr/bin/time; do
  command -v "$program" >/dev/null || { echo "$program is required" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "the pinned comparison needs two cores" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
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
for project in src/Floodgate.Server tools/Floodgate.Load; do
  dotnet build "$root/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
done

# Every response a 200: the route's limit is one nobody reaches.
ASPNETCORE_ENVIRONMENT=Production dotnet "$server_dir/Floodgate.Server.dll" --urls "http://127.0.0.1:$port" \
  --contentRoot="$server_dir" --Floodgate:Policies:Path="$work/policies.db" --Logging:LogLevel:Default=Warning \
  --Floodgate:Rules:0:Limit=1000000000/minute >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 150); do
  curl -s -o /dev/null --max-time 1 "$url" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

clients=(tool)
[ -n "$baseline" ] && clients+=(baseline)
clients+=(wrk)
dll_of() { [ "$1" = baseline ] && echo "$baseline" || echo "$tool"; }

# cpu_of FILE: user + system seconds from /usr/bin/time -f "%U %S"
cpu_of() { tail -n 1 "$1" | awk '{ print $1 + $2 }'; }

# The tool's CPU to start and stop: the least of three one-request runs.
startup_cpu() {
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -o "$work/time" -f "%U %S" dotnet "$1" --url "$url" --rate 1 --duration 1s --json >/dev/null
    best=$(awk -v a="$best" -v b="$(cpu_of "$work/time")" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "$best"
}

echo "warming up ..." >&2
wrk -t2 -c64 -d8s "$url" >/dev/null
dotnet "$tool" --url "$url" --concurrency 64 --duration 5s --json >/dev/null
declare -A startup
for client in "${clients[@]}"; do
  [ "$client" = wrk ] && continue
  startup[$client]=$(startup_cpu "$(dll_of "$client")")
  echo "$client: ${startup[$client]} s CPU to start and stop" >&2
done

# Calibration (open model only): the wait per connection that brings paced wrk near each rate (cycle = C / R, minus the mean latency).
declare -A delay
rates_asked=$rates
[[ " $sections " == *" open "* ]] || rates=""
for rate in $rates; do
  cycle_ms=$(awk -v c="$conns" -v r="$rate" 'BEGIN { printf "%.3f", c * 1000 / r }')
  read -r _ _ _ _ _ _ mean_us < <(wrk -t2 -c"$conns" -d3s -s "$here/paced.lua" "$url" -- "$cycle_ms" | grep '^RESULT ' | sed 's/[a-z_0-9]*=//g; s/RESULT //')
  delay[$rate]=$(awk -v c="$cycle_ms" -v m="$mean_us" 'BEGIN { d = c - m / 1000; printf "%.2f", d < 0 ? 0 : d }')
  echo "rate $rate: $conns connections, wait ${delay[$rate]} ms after each response (cycle $cycle_ms ms, mean latency $mean_us us)" >&2
done

results="$work/results.tsv"
: >"$results"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# run SECTION CLIENT ASKED ROUND: one measurement, one results line
# (round, section, client, asked rate, achieved rate, p50 us, p99 us, requests, errors, client CPU us per request,
# send lag p50 us, send lag p99 us; wrk has no send lag to report: 0)
run() {
  local section=$1 client=$2 asked=$3 round=$4 requests achieved p50 p99 errors cpu lag50=0 lag99=0 pin=()
  [ "$section" = pinned ] && pin=(taskset -c 1)
  if [ "$client" = wrk ]; then
    if [ "$section" = pinned ]; then
      /usr/bin/time -o "$work/time" -f "%U %S" "${pin[@]}" wrk -t1 -c64 -d"${duration}s" -s "$here/report.lua" "$url" >"$work/out"
    elif [ "$section" = closed ]; then
      /usr/bin/time -o "$work/time" -f "%U %S" wrk -t2 -c64 -d"${duration}s" -s "$here/report.lua" "$url" >"$work/out"
    else
      /usr/bin/time -o "$work/time" -f "%U %S" wrk -t2 -c"$conns" -d"${duration}s" -s "$here/paced.lua" "$url" -- "${delay[$asked]}" >"$work/out"
    fi
    read -r requests duration_us p50 p99 status_errors socket_errors _ < <(grep '^RESULT ' "$work/out" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
    achieved=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    errors=$((status_errors + socket_errors))
    cpu=$(awk -v c="$(cpu_of "$work/time")" -v r="$requests" 'BEGIN { printf "%.1f", c * 1e6 / r }')
  else
    local model=(--rate "$asked" --connections "$conns")
    [ "$section" != open ] && model=(--concurrency 64)
    /usr/bin/time -o "$work/time" -f "%U %S" "${pin[@]}" dotnet "$(dll_of "$client")" --url "$url" "${model[@]}" \
      --duration "${duration}s" --json >"$work/out"
    read -r requests achieved p50 p99 errors lag50 lag99 < <(jq -r '[.allowed + .throttled + .errors, (.achievedRate | round), (.latency.p50 * 1000 | round), (.latency.p99 * 1000 | round), .errors + .throttled, (.sendLag.p50 * 1000 | round), (.sendLag.p99 * 1000 | round)] | @tsv' "$work/out")
    cpu=$(awk -v c="$(cpu_of "$work/time")" -v s="${startup[$client]}" -v r="$requests" 'BEGIN { printf "%.1f", (c - s) * 1e6 / r }')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$section" "$client" "$asked" "$achieved" "$p50" "$p99" "$requests" "$errors" "$cpu" "$lag50" "$lag99" >>"$results"
  printf 'round %s %-6s %-8s asked %6s: achieved %6s req/s, p50 %6s us, p99 %7s us, send lag p50 %s us p99 %s us, %s requests, %s errors or non-2xx, client CPU %s us/request, load %s\n' \
    "$round" "$section" "$client" "$asked" "$achieved" "$p50" "$p99" "$lag50" "$lag99" "$requests" "$errors" "$cpu" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

for round in $(seq "$rounds"); do
  order=("${clients[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    order=()
    for ((i = ${#clients[@]} - 1; i >= 0; i--)); do order+=("${clients[$i]}"); done
  fi
  case " $sections " in *" open "*)
    for rate in $rates; do
      for client in "${order[@]}"; do run open "$client" "$rate" "$round"; done
    done ;;
  esac
  case " $sections " in *" closed "*)
    for client in "${order[@]}"; do run closed "$client" - "$round"; done ;;
  esac
  case " $sections " in *" pinned "*)
    taskset -a -p -c 0 "$server_pid" >/dev/null
    for client in "${order[@]}"; do run pinned "$client" - "$round"; done
    taskset -a -p -c 0-$(($(nproc) - 1)) "$server_pid" >/dev/null ;;
  esac
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v c="$2" -v a="$3" -v k="$4" '$2 == s && $3 == c && $4 == a { print $k }' "$results" | median; }
range() { awk -F'\t' -v s="$1" -v c="$2" -v a="$3" -v k="$4" '$2 == s && $3 == c && $4 == a { print $k }' "$results" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }
# Per-round ratio (or difference) of a column between two clients, median over rounds.
paired() {
  awk -F'\t' -v s="$1" -v a="$2" -v x="$3" -v y="$4" -v k="$5" -v op="$6" \
    '$2 == s && $4 == a && $3 == x { p[$1] = $k } $2 == s && $4 == a && $3 == y { q[$1] = $k }
     END { for (r in p) if (r in q) print (op == "ratio" ? (q[r] > 0 ? p[r] / q[r] : 0) : p[r] - q[r]) }' "$results" | median
}
# Per round: the tool's p50 less its own send lag p50, minus wrk's p50; median over rounds.
paired_net() {
  awk -F'\t' -v a="$1" -v x="$2" '$2 == "open" && $4 == a && $3 == x { p[$1] = $6 - $11 } $2 == "open" && $4 == a && $3 == "wrk" { q[$1] = $6 }
     END { for (r in p) if (r in q) print p[r] - q[r] }' "$results" | median
}
ms() { awk -v u="$1" 'BEGIN { if (u == "-") print "-"; else printf "%.2f", u / 1000 }'; }

echo
echo "\`bench/http/load-vs-wrk.sh -S \"$sections\" -n $rounds -r \"$rates_asked\" -C $conns -d $duration${baseline:+ -b $baseline}\`, $started; Floodgate.Server, GET /api/data (every response a 200);"
echo "load average (1, 5, 15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians of $rounds rounds, [min–max] of the rounds."
echo "Tool start-up CPU subtracted: $(for c in "${!startup[@]}"; do printf '%s %s s; ' "$c" "${startup[$c]}"; done)wrk paced waits: $(for r in $rates; do printf '%s/s → %s ms; ' "$r" "${delay[$r]}"; done)"
echo
if [[ " $sections " == *" open "* ]]; then
echo "Open model, $conns connections:"
echo
echo "| asked req/s | client | achieved req/s [range] | ÷ asked | p50 ms | p99 ms | send lag p50 / p99 ms | client CPU µs/req | errors |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for rate in $rates; do
  for client in "${clients[@]}"; do
    achieved=$(col open "$client" "$rate" 5)
    echo "| $rate | $client | $achieved [$(range open "$client" "$rate" 5)] | $(awk -v a="$achieved" -v r="$rate" 'BEGIN { printf "%.3f", a / r }') | $(ms "$(col open "$client" "$rate" 6)") | $(ms "$(col open "$client" "$rate" 7)") | $(ms "$(col open "$client" "$rate" 11)") / $(ms "$(col open "$client" "$rate" 12)") | $(col open "$client" "$rate" 10) | $(awk -F'\t' -v c="$client" -v a="$rate" '$2 == "open" && $3 == c && $4 == a { s += $9 } END { print s + 0 }' "$results") |"
  done
done
echo
echo "| asked req/s | client | achieved ÷ wrk's | p50 − wrk's, ms | p50 − send lag p50 − wrk's p50, ms | p99 − wrk's, ms |"
echo "| ---: | --- | ---: | ---: | ---: | ---: |"
for rate in $rates; do
  for client in "${clients[@]}"; do
    [ "$client" = wrk ] && continue
    echo "| $rate | $client | $(paired open "$rate" "$client" wrk 5 ratio | awk '{ printf "%.3f", $1 }') | $(ms "$(paired open "$rate" "$client" wrk 6 diff)") | $(ms "$(paired_net "$rate" "$client")") | $(ms "$(paired open "$rate" "$client" wrk 7 diff)") |"
  done
done
echo
fi
for section in closed pinned; do
  case " $sections " in *" $section "*) ;; *) continue ;; esac
  if [ "$section" = closed ]; then
    echo "Closed model, 64 in flight, server and client sharing both cores (wrk -t2):"
  else
    echo "Closed model, 64 in flight, server on core 0, client on core 1 (wrk -t1):"
  fi
  echo
  echo "| client | req/s [range] | ÷ wrk's (per-round median) | p50 ms | p99 ms | client CPU µs/req | errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  for client in "${clients[@]}"; do
    echo "| $client | $(col "$section" "$client" - 5) [$(range "$section" "$client" - 5)] | $(paired "$section" - "$client" wrk 5 ratio | awk '{ printf "%.3f", $1 }') | $(ms "$(col "$section" "$client" - 6)") | $(ms "$(col "$section" "$client" - 7)") | $(col "$section" "$client" - 10) | $(awk -F'\t' -v s="$section" -v c="$client" '$2 == s && $3 == c { s2 += $9 } END { print s2 + 0 }' "$results") |"
  done
  echo
done
echo "Raw results (round, section, client, asked rate, achieved req/s, p50 us, p99 us, requests, errors or non-2xx, client CPU us/request, send lag p50 us, send lag p99 us):"
echo
echo '```'
cat "$results"
echo '```'
