#!/usr/bin/env bash
# p2pcd-tracker unit tests (cmocka: query parser, swarm table) in the
# release and ASan+UBSan builds, the ASan build of the daemon itself, and
# --check-config on good and bad configuration files.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/tools/tracker-lib.sh"

mkdir -p "$TOP/build"
for b in release asan; do
	make -s -C "$TOP/tests/unit/tracker" BUILD="$b" run >"$TOP/build/unit-tracker-$b.log" 2>&1 ||
		{ cat "$TOP/build/unit-tracker-$b.log"; fail "unit tests ($b)"; }
	ok "unit tests pass ($b): $(grep -c '^\[       OK \]' "$TOP/build/unit-tracker-$b.log") cases"
done
make -s -C "$TOP/tracker" BUILD=asan >/dev/null || fail "ASan build of the tracker"
ok "p2pcd-tracker builds with BUILD=asan"
trk_build

mktemp_dir D trk-unit
TRK_ID=trk-unit TRK_PORT=6969 TRK_ADMIN=6970
trk_config "$D/good.conf"
out=$("$TRK_BIN/p2pcd-tracker" --check-config -c "$D/good.conf") ||
	fail "--check-config on a good file: $out"
ok "--check-config accepts a good file: $out"
"$TRK_BIN/p2pcd-tracker" --check-config -c "$TOP/tracker/p2pcd-tracker.conf" >/dev/null ||
	fail "the shipped example config does not check"
ok "--check-config accepts tracker/p2pcd-tracker.conf"

bad() { # bad WHAT EXPECTED-MESSAGE-PART SED-EXPRESSION
	sed "$3" "$D/good.conf" >"$D/bad.conf"
	if out=$("$TRK_BIN/p2pcd-tracker" --check-config -c "$D/bad.conf" 2>&1); then
		fail "$1 accepted"
	fi
	[[ $out == *"$2"* ]] || fail "$1: message '$out' lacks '$2'"
	ok "$1 refused: $out"
}
bad "syntax error" "bad.conf:" 's/^tracker_id = /tracker_id = = /'
bad "missing key" "tokens.key" 's/key = "[0-9a-f]*";//'
bad "short key" "tokens.key" 's/key = "\([0-9a-f]*\)";/key = "abcd";/'
bad "bad tracker_id" "tracker_id" 's/^tracker_id = .*/tracker_id = "a b";/'
bad "port out of range" "listen.port" 's/port = 6969;/port = 70000;/'
bad "min_interval > interval" "min_interval" 's/min_interval = 5;/min_interval = 9999;/'
bad "short admin token" "bearer_token" 's/bearer_token = ".*";/bearer_token = "x";/'
bad "bad log level" "log.level" 's/level = "info"/level = "loud"/'
# a boolean written as a number or a string is refused, not ignored
bad "database.enabled = 1" "database.enabled: must be true or false" 's/enabled = true;/enabled = 1;/'
bad "license.enabled = \"yes\"" "license.enabled: must be true or false" '$a license = { enabled = "yes"; };'
bad "index.enabled = 0" "index.enabled: must be true or false" '$a index = { enabled = 0; };'
bad "tamper.enabled = 1" "tamper.enabled: must be true or false" '$a tamper = { enabled = 1; };'
