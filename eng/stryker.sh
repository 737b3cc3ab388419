#!/usr/bin/env bash
# Mutation testing of the C# with Stryker.NET (a local tool, .config/dotnet-tools.json): every mutant of the code is
# compiled in, the tests that cover it run, and a mutant that no test fails on survives. Not part of ./test.sh: it
# takes long (about an hour for Algorithms and Storage on two busy cores).
#   eng/stryker.sh                   src/Floodgate/Algorithms and src/Floodgate/Storage, by tests/Floodgate.Tests
#   eng/stryker.sh redis             src/Floodgate.Redis, by tests/Floodgate.Redis.Tests (needs redis-server)
#   eng/stryker.sh -- ARGS           extra Stryker arguments, e.g. -- --mutate '**/Storage/**/*.cs'
# Reports (HTML, JSON) go to artifacts/stryker/<target>; the score and the survivors are kept in docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=floodgate
if [ "${1:-}" = redis ]; then target=redis; shift; fi
[ "${1:-}" = -- ] && shift
export FLOODGATE_REQUIRE_SERVICES=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet tool restore >/dev/null
case $target in
  floodgate) cd src/Floodgate; config=$root/eng/mutation/stryker-config.json ;;
  redis) cd src/Floodgate.Redis; config=$root/eng/mutation/stryker-redis-config.json ;;
esac
dotnet stryker -f "$config" -O "$root/artifacts/stryker/$target" "$@"
