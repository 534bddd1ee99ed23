#!/usr/bin/env bash
# p2pcd-tracker under faults (issue 7, "Faults"), with a real PostgreSQL and
# real aria2c clients:
#   1. PostgreSQL restarted under announce load: every announce of a steady
#      load is answered (no error, no refusal of a valid token), the tracker
#      reconnects by itself;
#   2. the tracker cut off from PostgreSQL (its role refused, its sessions
#      killed) while a mute is committed: the NOTIFY is lost to it, and the
#      mute is still enforced once it reconnects (catalog reload); transfer
#      deltas reported during the cut reach transfer_totals afterwards,
#      exactly;
#   3. the tracker killed with SIGKILL in the middle of a swarm transfer
#      and restarted: the seeder comes back on its next announce, a buyer
#      joining afterwards finds it there, and the download in progress
#      completes byte-identical;
#   4. listen.per_ip_connection_limit: a client address over its quota is
#      closed at accept, and served again once its connections close.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

command -v aria2c >/dev/null || fail "aria2c not installed"
trk_build
make -s -C "$TOP/client" >/dev/null || fail "build of p2pcd"
P2PCD=$TOP/build/release/bin/p2pcd
pg_start
mktemp_dir D tracker-faults
# the tracker logs in as its own role, so the test can lock it out alone
q "CREATE ROLE trk LOGIN SUPERUSER" >/dev/null

TRK_ID=trk-faults
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_INTERVAL=10
trk_config "$D/tracker.conf"
PGUSER=trk trk_start "$D"
ok "tracker running as PostgreSQL role trk (pid $TRK_PID)"
db_up() { [ "$(metric p2pcd_tracker_db_up)" = 1 ]; }
wait_for 10 db_up || fail "tracker not connected to PostgreSQL"

IH_A=$(printf 'a%.0s' {1..40})
IH_B=$(printf 'b%.0s' {1..40})
sql_content 10.9999/fault-a "$IH_A"
sql_content 10.9999/fault-b "$IH_B"
TOK_A=$(mint "$IH_A" --sub loader)
TOK_B=$(mint "$IH_B" --sub cut-peer)
admitted() { ! announce "$1" "$2" | grep -q 'failure reason'; }
wait_for 5 admitted "$TOK_A" "$IH_A" || fail "content a not admitted"
wait_for 5 admitted "$TOK_B" "$IH_B" || fail "content b not admitted"
ok "two swarms in the catalog"

# --- 1. PostgreSQL restarted under load ---------------------------------
"$TOP/tests/tools/announce-load.py" "$TRK_PORT" "$TOK_A" "$IH_A" 12 500 \
	>"$D/load.out" 2>"$D/load.err" &
load_pid=$!
sleep 3
"$TOP/scripts/pgctl.sh" stop "$PG_DIR" >/dev/null
sleep 2
pg_restart
wait "$load_pid" || fail "load generator failed"
read -r n_ok n_bad <"$D/load.out"
[ "$n_bad" = 0 ] && [ "$n_ok" -gt 500 ] &&
	ok "$n_ok announces answered during the PostgreSQL restart, $n_bad failed" ||
	fail "during the restart: $n_ok answered, $n_bad failed ($(head -3 "$D/load.err"))"
wait_for 15 db_up || fail "tracker did not reconnect after the restart"
ok "tracker reconnected after the restart"

# --- 2. cut off, mute missed, statistics kept --------------------------
before=$(q "SELECT coalesce(sum(uploaded), 0) FROM transfer_totals WHERE subject = 'cut-peer'")
# two commands, not one string: psql -c runs a string as one transaction,
# so the tracker could log in again between the kill and the NOLOGIN commit
q "ALTER ROLE trk NOLOGIN" >/dev/null
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'trk'" >/dev/null
db_down() { [ "$(metric p2pcd_tracker_db_up)" = 0 ]; }
wait_for 10 db_down || fail "the tracker did not notice it lost PostgreSQL"
ok "tracker cut off from PostgreSQL (role locked, sessions killed)"
# transfers reported while cut off: 3 announces of 1 MiB uploaded each
for up in 1048576 2097152 3145728; do
	UP=$up PEER_ID_HEX=637574706565723030303031 announce "$TOK_B" "$IH_B" |
		grep -q 'failure reason' && fail "announce refused while cut off"
done
ok "announces with transfer deltas served while cut off"
# the mute it cannot hear about
q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/fault-a'" >/dev/null
sleep 1
admitted "$TOK_A" "$IH_A" ||
	fail "muted while cut off, yet refused already (the test would prove nothing)"
ok "while cut off the tracker still admits content a (it missed the NOTIFY)"
q "ALTER ROLE trk LOGIN" >/dev/null
t0=$(date +%s%N)
wait_for 15 db_up || fail "tracker did not reconnect after the cut"
muted() { announce "$TOK_A" "$IH_A" | grep -q 'muted'; }
wait_for 3 muted || fail "the mute made during the cut is not enforced after reconnect"
ok "the mute made during the cut is enforced $((($(date +%s%N) - t0) / 1000000)) ms after access returned"
flushed() {
	[ "$(q "SELECT coalesce(sum(uploaded), 0) FROM transfer_totals WHERE subject = 'cut-peer'")" = \
		$((before + 3145728)) ]
}
wait_for 10 flushed ||
	fail "uploads reported during the cut: $(q "SELECT uploaded FROM transfer_totals WHERE subject = 'cut-peer'"), want $((before + 3145728))"
ok "transfer totals reported during the cut reach PostgreSQL exactly"

# --- 3. SIGKILL in the middle of a swarm --------------------------------
SIZE=$((4 * 1024 * 1024))
mkdir -p "$D/seed" "$D/leech"
head -c "$SIZE" /dev/urandom >"$D/seed/content.bin"
mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
	-o "$D/base.torrent" "$D/seed/content.bin" >/dev/null
IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/base.torrent")
sql_content 10.9999/fault-swarm "$IH"
wait_for 5 admitted "$(mint "$IH" --sub probe)" "$IH" || fail "swarm not in the catalog"
torrent_for() {
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/$1" \
		-o "$2" "$D/seed/content.bin" >/dev/null
}
torrent_for "$(mint "$IH" --role seed --sub seeder)" "$D/seed.torrent"
torrent_for "$(mint "$IH" --sub leecher)" "$D/leech.torrent"
"$P2PCD" fetch "$D/seed.torrent" --dir "$D/seed" --seed --quiet \
	>"$D/seed.out" 2>"$D/seed.err" &
seed_pid=$!
on_exit "kill -INT $seed_pid 2>/dev/null; wait $seed_pid 2>/dev/null"
# the leecher is limited so the transfer outlives the tracker's death
"$P2PCD" fetch "$D/leech.torrent" --dir "$D/leech" --download-limit 100K \
	--timeout 120 --json >"$D/leech.json" 2>"$D/leech.err" &
leech_pid=$!
started() { [ -f "$D/leech/content.bin" ] && [ "$(stat -c %s "$D/leech/content.bin")" -gt 0 ]; }
wait_for 20 started || fail "the download did not start: $(cat "$D/leech.err")"
sleep 2
kill -KILL "$TRK_PID"
wait "$TRK_PID" 2>/dev/null || true
ok "tracker killed with SIGKILL during the transfer"
sleep 3
trk_start "$D"
ok "tracker restarted (pid $TRK_PID)"
# the seeder comes back on its next announce (interval 10 s). (aria2c
# re-announces on its own schedule: a leecher that already has its peers
# may not announce again before it completes, so the leecher is not
# required to show up; its transfer must survive the tracker's death.)
seeder_back() { admin GET "/swarms/$IH" | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin).get("seeders", 0) >= 1 else 1)'; }
wait_for 30 seeder_back || fail "the seeder did not come back: $(admin GET "/swarms/$IH")"
ok "the seeder announced to the restarted tracker: $(admin GET "/swarms/$IH")"
# a new buyer after the restart gets the seeder from the restarted tracker
torrent_for "$(mint "$IH" --sub late-leecher)" "$D/late.torrent"
mkdir -p "$D/late"
timeout 60 "$P2PCD" fetch "$D/late.torrent" --dir "$D/late" --timeout 50 \
	--quiet 2>"$D/late.err" || fail "a new leecher after the restart: $(cat "$D/late.err")"
cmp -s "$D/seed/content.bin" "$D/late/content.bin" || fail "the late leecher's file differs"
ok "a leecher joining after the restart downloaded from the seeder it learnt there"
wait "$leech_pid" || fail "the download did not complete: $(cat "$D/leech.err")"
cmp -s "$D/seed/content.bin" "$D/leech/content.bin" ||
	fail "the downloaded file differs"
ok "the download in progress completed byte-identical across the tracker's SIGKILL"

# --- 4. a connection limit per client address ------------------------------
trk_stop "$TRK_PID"
sed -i 's/^listen = { \(.*\) threads = 2; };/listen = { \1 threads = 1; per_ip_connection_limit = 2; };/' \
	"$D/tracker.conf"
grep -q 'per_ip_connection_limit = 2' "$D/tracker.conf" || fail "could not set the limit"
trk_start "$D"
TOK_L=$(mint "$IH" --sub limited)
admitted "$TOK_L" "$IH" || fail "an announce with the limit set"
# two connections from 127.0.0.1 that sent half a request hold the
# address's quota (the listener defers accept until a connection's first
# bytes: one that sends nothing stays in the kernel and holds nothing)
python3 -c '
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
for c in s:
    c.sendall(b"GET /announce/")
time.sleep(float(sys.argv[2]))' "$TRK_PORT" 4 &
hold=$!
sleep 1
if curl -sS --max-time 3 "http://127.0.0.1:$TRK_PORT/announce/$TOK_L?info_hash=$(pct "$IH")&peer_id=$(pct 2d5032303030302d313233343536373839303132)&port=6881&uploaded=0&downloaded=0&left=1" \
	>"$D/over.out" 2>"$D/over.err"; then
	fail "a third connection from the same address was served: $(cat "$D/over.out")"
fi
ok "a third connection from one address is closed at accept ($(tr -d '\n' <"$D/over.err"))"
wait "$hold"
admitted "$TOK_L" "$IH" || fail "an announce after the idle connections closed"
ok "served again once the address's connections closed"
