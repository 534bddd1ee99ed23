#!/usr/bin/env bash
# Tampering (issue 7, requirement 2) with real aria2c, the real tracker and
# a real PostgreSQL: an honest seeder (p2pcd fetch --seed) and a seeder
# holding a corrupted copy of the same file (raw aria2c seeding without
# verifying, its own seed token and subject) serve three buyers running
# p2pcd fetch. Every buyer ends with a byte-identical file; the buyers'
# aria2c saw pieces fail the hash check and client/bt.c reported the peer
# (POST /report/TOKEN); peer_reports holds kind bad_piece rows with the bad
# seeder's subject as offender and the buyers as reporters; the bad
# seeder's next announce is refused with the reason and its address is no
# longer handed out, while the honest peers are still admitted. Then the
# endpoint's refusals (forged token, peer not in the swarm, self-report,
# malformed body, GET, oversized body, other swarm, rate limit), the
# refusal surviving a tracker restart (rebuilt from peer_reports), and the
# admin API's list and clear (kept across a restart too).
# TRK_BUILD=asan runs the ASan/UBSan tracker.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

command -v aria2c >/dev/null || fail "aria2c not installed"
command -v mktorrent >/dev/null || fail "mktorrent not installed"
make -s -C "$TOP/client" BUILD=release >/dev/null || fail "build of p2pcd"
P2PCD=$TOP/build/release/bin/p2pcd
trk_build
pg_start
mktemp_dir D trk-tamper

TRK_ID=trk-tamper
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_EXTRA='tamper = { reporters = 2; rate = 30; burst = 10; };'
trk_config "$D/tracker.conf"
trk_start "$D"
ok "tracker running (pid $TRK_PID, tamper.reporters = 2)"

# 4 MiB in 64 KiB pieces; the bad copy has 16 bytes overwritten in every
# piece, so each piece it serves fails the hash check
SIZE=$((4 * 1024 * 1024))
mkdir -p "$D/seed" "$D/bad"
head -c "$SIZE" /dev/urandom >"$D/seed/content.bin"
cp "$D/seed/content.bin" "$D/bad/content.bin"
for ((i = 0; i < SIZE / 65536; i++)); do
	printf 'corrupted piece!' | dd of="$D/bad/content.bin" bs=16 \
		seek=$((i * 4096 + 100)) conv=notrunc status=none
done
cmp -s "$D/seed/content.bin" "$D/bad/content.bin" && fail "bad copy not corrupted"
mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
	-o "$D/base.torrent" "$D/seed/content.bin" >/dev/null
IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/base.torrent")
sql_content 10.9999/tamper "$IH"
swarm() { admin GET "/swarms/$IH"; }
wait_for 5 sh -c "curl -fsS -H 'Authorization: Bearer $TRK_ADMIN_TOKEN' \
	http://127.0.0.1:$TRK_ADMIN/swarms/$IH | grep -q '\"active\"'" ||
	fail "content not in the tracker's catalog"

torrent_for() { # torrent_for TOKEN OUT
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/$1" \
		-o "$2" "$D/seed/content.bin" >/dev/null
}
SEED_TOK=$(mint "$IH" --role seed --sub publisher-1 --doi 10.9999/tamper)
BAD_TOK=$(mint "$IH" --role seed --sub evil-seeder --doi 10.9999/tamper)
torrent_for "$SEED_TOK" "$D/seed.torrent"
torrent_for "$BAD_TOK" "$D/bad.torrent"
for b in 1 2 3; do
	tok=$(mint "$IH" --role leech --sub "buyer-$b" --doi 10.9999/tamper)
	printf -v "BUYER${b}_TOK" '%s' "$tok"
	torrent_for "$tok" "$D/leech$b.torrent"
done

# the bad seeder: aria2c told to seed its copy unverified (what a tampering
# client does), re-announcing every 2 s so its refusal shows quickly
BAD_PORT=$(trk_port)
aria2c --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
	--enable-peer-exchange=false --disable-ipv6=true --file-allocation=none \
	--summary-interval=0 --console-log-level=warn --stop-with-process=$$ \
	--dir="$D/bad" --check-integrity=false --bt-seed-unverified=true \
	--seed-ratio=0.0 --listen-port="$BAD_PORT" --bt-tracker-interval=2 \
	--log="$D/bad.log" --log-level=info "$D/bad.torrent" >"$D/bad.out" 2>&1 &
BAD_PID=$!
on_exit "stop_pid $BAD_PID INT"
# the honest seeder, limited so the buyers ask the bad one too
"$P2PCD" fetch --seed --upload-limit 1M --dir "$D/seed" --quiet \
	--log "$D/seed.log" "$D/seed.torrent" >"$D/seed.out" 2>&1 &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
two_seeders() { swarm | grep -q '"seeders":2,'; }
wait_for 20 two_seeders || { swarm; cat "$D/bad.out" "$D/seed.out"; fail "seeders never announced"; }
ok "honest and corrupted seeders in the swarm: $(swarm)"

# --- three buyers at once
t0=$(date +%s)
pids=()
for b in 1 2 3; do
	timeout 100 "$P2PCD" fetch --dir "$D/leech$b" --json --quiet --timeout 80 \
		--log "$D/leech$b.log" "$D/leech$b.torrent" \
		>"$D/leech$b.json" 2>"$D/leech$b.err" &
	pids+=($!)
	on_exit "stop_pid $! INT"
done
for b in 1 2 3; do
	wait "${pids[b - 1]}" || { cat "$D/leech$b.err"; fail "buyer $b: p2pcd fetch failed"; }
done
for b in 1 2 3; do
	cmp "$D/seed/content.bin" "$D/leech$b/content.bin" || fail "buyer $b's file differs"
done
ok "3 buyers finished in $(($(date +%s) - t0)) s, each file byte-identical"
wrong=0
for b in 1 2 3; do
	n=$(grep -c "we got wrong piece" "$D/leech$b.log" || true)
	wrong=$((wrong + n))
done
[ "$wrong" -gt 0 ] || fail "no buyer received a bad piece (the test proves nothing)"
ok "aria2c logged $wrong pieces failing the hash check, e.g. '$(grep -h -m1 -o 'CUID#[0-9]* - we got wrong piece.*' "$D"/leech*.log | head -1)'"

# --- peer_reports: bad_piece rows against the bad seeder, by the buyers
reporters() { q "SELECT count(DISTINCT reporter) FROM peer_reports WHERE kind = 'bad_piece' AND offender = 'evil-seeder'"; }
wait_for 10 sh -c "[ \"\$(psql -X -qAt -c \"SELECT count(DISTINCT reporter) >= 2 FROM peer_reports WHERE kind = 'bad_piece'\")\" = t ]" ||
	{ q "SELECT * FROM peer_reports"; grep -h "wrong piece" "$D"/leech*.log | head; fail "fewer than 2 reporters in peer_reports"; }
ok "peer_reports: $(q "SELECT count(*) FROM peer_reports WHERE kind = 'bad_piece'") bad_piece row(s), $(reporters) distinct reporters"
expect_eq "offenders in bad_piece rows" \
	"$(q "SELECT string_agg(DISTINCT offender, ',') FROM peer_reports WHERE kind = 'bad_piece'")" evil-seeder
bad_reps=$(q "SELECT count(*) FROM peer_reports WHERE kind = 'bad_piece' AND reporter NOT IN ('buyer-1', 'buyer-2', 'buyer-3')")
expect_eq "reports from anyone but the buyers" "$bad_reps" 0
expect_eq "evidence address of every report" \
	"$(q "SELECT string_agg(DISTINCT (evidence->>'ip') || ':' || (evidence->>'port'), ',') FROM peer_reports WHERE kind = 'bad_piece'")" \
	"127.0.0.1:$BAD_PORT"
expect_eq "reports with a piece index and count >= 1" \
	"$(q "SELECT bool_and((evidence->>'piece')::int >= 0 AND (evidence->>'count')::int >= 1 AND tracker_id = '$TRK_ID') FROM peer_reports WHERE kind = 'bad_piece'")" t

# --- the bad seeder is refused, with the reason; honest peers are not
REASON="refused: sent pieces that failed the hash check"
reason() { announce "$@" | sed -n 's/^d14:failure reason[0-9]*:\(.*\)8:retry in.*/\1/p'; }
expect_eq "announce with the bad seeder's token" \
	"$(PEER_ID_HEX=$(printf '%024x' 7) LEFT=0 reason "$BAD_TOK" "$IH")" "$REASON"
wait_for 10 grep -q "$REASON" "$D/bad.log" ||
	fail "the bad seeder's own aria2c was not refused: $(grep -i 'failure\|tracker' "$D/bad.log" | tail -3)"
ok "the bad seeder's aria2c was told: $(grep -o "failure reason: $REASON" "$D/bad.log" | head -1)"
out=$(PEER_ID_HEX=$(printf '%024x' 8) reason "$BUYER1_TOK" "$IH")
expect_eq "a buyer's announce refused" "$out" ""
peers_hex=$(PEER_ID_HEX=$(printf '%024x' 8) PEER_PORT=7001 announce "$BUYER1_TOK" "$IH" | xxd -p | tr -d '\n')
bad_hex=$(printf '7f000001%04x' "$BAD_PORT")
[[ $peers_hex != *"$bad_hex"* ]] || fail "the bad seeder is still handed out in peer lists"
seed_port=$(grep -o 'tcpPort=[0-9]*' "$D/seed.log" | head -1 | cut -d= -f2)
[[ $peers_hex == *"$(printf '7f000001%04x' "$seed_port")"* ]] ||
	fail "the honest seeder (port $seed_port) is not in the peer list: $peers_hex"
ok "peer list for a buyer has the honest seeder (port $seed_port), not the bad one ($BAD_PORT)"
expect_eq "honest seeder's announce refused" \
	"$(PEER_ID_HEX=$(printf '%024x' 9) LEFT=0 reason "$SEED_TOK" "$IH")" ""
expect_eq "reports about the honest seeder" \
	"$(q "SELECT count(*) FROM peer_reports WHERE offender = 'publisher-1'")" 0
[ "$(metric p2pcd_tracker_tamper_refused_announces_total)" -ge 2 ] ||
	fail "refused announces metric: $(metric p2pcd_tracker_tamper_refused_announces_total)"
ok "metrics: $(metric 'p2pcd_tracker_tamper_reports_total{result="accepted"}') report(s) accepted, $(metric p2pcd_tracker_tamper_refused_announces_total) announce(s) refused, $(metric p2pcd_tracker_tamper_refused_subjects) subject(s) refused"
admin GET /tamper | python3 -c '
import json, sys
j = json.load(sys.stdin)
o = [x for x in j["offenders"] if x["subject"] == "evil-seeder"]
assert j["refused"] == 1 and len(o) == 1 and o[0]["refused"] and o[0]["reporters"] >= 2, j
' || fail "admin GET /tamper: $(admin GET /tamper)"
ok "admin GET /tamper: $(admin GET /tamper)"
stop_pid "$SEED_PID" INT
stop_pid "$BAD_PID" INT

# --- the endpoint's refusals (curl as a client), JSON with a status
report() { # report TOKEN BODY [curl options]: prints "STATUS BODY"
	local tok=$1 body=$2
	shift 2
	curl -sS --max-time 5 -o "$D/rep.out" -w '%{http_code}' "$@" \
		--data-binary "$body" "http://127.0.0.1:$TRK_PORT/report/$tok"
	printf ' %s' "$(cat "$D/rep.out")"
}
expect_report() { # WHAT WANT-STATUS WANT-SUBSTRING TOKEN BODY [curl options]
	local what=$1 st=$2 want=$3 got
	shift 3
	got=$(report "$@")
	[[ $got == "$st "*"$want"* ]] || fail "$what: got '$got', want '$st ...$want...'"
	ok "$what: $got"
}
B9=$(mint "$IH" --role leech --sub buyer-9)
GOOD_BODY="info_hash=$IH&ip=127.0.0.1&port=$seed_port&piece=1"
# buyer-9 must be a peer for a self-report
PEER_ID_HEX=$(printf '%024x' 99) PEER_PORT=7099 announce "$B9" "$IH" | grep -q 5:peers ||
	fail "buyer-9 not admitted"
FORGED=${B9%?}$([ "${B9: -1}" = A ] && echo B || echo A)
expect_report "forged token" 403 "invalid admission token" "$FORGED" "$GOOD_BODY"
expect_report "no token" 403 "token missing" "" "$GOOD_BODY"
expect_report "peer not in the swarm" 422 '"unknown_peer"' "$B9" \
	"info_hash=$IH&ip=10.9.8.7&port=4444"
expect_report "self-report" 422 '"self_report"' "$B9" \
	"info_hash=$IH&ip=127.0.0.1&port=7099"
expect_report "malformed body (bad ip)" 400 '"reason":"bad ip' "$B9" \
	"info_hash=$IH&ip=300.1.1.1&port=1"
expect_report "malformed body (no port)" 400 "missing port" "$B9" "info_hash=$IH&ip=127.0.0.1"
expect_report "malformed body (binary)" 400 '"error":"malformed"' "$B9" $'\x01\xff&&=&info_hash=%zz'
expect_report "oversized body" 413 '"too_large"' "$B9" "$GOOD_BODY&pad=$(head -c 2000 /dev/zero | tr '\0' a)"
got=$(curl -sS --max-time 5 -o "$D/rep.out" -w '%{http_code}' "http://127.0.0.1:$TRK_PORT/report/$B9")
[[ $got == 405 ]] && grep -q method_not_allowed "$D/rep.out" || fail "GET /report: $got $(cat "$D/rep.out")"
ok "GET /report: 405 $(cat "$D/rep.out")"
OTHER=$(printf '%040d' 5)
expect_report "report about another swarm" 403 "another torrent" "$B9" \
	"info_hash=$OTHER&ip=127.0.0.1&port=$seed_port"
# rate limit: burst 10 per reporter (2 spent above on well-formed reports
# with a good token), unknown peers count too; 30 a minute refill
n=0
got=
while [ $n -lt 20 ]; do
	n=$((n + 1))
	got=$(curl -sS --max-time 5 -D - -o /dev/null --data-binary "info_hash=$IH&ip=10.0.0.$n&port=1" \
		"http://127.0.0.1:$TRK_PORT/report/$B9" | tr -d '\r')
	[[ $got == *"HTTP/1.1 429"* ]] && break
done
[[ $got == *"HTTP/1.1 429"* && $got == *"Retry-After: "* ]] || fail "no 429 with Retry-After after $n reports: $got"
[ "$n" -ge 8 ] && [ "$n" -le 10 ] || fail "429 after $n more reports (burst 10, 2 spent)"
ok "report $((n + 2)) of one reporter in a burst: 429, $(grep -o 'Retry-After: [0-9]*' <<<"$got")"
expect_eq "reports about publisher-1 after all that" \
	"$(q "SELECT count(*) FROM peer_reports WHERE offender = 'publisher-1'")" 0
kill -0 "$TRK_PID" || fail "tracker died"

# --- restart: the refused set is rebuilt from peer_reports
trk_stop "$TRK_PID"
trk_start "$D"
wait_for 10 grep -q "tamper: .* loaded, 1 subject(s) refused" "$D/tracker.log" ||
	fail "no tamper load line: $(grep tamper "$D/tracker.log" | tail -3)"
expect_eq "bad seeder after a restart" \
	"$(PEER_ID_HEX=$(printf '%024x' 7) LEFT=0 reason "$BAD_TOK" "$IH")" "$REASON"

# --- admin clear: admitted again, and still after a restart
got=$(admin POST /tamper/evil-seeder/clear)
[[ $got == *'"was_refused":true'* ]] || fail "clear: $got"
ok "admin POST /tamper/evil-seeder/clear: $got"
[[ $(admin POST /tamper/nobody/clear) == *"no reports"* ]] || fail "clear of an unknown subject"
PEER_ID_HEX=$(printf '%024x' 7) LEFT=0 announce "$BAD_TOK" "$IH" | grep -q 5:peers ||
	fail "cleared subject still refused"
ok "cleared subject admitted again"
wait_for 10 sh -c "[ \"\$(psql -X -qAt -c \"SELECT count(*) FROM peer_report_clearances WHERE offender = 'evil-seeder'\")\" = 1 ]" ||
	fail "clearance not stored"
trk_stop "$TRK_PID"
trk_start "$D"
wait_for 10 sh -c "[ \$(grep -c 'tamper: .* loaded, 0 subject(s) refused' '$D/tracker.log') -ge 2 ]" ||
	fail "no second tamper load: $(grep 'tamper:' "$D/tracker.log")"
PEER_ID_HEX=$(printf '%024x' 7) LEFT=0 announce "$BAD_TOK" "$IH" | grep -q 5:peers ||
	fail "cleared subject refused again after a restart"
ok "after a restart the clearance holds (evidence kept: $(q "SELECT count(*) FROM peer_reports WHERE kind = 'bad_piece'") rows)"

# a clean stop; with TRK_BUILD=asan, no sanitizer report (leaks included)
trk_stop "$TRK_PID"
! grep -E 'AddressSanitizer|LeakSanitizer|runtime error' "$D/tracker.log" ||
	fail "sanitizer report in the tracker's log"
ok "tracker stopped cleanly ($TRK_BUILD build)"
