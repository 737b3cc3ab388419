#!/usr/bin/env bash
# Refreshes the dashboard's copy of uPlot from npm: the ES module, its stylesheet and its license.
#   eng/update-chart-lib.sh            # the version below
#   UPLOT_VERSION=1.6.33 eng/update-chart-lib.sh
# After a change of version, update it in README.md ("Dashboard") too and run the dashboard tests.
set -euo pipefail

UPLOT_VERSION="${UPLOT_VERSION:-1.6.32}"

cd "$(dirname "$0")/.."
target=src/Floodgate.Server/Dashboard/www/vendor/uplot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "uplot@${UPLOT_VERSION}" >/dev/null && tar -xzf "uplot-${UPLOT_VERSION}.tgz")

mkdir -p "$target"
cp "$work/package/dist/uPlot.esm.js" "$work/package/dist/uPlot.min.css" "$target/"
cp "$work/package/LICENSE" "$target/LICENSE"
printf '%s\n' "$UPLOT_VERSION" >"$target/VERSION"
echo "uPlot ${UPLOT_VERSION} copied to ${target}"
