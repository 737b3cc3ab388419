#!/usr/bin/env bash
# Proof that the Redis tests test Redis: on a copy of the tree, every Redis client the tests create is pointed at a port
# where nothing listens (RedisServer.Endpoint; the fixtures still start real servers and read them over their own
# connection, RedisWire, by port), then tests/Floodgate.Redis.Tests runs under FLOODGATE_REQUIRE_SERVICES=1.
# Every test that needs Redis must fail; the ones that pass are listed: they must be the tests whose subject is a
# Redis that cannot be reached (or that need no Redis at all). Not part of ./test.sh.
#   eng/dead-redis.sh                          every test of the project
#   eng/dead-redis.sh RedisPenaltyBoxTests     only these classes
set -uo pipefail
cd "$(dirname "$0")/.."
source eng/mutation/lib.sh
temporary_copy dead-redis
perl -0pi -e 's/public string Endpoint => \$"127\.0\.0\.1:\{Port\}";/public string Endpoint => \$"127.0.0.1:{DeadPort}";\n\n    private static readonly int DeadPort = FreePort();/ or exit 3' \
  "$work/tests/Floodgate.Testing/RedisServer.cs" || { echo "RedisServer.Endpoint is not where this script expects it"; exit 2; }
perl -0pi -e 's/create\.ArgumentList\.Add\(node\.Endpoint\);/create.ArgumentList.Add(\$"127.0.0.1:{node.Port}");/ or exit 3' \
  "$work/tests/Floodgate.Testing/RedisCluster.cs" || { echo "RedisCluster's create command is not where this script expects it"; exit 2; }

build "$work/tests/Floodgate.Redis.Tests" || exit 2
log=$work/run.log
filters=()
for class in "$@"; do filters+=(--filter-class "Floodgate.Redis.Tests.$class"); done
dotnet test --project "$work/tests/Floodgate.Redis.Tests" -c Release --no-build --output Detailed -- "${filters[@]}" >"$log" 2>&1
echo "Tests that passed with every Redis client pointed at a dead port:"
grep -E '^\s*passed ' "$log" | sed -E 's/^\s*passed /  /; s/ \([0-9.]+m?s.*\)$//' | sort
awk '/^[[:space:]]*(total|failed|succeeded|skipped):/' "$log"
