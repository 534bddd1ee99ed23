#!/usr/bin/env bash
# p2pcd-tracker (ASan+UBSan build) against a real PostgreSQL: content
# states (pending seeds only, removed), the admin API (bearer token, swarm
# JSON, mute/unmute through the database, tracker mute), tracker mute by
# SQL, Prometheus /metrics, PostgreSQL down (keeps serving the last
# catalog, counts transfers, reconnects, LISTENs again, flushes),
# implausible transfer claims flagged in peer_reports (DESIGN 7.1), key
# rotation on SIGHUP, peer expiry, IPv6 peers (peers6), clean shutdown
# without sanitizer reports.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
TRK_BUILD=asan
. "$TOP/tests/tools/tracker-lib.sh"

trk_build
pg_start
mktemp_dir D trk-db
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1

TRK_ID=trk-db
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_INTERVAL=10 TRK_PEER_TIMEOUT=10 trk_config "$D/tracker.conf"
IH_A=$(printf 'a%.0s' {1..40})
IH_P=$(printf 'b%.0s' {1..40})
IH_R=$(printf 'c%.0s' {1..40})
sql_content 10.9999/active "$IH_A"
sql_content 10.9999/pending "$IH_P" pending
sql_content 10.9999/removed "$IH_R" removed
trk_start "$D"
ok "ASan tracker running with a catalog of 3 items"

TOK_A=$(mint "$IH_A" --sub buyer-a)
admitted() { announce "$@" | grep -q '5:peers'; }
refused_with() { # WANT TOKEN IH
	local r
	r=$(announce "$2" "$3")
	[[ $r == *"$1"* ]] || fail "want '$1', got '$r'"
}
admitted "$TOK_A" "$IH_A" || fail "active content refused"
ok "active: admitted"
refused_with "not open yet" "$(mint "$IH_P" --role leech)" "$IH_P"
ok "pending: leecher refused (not open yet)"
admitted "$(mint "$IH_P" --role seed)" "$IH_P" || fail "pending: seeder refused"
ok "pending: seeder admitted (seed first, open later)"
refused_with "torrent removed" "$(mint "$IH_R")" "$IH_R"
ok "removed: refused"

# the admin API is only on the admin listener, only with the token
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TRK_ADMIN/swarms")
expect_eq "admin without bearer token" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token-0123456789" \
	"http://127.0.0.1:$TRK_ADMIN/metrics")
expect_eq "admin with a wrong token" "$code" 401
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TRK_PORT/metrics")
expect_eq "/metrics on the public listener" "$code" 404
n=$(admin GET /swarms | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "swarms listed" "$n" 3
admin GET "/swarms/$IH_A" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["state"] == "active" and j["leechers"] == 1 and j["doi"] == "10.9999/active", j' ||
	fail "swarm JSON"
ok "swarm JSON has state, doi, counts"

# mute and unmute through the admin API: stored in PostgreSQL
r=$(admin POST "/content/$IH_A/mute")
[[ $r == *'"stored":true'* ]] || fail "admin mute: $r"
expect_eq "content state in the DB after admin mute" \
	"$(q "SELECT state FROM content WHERE doi = '10.9999/active'")" muted
refused_with "torrent muted" "$TOK_A" "$IH_A"
ok "admin mute enforced"
admin POST "/content/$IH_A/unmute" >/dev/null
expect_eq "content state after admin unmute" \
	"$(q "SELECT state FROM content WHERE doi = '10.9999/active'")" active
wait_for 2 admitted "$TOK_A" "$IH_A" || fail "admin unmute not applied"
ok "admin unmute applied"

# whole-tracker mute by SQL: every announce refused within 1 s
q "UPDATE trackers SET state = 'muted' WHERE id = '$TRK_ID'"
t0=$(date +%s%N)
tracker_muted() { announce "$TOK_A" "$IH_A" | grep -q 'tracker muted'; }
wait_for 1 tracker_muted || fail "tracker mute not enforced within 1 s"
ok "tracker mute by SQL enforced in $((($(date +%s%N) - t0) / 1000000)) ms"
[[ $(announce "$TOK_A" "$IH_A") == *"8:retry ini5e"* ]] || fail "no retry in 5 on tracker mute"
ok "tracker mute says retry in 5 (minutes)"
admin POST /tracker/unmute >/dev/null
expect_eq "trackers.state after admin unmute" "$(q "SELECT state FROM trackers WHERE id = '$TRK_ID'")" active
admitted "$TOK_A" "$IH_A" || fail "tracker unmute"
ok "tracker unmuted by the admin API"

# metrics
m=$(admin GET /metrics)
for name in p2pcd_tracker_announces_total 'p2pcd_tracker_refusals_total{reason="muted"}' \
	p2pcd_tracker_swarms p2pcd_tracker_peers p2pcd_tracker_flush_lag_seconds \
	p2pcd_tracker_db_up; do
	grep -q "^$name " <<<"$m" || fail "metric $name missing"
done
expect_eq "refusals{tracker_muted}" "$(metric 'p2pcd_tracker_refusals_total{reason="tracker_muted"}')" 2
expect_eq "db_up" "$(metric p2pcd_tracker_db_up)" 1
ok "Prometheus /metrics has announces, refusals by reason, swarms, peers, flush lag"

# PostgreSQL down: the last catalog keeps serving, mutes included
q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/pending'"
pg_stop
db_down() { [ "$(metric p2pcd_tracker_db_up)" = 0 ]; }
wait_for 10 db_down || fail "tracker did not notice the database going away"
ok "database down noticed"
PEER_ID_HEX=$(printf '%024x' 5) UP=1000 DOWN=0 admitted "$(mint "$IH_A" --sub offline-buyer)" "$IH_A" ||
	fail "announce refused while PostgreSQL is down"
ok "announces served from the last catalog while PostgreSQL is down"
refused_with "torrent muted" "$(mint "$IH_P" --role seed)" "$IH_P"
ok "mutes stay in force while PostgreSQL is down"
PEER_ID_HEX=$(printf '%024x' 5) UP=5000 DOWN=0 admitted "$(mint "$IH_A" --sub offline-buyer)" "$IH_A"
pg_restart
db_up() { [ "$(metric p2pcd_tracker_db_up)" = 1 ]; }
wait_for 15 db_up || fail "tracker did not reconnect"
ok "reconnected after PostgreSQL returned"
offline_total() { [ "$(q "SELECT uploaded FROM transfer_totals WHERE subject = 'offline-buyer'")" = 5000 ]; }
wait_for 10 offline_total || fail "transfers during the outage not flushed: $(q 'SELECT * FROM transfer_totals')"
ok "transfer totals counted during the outage reach the database"
q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/active'"
wait_for 1 sh -c "curl -sS 'http://127.0.0.1:$TRK_PORT/announce/$TOK_A?info_hash=$(pct "$IH_A")&peer_id=$(pct "$(printf '%040x' 77)")&port=1&uploaded=0&downloaded=0&left=1' | grep -q 'muted'" ||
	fail "mute after reconnect not enforced within 1 s (LISTEN not renewed?)"
ok "after reconnect, a mute by SQL is enforced within 1 s"
q "UPDATE content SET state = 'active' WHERE doi = '10.9999/active'"

# content moved to another tracker: refused here at once
q "INSERT INTO trackers (id, announce_url) VALUES ('trk-other', 'http://x/announce');
   UPDATE content SET tracker_id = 'trk-other' WHERE doi = '10.9999/pending'"
moved() { announce "$(mint "$IH_P" --role seed)" "$IH_P" | grep -q 'served by another tracker'; }
wait_for 1 moved || fail "content moved to another tracker still served"
ok "content reassigned to another tracker: refused (served by another tracker)"

# DESIGN 7.1: an implausible upload claim is flagged in peer_reports and
# kept out of the buyer's transfer totals
LIAR=$(mint "$IH_A" --sub liar-1)
PEER_ID_HEX=$(printf '%024x' 66) UP=1000 admitted "$LIAR" "$IH_A" || fail "liar's first announce"
PEER_ID_HEX=$(printf '%024x' 66) UP=1000000000000 admitted "$LIAR" "$IH_A" || fail "liar's second announce"
flagged() { [ "$(q "SELECT count(*) FROM peer_reports WHERE kind = 'inconsistent'
	AND offender = 'liar-1' AND (evidence->>'uploaded')::numeric = 999999999000
	AND tracker_id = '$TRK_ID'")" = 1 ]; }
wait_for 10 flagged || fail "no peer_reports row: $(q 'SELECT * FROM peer_reports')"
ok "1 TB claimed within a second: peer_reports row (inconsistent, offender liar-1)"
expect_eq "liar's transfer total (the claim left out)" \
	"$(q "SELECT uploaded FROM transfer_totals WHERE subject = 'liar-1'")" 1000
expect_eq "inconsistent reports metric" "$(metric p2pcd_tracker_inconsistent_reports_total)" 1

# key rotation on SIGHUP: v2 current, v1 still accepted
sed -i "s/key = \"[0-9a-f]*\"; key_version = 1;/key = \"$(trk_key "$TRK_ID" 2)\"; key_version = 2; previous_key = \"$(trk_key "$TRK_ID" 1)\"; previous_key_version = 1;/" "$D/tracker.conf"
TOK_V2=$("$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud "$TRK_ID" --version 2 --ih "$IH_A")
refused_with "another tracker" "$TOK_V2" "$IH_A"
ok "a v2 token is refused before the rotation (unknown kid)"
kill -HUP "$TRK_PID"
wait_for 5 admitted "$TOK_V2" "$IH_A" || fail "v2 token refused after SIGHUP"
ok "SIGHUP: v2 key active without a restart"
admitted "$(mint "$IH_A" --sub v1-still)" "$IH_A" || fail "v1 token refused after rotation"
ok "the previous key (v1) is still accepted"

# peers expire after peer_timeout (10 s here; 4 s ticks, 5 s sweeps)
no_peers() { admin GET "/swarms/$IH_A" | grep -q '"peers":0}'; }
t0=$(date +%s)
PEER_ID_HEX=$(printf '%024x' 6) admitted "$TOK_A" "$IH_A"
admin GET "/swarms/$IH_A" | grep -q '"peers":0}' && fail "peer not in the swarm"
wait_for 30 no_peers || fail "peers did not expire: $(admin GET "/swarms/$IH_A")"
dt=$(($(date +%s) - t0))
[ "$dt" -ge 9 ] || fail "peer expired after $dt s, before peer_timeout (10 s)"
ok "peers expired $dt s after their last announce (peer_timeout 10 s)"

# IPv6 (BEP 7): a second instance of the tracker on [::1], when the
# machine has an IPv6 loopback
MAIN_PID=$TRK_PID MAIN_PORT=$TRK_PORT MAIN_ADMIN=$TRK_ADMIN
ipv6_test() {
	mkdir -p "$D/v6"
	TRK_PORT=$(trk_port) TRK_ADMIN=$(trk_port)
	trk_config "$D/v6/tracker.conf"
	sed -i 's/address = "127.0.0.1"; port = '"$TRK_PORT"'/address = "::1"; port = '"$TRK_PORT"'/' "$D/v6/tracker.conf"
	trk_start "$D/v6"
	announce6() { # PEER-NUMBER
		curl -gsS --max-time 5 "http://[::1]:$TRK_PORT/announce/$TOK_A?info_hash=$(pct "$IH_A")&peer_id=$(pct "$(printf '%040x' "$1")")&port=700$1&uploaded=0&downloaded=0&left=1"
	}
	announce6 1 | grep -q '11:external ip16:' || fail "no 16-byte external ip for an IPv6 peer: $(announce6 1 | xxd | head -3)"
	ok "IPv6 peer gets its 16-byte external ip (BEP 24)"
	announce6 2 | grep -q '6:peers618:' || fail "no peers6 for an IPv6 peer: $(announce6 2 | xxd | head -5)"
	ok "IPv6 peers listed in peers6 (BEP 7), 18 bytes each"
	trk_stop "$TRK_PID"
}
if grep -qs '^00000000000000000000000000000001 ' /proc/net/if_inet6; then
	ipv6_test
else
	ok "IPv6 checks skipped: no ::1 on this machine"
fi
TRK_PID=$MAIN_PID TRK_PORT=$MAIN_PORT TRK_ADMIN=$MAIN_ADMIN

kill -TERM "$TRK_PID"
wait "$TRK_PID" && rc=0 || rc=$?
expect_eq "exit code after SIGTERM" "$rc" 0
if grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$D/tracker.log"; then
	fail "sanitizer report in the tracker log"
fi
ok "no AddressSanitizer/LeakSanitizer/UBSan report"
