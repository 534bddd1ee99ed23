#!/usr/bin/env bash
# p2pcd fetch (client/bt.c driving a real aria2c, client/progress.c) with a
# real p2pcd-tracker and a real PostgreSQL: a publisher seeds with
# `p2pcd fetch --seed` through a seed-role token, buyers download through
# leech tokens (byte-identical, sane --json numbers, progress lines or
# nothing with --quiet); --upload-limit bounds the seeder; expired and
# forged tokens fail with the tracker's failure reason; SIGINT to the
# seeder makes aria2c announce event=stopped (the tracker drops the peer
# at once, not after peer_timeout); --seed-time ends seeding by itself.
# FETCH_BUILD=asan runs the ASan/UBSan client.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

command -v aria2c >/dev/null || fail "aria2c not installed"
command -v mktorrent >/dev/null || fail "mktorrent not installed"
FETCH_BUILD=${FETCH_BUILD:-release}
make -s -C "$TOP/client" BUILD="$FETCH_BUILD" >/dev/null ||
	fail "build of p2pcd ($FETCH_BUILD)"
P2PCD=$TOP/build/$FETCH_BUILD/bin/p2pcd
ok "p2pcd built ($FETCH_BUILD)"
trk_build
pg_start
mktemp_dir D client-fetch

# peer_timeout 300 s: a peer gone within seconds was removed by its
# event=stopped, not by expiry
TRK_ID=trk-fetch
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_PEER_TIMEOUT=300
trk_config "$D/tracker.conf"
trk_start "$D"
ok "tracker running (pid $TRK_PID)"

SIZE=$((6 * 1024 * 1024))
mkdir -p "$D/seed"
head -c "$SIZE" /dev/urandom >"$D/seed/content.bin"
mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
	-o "$D/base.torrent" "$D/seed/content.bin" >/dev/null
IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/base.torrent")
sql_content 10.9999/fetch "$IH"
swarm() { admin GET "/swarms/$IH"; }
wait_for 5 sh -c "curl -fsS -H 'Authorization: Bearer $TRK_ADMIN_TOKEN' \
	http://127.0.0.1:$TRK_ADMIN/swarms/$IH | grep -q '\"active\"'" ||
	fail "content not in the tracker's catalog"
ok "private torrent registered in the catalog"

torrent_for() { # torrent_for TOKEN OUT
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/$1" \
		-o "$2" "$D/seed/content.bin" >/dev/null
}
torrent_for "$(mint "$IH" --role seed --sub publisher-1 --doi 10.9999/fetch)" "$D/seed.torrent"
for b in 1 2 3; do
	torrent_for "$(mint "$IH" --role leech --sub "buyer-$b" --doi 10.9999/fetch)" "$D/leech$b.torrent"
done

# json FILE EXPR: a value from a --json output (python3 expression on j)
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# check_json FILE: exactly one JSON object on stdout, with all the keys
check_json() {
	[ "$(wc -l <"$1")" = 1 ] || fail "stdout of $1 is not one line: $(cat "$1")"
	json "$1" '",".join(sorted(j))' | grep -qx 'complete,downloaded,error,seconds,total,uploaded' ||
		fail "--json keys: $(cat "$1")"
}
no_aria2c_for() { ! pgrep -f -- "--dir=$1\$" >/dev/null; }

# --- usage
"$P2PCD" fetch --help | grep -q "usage: p2pcd fetch TORRENT" || fail "--help"
set +e
"$P2PCD" fetch 2>/dev/null
r1=$?
"$P2PCD" fetch --upload-limit 2X "$D/seed.torrent" 2>"$D/usage.err"
r2=$?
P2PCD_ARIA2C=/nonexistent/aria2c "$P2PCD" fetch "$D/seed.torrent" 2>"$D/noaria.err"
r3=$?
set -e
expect_eq "exit status without a torrent" "$r1" 2
expect_eq "exit status for --upload-limit 2X" "$r2" 2
grep -q "not a rate" "$D/usage.err" || fail "bad rate message: $(cat "$D/usage.err")"
expect_eq "exit status without aria2c" "$r3" 1
grep -q "apt-get install aria2" "$D/noaria.err" || fail "no-aria2c message: $(cat "$D/noaria.err")"
ok "missing aria2c: $(cat "$D/noaria.err")"

# --- seeder A: the complete file, a seed token, progress lines from the
# environment (P2PCD_PROGRESS), unlimited
P2PCD_PROGRESS=lines P2PCD_PROGRESS_INTERVAL=1 "$P2PCD" fetch --seed \
	--dir "$D/seed" --json --log "$D/seedA.log" "$D/seed.torrent" \
	>"$D/seedA.json" 2>"$D/seedA.err" &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
one_seeder() { swarm | grep -q '"seeders":1,'; }
wait_for 20 one_seeder || { cat "$D/seedA.err"; swarm; fail "seeder never announced"; }
ok "p2pcd fetch --seed admitted with the seed token: $(swarm)"

# --- buyer 1: progress lines, --json
t0=$(date +%s%N)
P2PCD_PROGRESS_INTERVAL=1 timeout 90 "$P2PCD" fetch --dir "$D/leech1" --json \
	--progress lines --timeout 60 "$D/leech1.torrent" \
	>"$D/leech1.json" 2>"$D/leech1.err" ||
	{ cat "$D/leech1.err"; fail "p2pcd fetch (buyer 1) failed"; }
ms1=$((($(date +%s%N) - t0) / 1000000))
cmp "$D/seed/content.bin" "$D/leech1/content.bin" || fail "buyer 1's file differs"
ok "buyer 1 downloaded 6 MiB, byte-identical, in $ms1 ms"
check_json "$D/leech1.json"
expect_eq "buyer 1 complete" "$(json "$D/leech1.json" 'j["complete"]')" True
expect_eq "buyer 1 total" "$(json "$D/leech1.json" 'j["total"]')" "$SIZE"
expect_eq "buyer 1 error" "$(json "$D/leech1.json" 'j["error"]')" None
json "$D/leech1.json" "$SIZE <= j['downloaded'] <= $SIZE * 1.05" | grep -qx True ||
	fail "buyer 1 downloaded: $(cat "$D/leech1.json")"
json "$D/leech1.json" "0 < j['seconds'] <= $ms1 / 1000 + 0.5 and j['uploaded'] >= 0" |
	grep -qx True || fail "buyer 1 seconds/uploaded: $(cat "$D/leech1.json")"
ok "buyer 1 --json: $(cat "$D/leech1.json")"
grep -qE '^  [0-9.]+ (B|KiB|MiB) / 6\.0 MiB  [0-9]+%  .* peers?' "$D/leech1.err" ||
	fail "no progress lines: $(cat "$D/leech1.err")"
grep -q "6.0 MiB / 6.0 MiB  100%" "$D/leech1.err" || fail "no final progress line"
ok "progress lines ($(grep -c ' / 6.0 MiB' "$D/leech1.err")), e.g. '$(grep ' / 6.0 MiB' "$D/leech1.err" | head -2 | tail -1)'"
no_aria2c_for "$D/leech1" || fail "buyer 1's aria2c outlived p2pcd fetch"
ok "buyer 1's aria2c is gone"

# --- buyer 2: --quiet prints nothing at all
timeout 90 "$P2PCD" fetch --dir "$D/leech2" --quiet --timeout 60 \
	"$D/leech2.torrent" >"$D/leech2.out" 2>"$D/leech2.err" ||
	fail "p2pcd fetch --quiet (buyer 2) failed"
cmp -s "$D/seed/content.bin" "$D/leech2/content.bin" || fail "buyer 2's file differs"
[ ! -s "$D/leech2.err" ] && [ ! -s "$D/leech2.out" ] ||
	fail "--quiet printed: $(cat "$D/leech2.out" "$D/leech2.err")"
ok "buyer 2 with --quiet: byte-identical, nothing on stdout or stderr"
grep -qE "100%  complete  .* up .* uploaded [1-9]" "$D/seedA.err" ||
	fail "seeder's progress lines: $(cat "$D/seedA.err")"
ok "seeder progress from P2PCD_PROGRESS=lines: '$(grep -E "uploaded [1-9]" "$D/seedA.err" | tail -1)'"

# --- SIGINT to the seeder: aria2c's event=stopped reaches the tracker
wait_for 10 sh -c "curl -sS -H 'Authorization: Bearer $TRK_ADMIN_TOKEN' \
	http://127.0.0.1:$TRK_ADMIN/swarms/$IH | grep -q '\"peers\":1}'" ||
	fail "buyers still in the swarm after completion: $(swarm)"
ok "the buyers left the swarm at completion (event=stopped): $(swarm)"
kill -INT "$SEED_PID"
t0=$(date +%s%N)
wait_for 20 sh -c "! kill -0 $SEED_PID 2>/dev/null" || fail "seeder did not stop on SIGINT"
set +e
wait "$SEED_PID"
rc=$?
set -e
expect_eq "seeder's exit status after SIGINT" "$rc" 0
no_peers() { swarm | grep -q '"peers":0}'; }
wait_for 5 no_peers || fail "tracker still lists the seeder: $(swarm)"
ok "tracker dropped the seeder $((($(date +%s%N) - t0) / 1000000)) ms after SIGINT (peer_timeout is 300 s): $(swarm)"
grep -q "event=stopped" "$D/seedA.log" || fail "no event=stopped in aria2c's log"
check_json "$D/seedA.json"
json "$D/seedA.json" "j['complete'] is True and j['total'] == $SIZE and j['uploaded'] >= 2 * $SIZE * 0.99 and j['downloaded'] == 0 and j['error'] is None" |
	grep -qx True || fail "seeder --json: $(cat "$D/seedA.json")"
ok "seeder --json: $(cat "$D/seedA.json")"
wait_for 10 sh -c "[ \"\$(psql -X -qAt -c \"SELECT uploaded >= 2 * $SIZE * 0.99
	FROM transfer_totals WHERE subject = 'publisher-1'\")\" = t ]" ||
	fail "transfer_totals for publisher-1: $(q "SELECT * FROM transfer_totals")"
ok "transfer_totals: publisher-1 uploaded >= 12 MiB (final announce)"
no_aria2c_for "$D/seed" || fail "the seeder's aria2c outlived p2pcd fetch"

# --- --upload-limit: 6 MiB from a seeder limited to 512 KiB/s takes at
# least 12 s in theory; allow a third for bursts. Buyer 1 (unlimited, same
# start-up costs) is the contrast.
"$P2PCD" fetch --seed --upload-limit 512K --dir "$D/seed" --quiet --json \
	"$D/seed.torrent" >"$D/seedB.json" 2>"$D/seedB.err" &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
wait_for 20 one_seeder || fail "limited seeder never announced"
t0=$(date +%s%N)
timeout 120 "$P2PCD" fetch --dir "$D/leech3" --json --quiet --timeout 100 \
	"$D/leech3.torrent" >"$D/leech3.json" 2>"$D/leech3.err" ||
	{ cat "$D/leech3.err"; fail "download from the limited seeder failed"; }
ms3=$((($(date +%s%N) - t0) / 1000000))
cmp -s "$D/seed/content.bin" "$D/leech3/content.bin" || fail "buyer 3's file differs"
[ "$ms3" -ge 8000 ] && [ "$ms3" -ge $((ms1 + 4000)) ] ||
	fail "6 MiB from a 512 KiB/s seeder took only $ms3 ms (unlimited: $ms1 ms)"
ok "--upload-limit 512K: 6 MiB took $ms3 ms (>= 8000; unlimited took $ms1 ms)"
kill -INT "$SEED_PID"
wait_for 20 sh -c "! kill -0 $SEED_PID 2>/dev/null" || fail "limited seeder did not stop"
json "$D/seedB.json" "j['complete'] is True and j['uploaded'] >= $SIZE" | grep -qx True ||
	fail "limited seeder --json: $(cat "$D/seedB.json")"
ok "limited seeder --json: $(cat "$D/seedB.json")"

# --- refused tokens: exit 1 with the tracker's failure reason, quickly
refused() { # refused WHAT TORRENT WANT
	local rc t0 ms
	t0=$(date +%s%N)
	set +e
	timeout 60 "$P2PCD" fetch --dir "$D/refused" --json --timeout 30 "$2" \
		>"$D/refused.json" 2>"$D/refused.err"
	rc=$?
	set -e
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_eq "exit status for $1" "$rc" 1
	grep -q "$3" "$D/refused.err" || fail "$1: message '$(cat "$D/refused.err")' lacks '$3'"
	json "$D/refused.json" "j['complete'] is False and '$3' in j['error']" | grep -qx True ||
		fail "$1 --json: $(cat "$D/refused.json")"
	[ "$ms" -lt 20000 ] || fail "$1: took $ms ms to fail"
	ok "$1 refused in $ms ms: $(cat "$D/refused.err")"
}
EXPIRED=$(mint "$IH" --role leech --sub buyer-9 --exp $(($(date +%s) - 120)))
torrent_for "$EXPIRED" "$D/expired.torrent"
refused "expired token" "$D/expired.torrent" "expired"
GOOD=$(mint "$IH" --role leech --sub buyer-9)
FORGED=${GOOD%?}$([ "${GOOD: -1}" = A ] && echo B || echo A)
torrent_for "$FORGED" "$D/forged.torrent"
refused "forged token" "$D/forged.torrent" "invalid admission token"

# --- --seed-time: a seeder stops by itself and exits 0
t0=$(date +%s)
"$P2PCD" fetch --seed-time 4 --dir "$D/seed" --quiet --json \
	"$D/seed.torrent" >"$D/seedC.json" 2>"$D/seedC.err" &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
wait_for 20 one_seeder || fail "--seed-time seeder never announced"
wait_for 30 sh -c "! kill -0 $SEED_PID 2>/dev/null" || fail "--seed-time 4 did not end"
set +e
wait "$SEED_PID"
rc=$?
set -e
expect_eq "exit status after --seed-time 4" "$rc" 0
json "$D/seedC.json" "j['complete'] is True and j['seconds'] >= 4" | grep -qx True ||
	fail "--seed-time --json: $(cat "$D/seedC.json")"
ok "--seed-time 4: seeded and stopped by itself in $(($(date +%s) - t0)) s"
wait_for 5 no_peers || fail "tracker still lists the --seed-time seeder: $(swarm)"
ok "and the tracker saw it stop: $(swarm)"
