# Shell pieces the bench scripts share. Source it: . "$root/bench/lib.sh"

# free_port: prints a loopback port that nothing answers on now (another process may still take it before it is used).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# redis_on PORT DIR [ARGS...]: starts a redis-server without persistence on loopback PORT, its log and files in DIR,
# with ARGS added to its command line (e.g. --replicaof 127.0.0.1 6379), and waits up to 5 s until it answers. Sets
# redis_pid and returns 0 once it answers; returns 1 (the process reaped, redis_pid empty) when it exits or stays
# silent, e.g. because the port was taken.
redis_on() {
  local port=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes \
    --dir "$dir" --logfile "$dir/redis.log" "$@" &
  redis_pid=$!
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" PING >/dev/null 2>&1 && return 0
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$port" PING >/dev/null 2>&1 && return 0
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
  return 1
}

# start_redis DIR [ARGS...]: starts a redis-server without persistence on a free loopback port (one nothing answers on,
# and that redis-server then manages to bind), its log and files in DIR, ARGS added to its command line. Sets
# redis_port and redis_pid; exits when it cannot.
start_redis() {
  local dir=$1
  shift
  redis_pid=""
  for _ in $(seq 1 20); do
    redis_port=$(free_port)
    redis_on "$redis_port" "$dir" "$@" && return 0
  done
  echo "could not start redis-server on a free loopback port" >&2
  exit 1
}
