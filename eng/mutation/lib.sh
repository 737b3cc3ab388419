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
