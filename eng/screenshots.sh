#!/usr/bin/env bash
# Makes the dashboard pictures of the README (docs/images/dashboard-*.png): starts the service and Chromium through the
# dashboard test fixture, sends a minute of traffic (a varying load, one client that gets banned) in real time, and
# saves the overview, the policy editor and the client tester at 1366x900. Not part of ./test.sh.
#   eng/screenshots.sh              writes docs/images
#   eng/screenshots.sh OUTPUT_DIR   writes there instead
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/images}")
mkdir -p "$out"
export FLOODGATE_REQUIRE_SERVICES=1 FLOODGATE_SCREENSHOTS_DIR="$out" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/Floodgate.Dashboard.Tests -c Release -nologo -v q
dotnet test --project tests/Floodgate.Dashboard.Tests -c Release --no-build -- --filter-trait "Category=Screenshots"
ls -l "$out"/dashboard-*.png
