#!/usr/bin/env bash
# Mutation testing of the Lua scripts: applies each hand-made mutant of eng/mutation/lua-mutants.txt (one per branch of
# src/Floodgate.Redis/Scripts/*.lua) on a copy of the tree, one at a time, and runs the test classes the mutant names
# against a real redis-server; each must fail (the mutant is killed). Not part of ./test.sh: about a minute per mutant.
#   eng/lua-mutants.sh            every mutant
#   eng/lua-mutants.sh G1 N4      only these
# Ends with one line per mutant (killed / SURVIVED / NOT APPLIED) and exits non-zero unless every one was killed.
set -uo pipefail
cd "$(dirname "$0")/.."
source eng/mutation/lib.sh
temporary_copy lua-mutants
scripts=$work/src/Floodgate.Redis/Scripts
tests=$work/tests/Floodgate.Redis.Tests
pristine=$work/pristine-scripts
cp -r "$scripts" "$pristine"

mapfile -t mutants < <(grep -E '^[A-Z][0-9]+\|' eng/mutation/lua-mutants.txt)
if [ $# -gt 0 ]; then
  wanted=" $* "
  selected=()
  for line in "${mutants[@]}"; do
    [[ "$wanted" == *" ${line%%|*} "* ]] && selected+=("$line")
  done
  mutants=("${selected[@]}")
fi

run_classes() { # the named test classes; fails when any test fails
  local filters=()
  for class in $1; do filters+=(--filter-class "Floodgate.Redis.Tests.$class"); done
  dotnet test --project "$tests" -c Release --no-build -- "${filters[@]}" >"$work/last-run.log" 2>&1
}

echo "Building the unmutated copy in $work ..."
build "$tests" || { echo "the unmutated tree does not build"; exit 2; }
all_classes=$(printf '%s\n' "${mutants[@]}" | cut -d'|' -f3 | tr ' ' '\n' | sort -u | tr '\n' ' ')
if ! run_classes "$all_classes"; then
  tail -n 20 "$work/last-run.log"
  echo "the tests fail without any mutant ($all_classes): fix them first"
  exit 2
fi

results=()
survivors=0
for line in "${mutants[@]}"; do
  IFS='|' read -r id file classes original mutated <<<"$line"
  cp "$pristine/$file" "$scripts/$file"
  if ! ORIGINAL="$original" MUTATED="$mutated" perl -0pi -e '
      BEGIN { ($o, $m) = map { s/\\n/\n/gr } @ENV{qw(ORIGINAL MUTATED)}; $n = 0 }
      $n = () = /\Q$o\E/g; s/\Q$o\E/$m/ if $n == 1;
      END { exit($n == 1 ? 0 : 3) }' "$scripts/$file"; then
    results+=("$id $file: NOT APPLIED (the original text does not occur exactly once)")
    survivors=$((survivors + 1))
    continue
  fi

  # The scripts are resources of Floodgate.Redis.dll alone: rebuild it and put it beside the tests.
  if ! dotnet build "$work/src/Floodgate.Redis" -c Release --no-dependencies -nologo >"$work/last-build.log" 2>&1; then
    results+=("$id $file: killed (the build rejects it)")
  elif ! cp "$work/src/Floodgate.Redis/bin/Release/net10.0/Floodgate.Redis.dll" "$tests/bin/Release/net10.0/"; then
    exit 2
  elif run_classes "$classes"; then
    results+=("$id $file: SURVIVED ($classes all passed)")
    survivors=$((survivors + 1))
  else
    failed=$(awk '/^[[:space:]]*failed:/ { print $2 }' "$work/last-run.log")
    results+=("$id $file: killed ($failed failing tests in $classes)")
  fi
  echo "${results[-1]}"
  cp "$pristine/$file" "$scripts/$file"
done

echo
printf '%s\n' "${results[@]}"
echo "${#mutants[@]} mutants, $((${#mutants[@]} - survivors)) killed, $survivors survived or not applied"
[ "$survivors" = 0 ]
