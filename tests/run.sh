#!/usr/bin/env bash
# Runs the whole test suite: every tests/suites/NN-name.sh in order, each a
# self-contained bash script that builds what it needs, starts what it needs
# (real PostgreSQL, real Kamailio, real BitTorrent clients) and stops it.
# A suite passes when it exits 0. Output of each suite is shown and also
# kept in build/test-logs/NAME.log. The last line is "N passed, N failed".
#
# usage: tests/run.sh [PATTERN...]   only suites whose name contains PATTERN
# env:   SUITE_TIMEOUT (seconds per suite, default 900), FUZZ_SECONDS
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
logs=$TOP/build/test-logs
mkdir -p "$logs"
timeout_s=${SUITE_TIMEOUT:-900}

passed=0
failed=0
failed_names=()
start_all=$(date +%s)
for suite in "$TOP"/tests/suites/[0-9]*.sh; do
	name=$(basename "$suite" .sh)
	if [ $# -gt 0 ]; then
		match=
		for p in "$@"; do [[ $name == *"$p"* ]] && match=1; done
		[ -n "$match" ] || continue
	fi
	echo "=== $name"
	t0=$(date +%s)
	# timeout runs the suite in a process group of its own and kills the
	# whole group, so nothing a timed-out suite started survives it.
	timeout -k 10 "$timeout_s" bash "$suite" 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	dt=$(($(date +%s) - t0))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "=== $name: PASS (${dt}s)"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		[ "$rc" -eq 124 ] && echo "=== $name: timed out after ${timeout_s}s"
		echo "=== $name: FAIL (exit $rc, ${dt}s; log: build/test-logs/$name.log)"
	fi
done
echo
echo "suites took $(($(date +%s) - start_all))s"
[ ${#failed_names[@]} -eq 0 ] || echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
