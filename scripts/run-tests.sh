#!/usr/bin/env bash
# Runs every test file with node's own runner. Node 20 does not expand globs after --test,
# and a directory argument finds no .ts files and exits 0, so list the files here and fail
# loudly when none are found.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
files=(test/**/*.test.ts src/**/*.test.ts)
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
