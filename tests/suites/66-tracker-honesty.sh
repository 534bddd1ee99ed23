#!/usr/bin/env bash
# 66-tracker-honesty: issue 7 requirement 1, honest reporting of contributed
# resources. A real swarm (aria2c seeder and leecher with tokens) transfers
# 4 MiB honestly and is NOT flagged; scripted cheaters with valid leech
# tokens among them are: an upload larger than what the others downloaded
# (upload_vs_others), an upload that fits alone but not in the swarm's sum
# (swarm_balance), left=0 without having downloaded (seed_claim), 1 TB in a
# second (max_rate). Each is a peer_reports row (kind, offender = the
# token's sub, evidence.check) shown by the admin API and by the module's
# RPC p2pcd.peer_reports (packaged Kamailio on the same database). Policy
# refuse_seed refuses only the cheater's seeding announces, refuse (after a
# restart: strikes reloaded from PostgreSQL) all of them, honest peers are
# still admitted; a clear through the admin API admits it again.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"
echo "66-tracker-honesty"

for tool in aria2c mktorrent python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not installed"
done
trk_build
pg_start
mktemp_dir D trk-honesty

TRK_ID=trk-honest
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
# rounds every 2 s; 256 KiB + 5 % slack; 2 strikes within an hour
reports_conf() {
	echo "reports = { max_rate = 100000000; slack = 262144; slack_percent = 5;
	seed_tolerance = 10; interval = 2; policy = \"$1\"; strikes = 2;
	window = 3600; };"
}
TRK_EXTRA=$(reports_conf refuse_seed) trk_config "$D/tracker.conf"
"$TRK_BIN/p2pcd-tracker" --check-config -c "$D/tracker.conf" >/dev/null ||
	fail "config with a reports section refused"
sed 's/refuse_seed/refuse_all/' "$D/tracker.conf" >"$D/bad.conf"
out=$("$TRK_BIN/p2pcd-tracker" --check-config -c "$D/bad.conf" 2>&1) &&
	fail "reports.policy refuse_all accepted"
[[ $out == *"reports.policy"* ]] || fail "bad policy: $out"
ok "reports.policy checked: $out"
trk_start "$D"
ok "tracker running (pid $TRK_PID), policy refuse_seed, 2 strikes"

SIZE=4194304
mkdir -p "$D/seed" "$D/leech"
head -c $SIZE /dev/urandom >"$D/seed/content.bin"
mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
	-o "$D/base.torrent" "$D/seed/content.bin" >/dev/null
IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/base.torrent")
sql_content 10.9999/honest "$IH"
wait_for 5 sh -c "curl -fsS -H 'Authorization: Bearer $TRK_ADMIN_TOKEN' \
	http://127.0.0.1:$TRK_ADMIN/swarms/$IH | grep -q '\"active\"'" ||
	fail "content not in the tracker's catalog"

tok() { mint "$IH" --role "$1" --sub "$2" --doi 10.9999/honest; }
SEED_TOK=$(tok seed publisher-1)
LEECH_TOK=$(tok leech buyer-1)
for w in seed leech; do
	t=SEED_TOK
	[ $w = leech ] && t=LEECH_TOK
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/${!t}" \
		-o "$D/$w.torrent" "$D/seed/content.bin" >/dev/null
done

ARIA=(aria2c --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
	--enable-peer-exchange=false --disable-ipv6=true --file-allocation=none
	--summary-interval=0 --console-log-level=warn --bt-tracker-interval=2
	--stop-with-process=$$)
SEED_PORT=$(trk_port)
"${ARIA[@]}" --dir="$D/seed" --check-integrity=true --seed-ratio=0.0 \
	--listen-port="$SEED_PORT" --log="$D/seed.log" --log-level=info \
	"$D/seed.torrent" >"$D/seed.out" 2>&1 &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
seeders() { admin GET "/swarms/$IH" | grep -q "\"seeders\":$1,"; }
wait_for 20 seeders 1 || fail "the aria2c seeder never announced"
ok "aria2c seeder (publisher-1, role seed) admitted"

t0=$(date +%s)
timeout 60 "${ARIA[@]}" --dir="$D/leech" --seed-time=0 \
	--listen-port="$(trk_port)" --log="$D/leech.log" --log-level=info \
	"$D/leech.torrent" >"$D/leech.out" 2>&1 ||
	{ tail -20 "$D/leech.out"; fail "aria2c leecher did not finish"; }
cmp -s "$D/seed/content.bin" "$D/leech/content.bin" || fail "downloaded file differs"
ok "aria2c leecher (buyer-1) downloaded 4 MiB in $(($(date +%s) - t0)) s and went seed"

# both sides reported: the seeder's upload and the leecher's download
totals_in() {
	[ "$(q "SELECT count(*) FROM transfer_totals WHERE
	(subject = 'publisher-1' AND uploaded >= $SIZE) OR
	(subject = 'buyer-1' AND downloaded >= $SIZE)")" = 2 ]
}
wait_for 15 totals_in || fail "transfer totals: $(q 'SELECT * FROM transfer_totals')"
ok "transfer_totals: publisher-1 uploaded and buyer-1 downloaded >= 4 MiB"
# three more rounds (2 s each) after both reports: no false positive
ledger_entries() { admin GET /metrics | awk '$1 == "p2pcd_tracker_report_ledger_entries" { print $2 }'; }
sleep 7
expect_eq "peer_reports of the honest swarm" \
	"$(q "SELECT count(*) FROM peer_reports")" 0
expect_eq "GET /offenders of the honest swarm" "$(admin GET /offenders)" "[]"
[ "$(ledger_entries)" -ge 3 ] || fail "ledger entries: $(ledger_entries)"
ok "honest aria2c swarm (up = down, leecher seeding after downloading) not flagged"

# --- the cheaters: curl announcers with valid leech tokens
C1=$(tok leech cheater-1)
C2=$(tok leech cheater-2)
C3=$(tok leech cheater-3)
# cheat PEER TOKEN UP DOWN LEFT [EXTRA]: the raw reply
cheat() {
	PEER_ID_HEX=$(printf '%024x' "$1") UP=$3 DOWN=$4 LEFT=$5 PEER_PORT=$((7000 + $1)) \
		announce "$2" "$IH" "${6:-}"
}
admitted() { cheat "$@" | grep -q '5:peers'; }
reason() { cheat "$@" | sed -n 's/^d14:failure reason[0-9]*:\(.*\)8:retry in.*/\1/p'; }
row() { # row OFFENDER CHECK: evidence of its report of that check
	q "SELECT evidence FROM peer_reports WHERE kind = 'inconsistent' AND
	offender = '$1' AND tracker_id = '$TRK_ID' AND evidence->>'check' = '$2'"
}
has_row() { [ -n "$(row "$1" "$2")" ]; }
ev() { python3 -c 'import json,sys; e=json.loads(sys.argv[1]); print(*[e[k] for k in sys.argv[2:]])' "$@"; }

# (b) cheater-1 claims 12 MiB uploaded: the others downloaded 4 MiB
admitted 1 "$C1" 0 0 $SIZE "&event=started" || fail "cheater-1 start refused"
admitted 1 "$C1" $((3 * SIZE)) 0 $SIZE || fail "cheater-1 refused before any flag"
wait_for 15 has_row cheater-1 upload_vs_others ||
	fail "no upload_vs_others row: $(q 'SELECT offender, evidence FROM peer_reports')"
e=$(row cheater-1 upload_vs_others)
read -r up others excess <<<"$(ev "$e" uploaded others_downloaded excess)"
expect_eq "cheater-1's claimed upload in the evidence" "$up" $((3 * SIZE))
[ "$others" -ge $SIZE ] && [ "$others" -lt $((SIZE + 65536)) ] &&
	[ "$excess" -gt $((7 * SIZE / 4)) ] || fail "evidence numbers: $e"
ok "upload_vs_others: cheater-1 flagged (uploaded $up > others downloaded $others, excess $excess)"
j=$(admin GET /offenders/cheater-1)
expect_eq "admin API: cheater-1 (1 strike of 2)" \
	"$(python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["subject"], o["strikes"], o["state"], o["last_evidence"]["check"])' "$j")" \
	"cheater-1 1 ok upload_vs_others"
admitted 1 "$C1" $((3 * SIZE)) 0 $SIZE || fail "cheater-1 refused after 1 strike"
ok "one strike is below the threshold: cheater-1 still admitted"

# (a) cheater-2 claims 3 MiB: fits the others' 4 MiB alone, not the sum
admitted 2 "$C2" 0 0 $SIZE "&event=started" || fail "cheater-2 start refused"
admitted 2 "$C2" $((3 * SIZE / 4)) 0 $SIZE || fail "cheater-2 refused"
wait_for 15 has_row cheater-2 swarm_balance ||
	fail "no swarm_balance row: $(q 'SELECT offender, evidence FROM peer_reports')"
e=$(row cheater-2 swarm_balance)
read -r up sup sdown <<<"$(ev "$e" uploaded swarm_uploaded swarm_downloaded)"
expect_eq "cheater-2's upload in the evidence" "$up" $((3 * SIZE / 4))
[ "$sup" -gt "$sdown" ] || fail "swarm_balance evidence: $e"
ok "swarm_balance: cheater-2 flagged (swarm uploaded $sup > downloaded $sdown)"
expect_eq "rows of cheater-2 (none for upload_vs_others)" \
	"$(q "SELECT string_agg(evidence->>'check', ',') FROM peer_reports WHERE offender = 'cheater-2'")" \
	swarm_balance

# (d) cheater-1 claims to seed (left=0) without having downloaded: strike 2
admitted 1 "$C1" $((3 * SIZE)) 0 0 "&event=completed" || fail "cheater-1's claim refused early"
wait_for 15 has_row cheater-1 seed_claim ||
	fail "no seed_claim row: $(q 'SELECT offender, evidence FROM peer_reports')"
e=$(row cheater-1 seed_claim)
expect_eq "seed_claim evidence (downloaded, recorded, size, from)" \
	"$(ev "$e" downloaded downloaded_recorded size size_from)" "0 0 $SIZE first_announce"
ok "seed_claim: cheater-1 flagged ($e)"
refused_seed() { [[ $(reason 1 "$C1" $((3 * SIZE)) 0 0) == *"flagged for inconsistent transfer reports: seeding refused"* ]]; }
wait_for 5 refused_seed || fail "cheater-1's seeding announce not refused: $(cheat 1 "$C1" 0 0 0)"
ok "refuse_seed: cheater-1's left=0 announce refused: $(reason 1 "$C1" $((3 * SIZE)) 0 0)"
admitted 1 "$C1" $((3 * SIZE)) 0 $SIZE || fail "refuse_seed refused a leeching announce"
ok "refuse_seed: cheater-1's leeching announce (left > 0) still admitted"
admitted 5 "$LEECH_TOK" 0 $SIZE 0 || fail "honest buyer-1's seeding announce refused"
admitted 2 "$C2" $((3 * SIZE / 4)) 0 $SIZE || fail "cheater-2 (1 strike) refused"
ok "honest buyer-1 seeding and cheater-2 (1 strike) still admitted"
[[ $(metric 'p2pcd_tracker_refusals_total{reason="flagged"}') -ge 1 ]] ||
	fail "flagged refusals metric"
for c in upload_vs_others swarm_balance seed_claim; do
	expect_eq "metric flags{check=$c}" \
		"$(metric "p2pcd_tracker_inconsistent_flags_total{check=\"$c\"}")" 1
done
expect_eq "metric offenders" "$(metric p2pcd_tracker_offenders)" 1

# (c) the rate bound: 1 TB in a second
admitted 3 "$C3" 0 0 $SIZE "&event=started" || fail "cheater-3 start"
admitted 3 "$C3" 1000000000000 0 $SIZE || fail "cheater-3 refused"
wait_for 10 has_row cheater-3 max_rate || fail "no max_rate row"
expect_eq "max_rate evidence" "$(ev "$(row cheater-3 max_rate)" uploaded max_rate)" \
	"1000000000000 100000000"
ok "max_rate: cheater-3 flagged for 1 TB within a second"

j=$(admin GET /offenders)
expect_eq "GET /offenders" "$(python3 -c 'import json,sys
print(" ".join("%s:%d:%s" % (o["subject"], o["strikes"], o["state"])
	for o in sorted(json.loads(sys.argv[1]), key=lambda o: o["subject"])))' "$j")" \
	"cheater-1:2:seeding_refused cheater-2:1:ok cheater-3:1:ok"
expect_eq "honest subjects in peer_reports" \
	"$(q "SELECT count(*) FROM peer_reports WHERE offender IN ('publisher-1', 'buyer-1')")" 0

# --- policy refuse, after a restart: the strikes come back from PostgreSQL
trk_stop "$TRK_PID"
TRK_EXTRA=$(reports_conf refuse) trk_config "$D/tracker.conf"
trk_start "$D"
refused_all() { [[ $(reason 1 "$C1" $((3 * SIZE)) 0 $SIZE) == *"announce refused (policy refuse)"* ]]; }
wait_for 5 refused_all || fail "after restart, policy refuse: $(cheat 1 "$C1" 0 0 $SIZE)"
ok "restart with policy refuse: cheater-1's strikes reloaded, its leeching announce refused: $(reason 1 "$C1" $((3 * SIZE)) 0 $SIZE)"
admitted 2 "$C2" 0 0 $SIZE || fail "cheater-2 (1 strike) refused under refuse"
wait_for 15 seeders 1 || fail "the aria2c seeder was not admitted after the restart"
admitted 5 "$LEECH_TOK" 0 0 $SIZE || fail "honest buyer-1 refused"
ok "honest aria2c seeder, buyer-1 and cheater-2 still admitted"
if grep -q "flagged for inconsistent" "$D/seed.log"; then fail "the honest seeder was refused"; fi

# --- the operator clears cheater-1: admitted again, also after reloads
got=$(admin DELETE /offenders/cheater-1)
expect_eq "DELETE /offenders/cheater-1" "$got" \
	'{"subject":"cheater-1","state":"ok","had_strikes":true,"stored":true}'
admitted 1 "$C1" 0 0 $SIZE || fail "cheater-1 refused after the clear"
expect_eq "peer_policy row" "$(q "SELECT cleared_by, cleared_at > now() - interval '1 min' FROM peer_policy WHERE subject = 'cheater-1'")" \
	$'admin@trk-honest\tt'
sleep 5 # two reloads of the offender set from peer_reports
admitted 1 "$C1" 0 0 $SIZE || fail "cheater-1 refused again after the reload"
expect_eq "strikes of cheater-1 after the clear" \
	"$(python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["strikes"], o["state"])' "$(admin GET /offenders/cheater-1)")" \
	"0 ok"
ok "cleared by the admin API: cheater-1 admitted, evidence kept ($(q "SELECT count(*) FROM peer_reports WHERE offender = 'cheater-1'") rows)"

# --- the module's RPC reads the same peer_reports
if command -v kamailio >/dev/null && command -v kamcmd >/dev/null; then
	. "$TOP/tests/sip/as.sh"
	as_build
	as_start
	out=$(rpc p2pcd.peer_reports)
	for s in cheater-1 cheater-2 cheater-3; do
		grep -q "subject: $s" <<<"$out" || fail "p2pcd.peer_reports lacks $s: $out"
	done
	if grep -qE 'subject: (publisher|buyer)-1' <<<"$out"; then fail "honest subject listed"; fi
	c1=$(awk '/subject: cheater-1/ { f = 1 } f && /strikes:/ { print $2; exit }' <<<"$out")
	expect_eq "RPC strikes of cheater-1 (cleared)" "$c1" 0
	out=$(rpc p2pcd.peer_reports cheater-1)
	expect_eq "RPC p2pcd.peer_reports cheater-1: checks" \
		"$(awk '$1 == "check:" { print $2 }' <<<"$out" | sort | tr '\n' ' ')" \
		"seed_claim upload_vs_others "
	grep -q 'cleared: true' <<<"$out" || fail "RPC: cleared flag: $out"
	ok "kamcmd p2pcd.peer_reports: the offenders, per subject the checks and the clearing"
	rpc system.methodHelp p2pcd.peer_reports | grep -q "Inconsistent transfer" ||
		fail "p2pcd.peer_reports has no doc string"
	as_log_errors
else
	fail "kamailio/kamcmd not installed"
fi

trk_stop "$TRK_PID"
grep -q "statistics flushed" "$D/tracker.log" || fail "no final flush"
if grep -E "ERROR|AddressSanitizer|runtime error" "$D/tracker.log"; then
	fail "errors in the tracker log"
fi
ok "tracker stopped cleanly"
