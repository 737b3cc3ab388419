# Shared by the scripts in eng/ that break the code on purpose: they work on a copy, never on the checkout.

# copy_tree DIR: the working tree's files (tracked and new, not ignored) copied to DIR.
copy_tree() {
  local root target=$1
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  mkdir -p "$target"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -cf - -T - 2>/dev/null) | tar -xf - -C "$target"
}

# build PROJECT_DIR: a quiet Release build; prints the errors and fails if it does not build.
build() {
  local log
  log=$(mktemp)
  if ! dotnet build "$1" -c Release -nologo >"$log" 2>&1; then
    grep -E ' error |error:' "$log" | sort -u | head -n 20
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# temporary_copy NAME: sets $work to a fresh copy of the tree under /tmp, removed when the script exits, and requires
# the services the tests need (a missing Redis fails instead of skipping).
temporary_copy() {
  export FLOODGATE_REQUIRE_SERVICES=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  work=$(mktemp -d "/tmp/floodgate-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  copy_tree "$work"
}
