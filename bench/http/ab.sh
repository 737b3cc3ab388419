# Shared by the A/B scripts of bench/http (service.sh, recording.sh): two variants of a server under wrk in interleaved
# rounds, each run's requests/s, latency, server CPU and bytes allocated per request, then the per-round ratios of
# requests/s (second variant / first) and their median. Sourced, not run. The script defines, before ab_run:
#   start VARIANT      starts the variant on $port in the background, sets pid, then calls ab_wait_up
#   allocated VARIANT  prints the bytes the running variant has allocated so far
#   note VARIANT       (optional) prints a note for the run's line, read just before the server stops

# ab_options DEFAULT_PORT "$@": -n ROUNDS -d SECONDS -w WARMUP_SECONDS -c CONNECTIONS -t THREADS -p PORT; -h prints the
# script's header comment (lines 2-11).
ab_options() {
  rounds=3 duration=7 warmup=8 connections=64 threads=2 port=$1
  shift
  local opt OPTIND=1
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
}

# ab_setup PROJECT...: checks wrk, makes the work folder (removed on exit with the server), builds the projects (Release).
ab_setup() {
  command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
  work=$(mktemp -d)
  pid=""
  trap 'stop; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  echo "building Release ..." >&2
  local project
  for project in "$@"; do
    dotnet build "$root/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
  done
}

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }

# Refuses a port already taken, before a variant starts.
ab_port_free() {
  if curl -s -o /dev/null --max-time 1 "$url"; then echo "port $port is already in use; pass another with -p" >&2; exit 1; fi
}

# Floodgate.Server from its output folder (its appsettings.json applies), every request passing /api/data; extra
# settings after it.
ab_start_service() {
  rm -f "$work/floodgate.db"
  (cd "$work" && exec dotnet "$server_dir/Floodgate.Server.dll" --urls="http://127.0.0.1:$port" --contentRoot="$server_dir" \
    --Floodgate:Policies:Path="$work/floodgate.db" --Logging:LogLevel:Default=Warning \
    --Floodgate:Rules:0:Limit=1000000000/minute "$@" >"$work/server.log" 2>&1) &
  pid=$!
}

# Waits until the started variant answers; stops the script with its log if it does not.
ab_wait_up() {
  for _ in $(seq 150); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}

# CPU time (us) of the running variant so far; bytes the service has allocated (its /metrics).
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$pid/stat"; }
service_allocated() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^dotnet_gc_heap_total_allocated_bytes_total[{]/ { print $2 }'; }

# ab_run FIRST SECOND: the interleaved rounds; one line per run on stderr, one row per run in $results.
ab_run() {
  results="$work/results.tsv"
  : >"$results"
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date -u '+%Y-%m-%d %H:%M UTC')
  local round variant line cpu0 cpu1 alloc0 alloc1 extra requests duration_us p50 p99 status_errors socket_errors rps cpu bytes load
  for round in $(seq "$rounds"); do
    for variant in "$1" "$2"; do
      start "$variant"
      wrk -t"$threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
      cpu0=$(cpu_us) alloc0=$(allocated "$variant")
      line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/report.lua" "$url" | grep '^RESULT ')
      cpu1=$(cpu_us) alloc1=$(allocated "$variant")
      extra=""
      if declare -F note >/dev/null; then extra=$(note "$variant"); fi
      stop
      read -r requests duration_us p50 p99 status_errors socket_errors < <(echo "$line" | sed 's/[a-z_0-9]*=//g; s/RESULT //')
      rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
      cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$requests" 'BEGIN { printf "%.1f", (b - a) / r }')
      bytes=$(awk -v a="$alloc0" -v b="$alloc1" -v r="$requests" 'BEGIN { printf "%.0f", (b - a) / r }')
      load=$(cut -d' ' -f1 /proc/loadavg)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$round" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$load" >>"$results"
      printf 'round %s  %-8s %8s req/s  p50 %6s us  p99 %6s us  CPU %5s us/req  %5s B/req  non-2xx %s  socket errors %s  load %s  %s\n' \
        "$round" "$variant" "$rps" "$p50" "$p99" "$cpu" "$bytes" "$status_errors" "$socket_errors" "$load" "$extra" >&2
    done
  done
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$results" | median; }

# ab_report SCRIPT FIRST FIRST_NAME SECOND SECOND_NAME RATIO_LABEL: the markdown summary on stdout.
ab_report() {
  local script=$1 first=$2 first_name=$3 second=$4 second_name=$5 label=$6 ratios v name
  ratios=$(awk -F'\t' -v a="$first" -v b="$second" '$1 == a { x[$2] = $3 } $1 == b { y[$2] = $3 } END { for (r = 1; r in y; r++) printf "%.2f\n", y[r] / x[r] }' "$results")
  echo
  echo "\`bench/http/$script -n $rounds -d $duration -w $warmup -c $connections -t $threads\`, $started; wrk -t$threads -c$connections"
  echo "-d${duration}s GET /api/data after ${warmup}s warm-up, $rounds interleaved rounds; load average (1, 5, 15 min) at start"
  echo "$load_start, at end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Medians."
  echo
  echo "| variant | requests/s | p50 ms | p99 ms | CPU µs/req | allocated B/req |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for v in "$first" "$second"; do
    name=$first_name; [ "$v" = "$second" ] && name=$second_name
    echo "| $name | $(col "$v" 3) | $(awk -v u="$(col "$v" 4)" 'BEGIN { printf "%.2f", u / 1000 }') | $(awk -v u="$(col "$v" 5)" 'BEGIN { printf "%.2f", u / 1000 }') | $(col "$v" 6) | $(col "$v" 7) |"
  done
  echo
  echo "$label, requests/s: median $(echo "$ratios" | median) (rounds: $(echo "$ratios" | paste -sd/ | sed 's|/| / |g'))."
  echo
  echo '```'
  cat "$results"
  echo '```'
}
