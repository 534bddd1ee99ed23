#!/usr/bin/env bash
# libFuzzer targets of the p2pcd module's request parsing, built without
# Kamailio from the module's own modules/p2pcd/p2pcd_parse.c and
# p2pcd_torrent.c (tests/fuzz/module/): the MESSAGE content URI and body
# (fuzz_acquire), the PUBLISH body (fuzz_publish) and the strict torrent
# check on raw bencode (fuzz_torrent), each FUZZ_SECONDS (default 20) with
# ASan + UBSan on a temporary copy of its seed corpus. A crash, leak or
# broken invariant fails the suite and leaves the input in
# build/fuzz/tests/fuzz/module/artifacts/.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

secs=${FUZZ_SECONDS:-20}
log=$TOP/build/fuzz-module.log
mkdir -p "$TOP/build"
make -s -j2 -C "$TOP/tests/fuzz/module" all
make -s -C "$TOP/tests/fuzz/module" run FUZZ_SECONDS="$secs" >"$log" 2>&1 ||
	{ tail -60 "$log"; fail "a module fuzzer found a problem (log: $log)"; }
for f in acquire publish torrent; do
	grep -q "^=== fuzz_$f: ok" "$log" || fail "fuzz_$f did not run (log: $log)"
done
runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | awk '{ print $2 }' | tr '\n' ' ')
ok "fuzz_acquire, fuzz_publish, fuzz_torrent ran ${secs}s each (executions: $runs), no crash"
