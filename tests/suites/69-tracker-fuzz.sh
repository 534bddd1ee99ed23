#!/usr/bin/env bash
# libFuzzer on the tracker's announce/scrape query parser and on token
# admission (verifier, cache, known-header forgery check), each for
# ${FUZZ_SECONDS:-30} s, and on the bad-piece report body parser for
# ${REPORT_SECONDS:-15} s, with ASan + UBSan; any crash or invariant break
# fails.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

secs=${FUZZ_SECONDS:-30}
log=$TOP/build/fuzz-tracker.log
mkdir -p "$TOP/build"
rsecs=${REPORT_SECONDS:-15}
make -s -C "$TOP/tests/fuzz/tracker" run FUZZ_SECONDS="$secs" \
	REPORT_SECONDS="$rsecs" >"$log" 2>&1 ||
	{ tail -40 "$log"; fail "a tracker fuzzer found a problem (log: $log)"; }
runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | awk '{ print $2 }' | tr '\n' ' ')
ok "fuzz_query, fuzz_admission, fuzz_license_req ran ${secs}s each, fuzz_report and fuzz_config ${rsecs}s (executions: $runs), no crash"
