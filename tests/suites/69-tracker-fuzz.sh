#!/usr/bin/env bash
# libFuzzer on the tracker's announce/scrape query parser for
# ${FUZZ_SECONDS:-30} s (ASan + UBSan); any crash or invariant break fails.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

secs=${FUZZ_SECONDS:-30}
log=$TOP/build/fuzz-tracker-query.log
make -s -C "$TOP/tests/fuzz/tracker" run FUZZ_SECONDS="$secs" >"$log" 2>&1 ||
	{ tail -40 "$log"; fail "fuzz_query found a problem (log: $log)"; }
ok "fuzz_query ran ${secs}s: $(grep -o 'number_of_executed_units: [0-9]*' "$log"), no crash"
