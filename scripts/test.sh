#!/usr/bin/env bash
# The README's test command (`make test`): build, start the real test services, run every Swift
# test suite against them, stop the services. Fails if any service cannot start or any test fails.
set -uo pipefail
cd "$(dirname "$0")/.."

phase_start=$(date +%s)
phase() { local now; now=$(date +%s); echo "test: $1 ($((now - phase_start))s)"; phase_start=$now; }

# Progress lines of the build are noise in CI logs; errors and warnings stay.
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
build_status=${PIPESTATUS[0]}
[ "$build_status" -eq 0 ] || { echo "test: build failed" >&2; exit 1; }
phase "build"

bash scripts/services.sh start || { echo "test: a test service did not start" >&2; bash scripts/services.sh stop; exit 1; }
trap 'bash scripts/services.sh stop' EXIT
phase "services"

mkdir -p .build
# Full output goes to .build/test-output.txt; the console keeps failures and the summaries.
# Serial: many tests wait on child processes (servers, promtool, the Python references), and on
# 2 cores parallel suites starve each other's timers into spurious time-outs.
swift test --skip-build --no-parallel 2>&1 | tee .build/test-output.txt | grep -vE '^(◇ |✔ Test |Test Case .*(started|passed)|Test Suite .*(started|passed))'
status=${PIPESTATUS[0]}
phase "tests"
bash scripts/services.sh stop
trap - EXIT
# One plain closing line for CI: the XCTest half of `swift test` reports 0 tests (every suite is
# Swift Testing), so the last word must be the real count.
total=$(grep -oE 'Test run with [0-9]+ tests' .build/test-output.txt | grep -oE '[0-9]+' | tail -1)
# (not the run's own summary line, "✘ Test run with N tests … failed after …")
failed_tests=$(grep -E '^✘ Test .* failed after' .build/test-output.txt | grep -vc '^✘ Test run with ')
if [ -n "$total" ]; then
  echo "tests: $((total - failed_tests)) passed, $failed_tests failed"
fi
exit "$status"
