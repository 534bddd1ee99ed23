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
#      and restarted: the aria2c clients come back on their next announce
#      and the download completes byte-identical.
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
cat >"$D/load.py" <<'PY'
# steady announces on one keep-alive connection for the given seconds;
# prints "ok N bad M" (bad: no answer, not 200, or a failure reason)
import http.client, sys, time
port, tok, ih, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
q = "".join("%%%s" % ih[i:i + 2] for i in range(0, 40, 2))
okn = bad = 0
end = time.time() + secs
c = None
i = 0
while time.time() < end:
    i += 1
    pid = "%%2dPT0001-%012d" % (i % 500)
    path = "/announce/%s?info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=100&compact=1" % (
        tok, q, pid, 10000 + i % 500)
    try:
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if r.status == 200 and b"failure reason" not in body and body.startswith(b"d"):
            okn += 1
        else:
            bad += 1
            print("bad answer: %d %r" % (r.status, body[:120]), file=sys.stderr)
    except Exception as e:
        bad += 1
        print("error: %s" % e, file=sys.stderr)
        c = None
    time.sleep(0.002)
print("ok %d bad %d" % (okn, bad))
PY
python3 "$D/load.py" "$TRK_PORT" "$TOK_A" "$IH_A" 12 >"$D/load.out" 2>"$D/load.err" &
load_pid=$!
sleep 3
"$TOP/scripts/pgctl.sh" stop "$PG_DIR" >/dev/null
sleep 2
pg_restart
wait "$load_pid" || fail "load generator failed"
read -r _ n_ok _ n_bad <"$D/load.out"
[ "$n_bad" = 0 ] && [ "$n_ok" -gt 500 ] &&
	ok "$n_ok announces answered during the PostgreSQL restart, $n_bad failed" ||
	fail "during the restart: $n_ok answered, $n_bad failed ($(head -3 "$D/load.err"))"
wait_for 15 db_up || fail "tracker did not reconnect after the restart"
ok "tracker reconnected after the restart"

# --- 2. cut off, mute missed, statistics kept --------------------------
before=$(q "SELECT coalesce(sum(uploaded), 0) FROM transfer_totals WHERE subject = 'cut-peer'")
q "ALTER ROLE trk NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE usename = 'trk'" >/dev/null
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
"$P2PCD" fetch "$D/leech.torrent" --dir "$D/leech" --download-limit 100K --log "$D/leech.log" \
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
# both peers come back on their next announce (interval 10 s)
peers_back() { admin GET "/swarms/$IH" | python3 -c '
import json, sys
j = json.load(sys.stdin)
sys.exit(0 if j.get("seeders", 0) + j.get("leechers", 0) >= 2 else 1)'; }
wait_for 30 peers_back || fail "peers did not come back: $(admin GET "/swarms/$IH"); leecher: $(kill -0 $leech_pid 2>/dev/null && echo running || echo gone) $(tail -3 "$D/leech.err"); $(grep -i "announce\|tracker" "$D/leech.log" | tail -15)"
ok "seeder and leecher announced to the restarted tracker: $(admin GET "/swarms/$IH")"
wait "$leech_pid" || fail "the download did not complete: $(cat "$D/leech.err")"
cmp -s "$D/seed/content.bin" "$D/leech/content.bin" ||
	fail "the downloaded file differs"
ok "the download completed byte-identical across the tracker's SIGKILL"
