#!/usr/bin/env bash
# Installs what the tests need and is missing (Redis for the store tests, docker-compose to validate deploy/, Chromium for
# the dashboard's browser tests, Node.js and npm for the pinned OpenAPI linter, promtool for /metrics), builds in Release, runs every test project,
# and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

# program -> Debian package that provides it
declare -A needed=(
  [redis-server]=redis-server
  [redis-sentinel]=redis-sentinel
  [redis-cli]=redis-tools
  [docker-compose]=docker-compose
  [chromium]=chromium
  [node]=nodejs
  [npm]=npm
  [promtool]=prometheus
)

missing=()
for program in "${!needed[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${needed[$program]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "warning: apt-get could not install ${missing[*]}; tests that need them will fail." >&2
  else
    echo "Missing: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# Services are part of the suite: a test that cannot reach one fails instead of skipping.
export FLOODGATE_REQUIRE_SERVICES=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

build_log=$(mktemp)
if ! dotnet build Floodgate.slnx -c Release >"$build_log" 2>&1; then
  grep -E ' error |error:' "$build_log" | sort -u | head -n 40
  tail -n 5 "$build_log"
  rm -f "$build_log"
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
rm -f "$build_log"

log=$(mktemp)
# The dashboard screenshots are pictures for the docs, paced in real time: eng/screenshots.sh makes them.
dotnet test --solution Floodgate.slnx -c Release --no-build -- --filter-not-trait "Category=Screenshots" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The runner's closing summary: "total: N", "failed: N", "succeeded: N", "skipped: N".
read -r passed failed skipped < <(awk '
  /^[[:space:]]*failed:[[:space:]]*[0-9]+/    { f = $2 }
  /^[[:space:]]*succeeded:[[:space:]]*[0-9]+/ { p = $2 }
  /^[[:space:]]*skipped:[[:space:]]*[0-9]+/   { s = $2 }
  END { printf "%d %d %d\n", p, f, s }' "$log")
rm -f "$log"

if [ "$status" != "0" ] && [ "$failed" = "0" ]; then
  failed=1 # the runner failed without a counted test failure (crash, no tests found): never report green
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" = "0" ] && [ "$failed" = "0" ]
