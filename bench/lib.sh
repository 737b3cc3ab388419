# Shell pieces the bench scripts share. Source it: . "$root/bench/lib.sh"

# start_redis DIR: starts a redis-server without persistence on a free loopback port (one nothing answers on, and that
# redis-server then manages to bind), its log and files in DIR. Sets redis_port and redis_pid; exits when it cannot.
start_redis() {
  local dir=$1
  redis_pid=""
  for _ in $(seq 1 20); do
    redis_port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then continue; fi
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes \
      --dir "$dir" --logfile "$dir/redis.log" &
    redis_pid=$!
    for _ in $(seq 1 50); do
      redis-cli -h 127.0.0.1 -p "$redis_port" PING >/dev/null 2>&1 && break
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    if redis-cli -h 127.0.0.1 -p "$redis_port" PING >/dev/null 2>&1; then return 0; fi
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  done
  echo "could not start redis-server on a free loopback port" >&2
  exit 1
}
