#!/usr/bin/env bash
# 50-module-acquire: the p2pcd module as the IMS AS for content acquisition
# (SIP MESSAGE), against the packaged Kamailio (kamailio-cfg/as.cfg) and a
# throwaway PostgreSQL with the project's migrations. sipp scenarios in
# tests/sip/ for every answer; the stored rows checked by SQL; tokens
# verified with an independent HKDF/HMAC implementation (tests/sip/
# tokcheck.py); RPC through kamcmd changing what SIP answers; the database
# stopped and restarted (503 with Retry-After, nothing charged, recovery).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
echo "50-module-acquire"

for tool in kamailio kamcmd sipp python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

pg_start
as_build
ok "module built without warnings"

q "INSERT INTO trackers (id, announce_url, state, last_seen, peers)
	VALUES ('trk-1', 'http://127.0.0.1:6969/announce', 'active', now(), 5);
INSERT INTO publishers (impu) VALUES ('sip:pub@ims.test');
INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
	tracker_id, publisher, price_cents, currency, rights) VALUES
 ('10.9999/t.one', 'One', decode(repeat('11', 20), 'hex'),
	decode(repeat('a1', 16), 'hex'), 1000, 'active', 'trk-1',
	'sip:pub@ims.test', 150, 'EUR', '{\"play\": \"PT24H\"}'),
 ('10.9999/t.two', 'Two', decode(repeat('12', 20), 'hex'),
	decode(repeat('a2', 16), 'hex'), 1000, 'active', 'trk-1',
	'sip:pub@ims.test', 99, 'EUR', '{}'),
 ('10.9999/t.muted', 'Muted', decode(repeat('13', 20), 'hex'),
	decode(repeat('a3', 16), 'hex'), 1000, 'muted', 'trk-1',
	'sip:pub@ims.test', 10, 'EUR', '{}'),
 ('10.9999/t.gone', 'Gone', decode(repeat('14', 20), 'hex'),
	decode(repeat('a4', 16), 'hex'), 1000, 'removed', 'trk-1',
	'sip:pub@ims.test', 10, 'EUR', '{}')" >/dev/null

as_start -A P2PCD_RETRY_AFTER=7 "${AS_V6[@]}"

PAI='P-Asserted-Identity: "Alice" <sip:alice@ims.test>'
PCV='P-Charging-Vector: icid-value="icid-0001";icid-generated-at=192.0.2.1;orig-ioi=ims.test'
NOHDR='X-Unused: 1'
# acq WHAT WANT DOI [sipp -key overrides...] (sipp keeps the first -key of
# a name: the overrides go first)
acq() {
	local what=$1 want=$2 doi=$3
	shift 3
	expect_sip "$what" "$want" message -s "$doi" "$@" -key hdr1 "$PAI" \
		-key hdr2 "$PCV" -key ctype application/json -key body ""
}
charges() { q "SELECT count(*) FROM charging_records"; }
# p2pcd_stat NAME: the value of the statistic p2pcd:NAME
p2pcd_stat() {
	rpc stats.get_statistics p2pcd: | sed -n "s/^p2pcd:$1 = //p"
}
# one_200_each FILE WHAT: every request in udp-burst.py's output FILE was
# answered 200, exactly once
one_200_each() {
	awk '$2 != 200 || $3 != 1 { print "request " $1 ": " $2 ", " $3 " answers";
		bad = 1 } END { exit bad }' "$1" >&2 ||
		fail "$2: not every request had one answer 200"
}
GRANT_RE='^<https://access\.test/grants/([A-Za-z0-9_-]{22})>;purpose=p2pcd-grant$'

# --- success: 200, Call-Info grant reference, no body, rows, tokens
acq "acquisition" 200 10.9999/t.one
ci=$(sip_hdr Call-Info)
[[ $ci =~ $GRANT_RE ]] || fail "Call-Info '$ci' is not a grant reference"
gid=${BASH_REMATCH[1]}
ok "Call-Info carries grant $gid"
expect_eq "Content-Length of the 200" "$(sip_hdr Content-Length)" 0
row=$(q "SELECT r.icid, r.orig_ioi, r.impu, r.doi, r.amount_cents, r.currency,
	g.role, g.impu, length(r.request_id) FROM charging_records r
	JOIN grants g ON g.id = r.grant_id WHERE r.grant_id = '$gid'")
expect_eq "charging record + grant" "$row" \
	$'icid-0001\tims.test\tsip:alice@ims.test\t10.9999/t.one\t150\tEUR\tleech\tsip:alice@ims.test\t16'
sub=$(q "SELECT subject FROM grants WHERE id = '$gid'")
[[ $sub =~ ^p-[A-Za-z0-9_-]{22}$ ]] || fail "subject '$sub' is not a pseudonym"
ok "token subject is a pseudonym ($sub), not the IMPU"
exp=$(q "SELECT round(extract(epoch FROM expires - created) / 3600) FROM grants WHERE id = '$gid'")
expect_eq "grant lifetime (hours)" "$exp" 24

adm=$(grant_token "$gid" adm)
lic=$(grant_token "$gid" lic)
out=$(python3 "$TOP/tests/sip/tokcheck.py" "$AS_MASTER" "$adm") ||
	fail "admission token MAC does not verify: $out"
hdr=$(sed -n 1p <<<"$out")
cl=$(sed -n 2p <<<"$out")
expect_eq "admission token header" "$hdr" \
	'{"alg": "HS256", "kid": "trk-1:v1", "typ": "p2pcd-adm+jwt"}'
want=$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]);
print(c["iss"], c["aud"], c["sub"] == sys.argv[2], c["jti"] == sys.argv[3],
c["ih"], c["doi"], c["role"], c["icid"], c["exp"] - c["iat"], c["nbf"] == c["iat"])' \
	"$cl" "$sub" "$gid")
expect_eq "admission token claims" "$want" \
	"p2pcd-as trk-1 True True 1111111111111111111111111111111111111111 10.9999/t.one leech icid-0001 86400 True"
out=$(python3 "$TOP/tests/sip/tokcheck.py" "$AS_MASTER" "$lic") ||
	fail "license token MAC does not verify: $out"
want=$(python3 -c 'import json,sys; h=json.loads(sys.argv[1]); c=json.loads(sys.argv[2]);
print(h["typ"], h["kid"], c["aud"], c["kids"], c["rights"], c["doi"], c["sub"] == sys.argv[3])' \
	"$(sed -n 1p <<<"$out")" "$(sed -n 2p <<<"$out")" "$sub")
expect_eq "license token" "$want" \
	"p2pcd-lic+jwt license:v1 license ['oaGhoaGhoaGhoaGhoaGhoQ'] {'play': 'PT24H'} 10.9999/t.one True"
key=$(rpc p2pcd.key_derive trk-1 | sed -n 's/^[[:space:]]*key: //p')
want=$(python3 -c 'import hmac,hashlib,sys
m=bytes.fromhex(sys.argv[1]); prk=hmac.new(b"p2pcd-jws-v1",m,hashlib.sha256).digest()
print(hmac.new(prk,b"p2pcd/jws/trk-1/v1\x01",hashlib.sha256).hexdigest())' "$AS_MASTER")
expect_eq "p2pcd.key_derive trk-1 (the tracker's verifying key)" "$key" "$want"

# --- the same buyer again (new Call-ID): a second purchase, a new grant
acq "second purchase (new Call-ID)" 200 10.9999/t.one
[[ $(sip_hdr Call-Info) =~ $GRANT_RE ]] && [ "${BASH_REMATCH[1]}" != "$gid" ] ||
	fail "a new request got the same grant"
expect_eq "charging records" "$(charges)" 2

# --- exactly once: retransmission and repeat of one request
n0=$(charges)
expect_sip "MESSAGE, its retransmission, its repeat" "200 200 200" \
	message-repeat -s 10.9999/t.two -key hdr1 "$PAI" -key hdr2 "$PCV"
gids=$(sip_hdr Call-Info | sort -u)
[ "$(wc -l <<<"$gids")" = 1 ] && [[ $gids =~ $GRANT_RE ]] ||
	fail "the three answers carry different grants: $gids"
expect_eq "rows charged for the three" "$(($(charges) - n0))" 1
expect_eq "grants for t.two" "$(q "SELECT count(*) FROM grants WHERE doi = '10.9999/t.two'")" 1

# two sipp processes at once send the same request (the same Call-ID via
# -cid_str, CSeq and identity), each with its own Via branch: both 200,
# one grant, one row.
# -nr: no sipp retransmissions (a duplicate 200 can make sipp re-send its
# request forever; loopback does not lose datagrams).
n0=$(charges)
for i in 1 2 3; do
	cid="race-$i-$$-$RANDOM"
	pids=()
	for t in a b; do
		(cd "$AS_TMP" && timeout 30 sipp "127.0.0.1:$AS_PORT" -nr \
			-sf "$TOP/tests/sip/message.xml" -m 1 -s 10.9999/t.two \
			-cid_str "$cid-%u" -key hdr1 "$PAI" -key hdr2 "$PCV" \
			-key ctype application/json -key body "" -recv_timeout 8000 \
			-timeout 20 -timeout_error -nostdin -trace_msg \
			-message_file "$AS_TMP/race-$i$t.trace" \
			>"$AS_TMP/race-$i$t.log" 2>&1) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail "race $i: a sipp call failed ($(tail -n 3 "$AS_TMP"/race-$i?.log))"
	done
	SIP_TRACE=$AS_TMP/race-${i}a.trace
	ga=$(sip_hdr Call-Info | sort -u)
	SIP_TRACE=$AS_TMP/race-${i}b.trace
	gb=$(sip_hdr Call-Info | sort -u)
	[[ $ga =~ $GRANT_RE ]] && [ "$ga" = "$gb" ] ||
		fail "the same request twice at once (race $i): answers '$ga' and '$gb'"
	ok "the same request from two clients at once (race $i): both 200, one grant"
done
expect_eq "rows charged for three racing pairs" "$(($(charges) - n0))" 3

# --- many at once: the queued acquisitions are committed in batches
n0=$(charges)
(cd "$AS_TMP" && timeout 60 sipp "127.0.0.1:$AS_PORT" \
	-sf "$TOP/tests/sip/message-load.xml" -s 10.9999/t.one -r 500 -m 600 \
	-l 600 -recv_timeout 10000 -timeout 40 \
	-timeout_error -nostdin >"$AS_TMP/sipp-load.log" 2>&1) || {
	tail -n 20 "$AS_TMP/sipp-load.log" >&2
	fail "600 MESSAGEs at 500/s: not all answered 200"
}
ok "600 MESSAGEs at 500/s, new Call-IDs: every one answered 200"
expect_eq "rows, distinct grants, distinct request ids, distinct buyers" \
	"$(q "SELECT count(*), count(DISTINCT grant_id), count(DISTINCT request_id),
		count(DISTINCT impu) FROM charging_records WHERE icid LIKE 'load-%'")" \
	$'600\t600\t600\t600'
expect_eq "grants of the load" "$(q "SELECT count(*) FROM grants g JOIN
	charging_records r ON r.grant_id = g.id WHERE r.icid LIKE 'load-%'
	AND g.role = 'leech' AND g.doi = '10.9999/t.one'")" 600

# --- refusals: nothing charged
n0=$(charges)
expect_sip "untrusted source (127.0.0.2), PAI ignored" 403 message \
	-s 10.9999/t.one -i 127.0.0.2 -key hdr1 "$PAI" -key hdr2 "$PCV" \
	-key ctype application/json -key body ""
acq "trusted source, no P-Asserted-Identity" 403 10.9999/t.one -key hdr1 "$NOHDR"
acq "unknown content" 404 10.9999/t.nothing
acq "muted content" 410 10.9999/t.muted
acq "removed content" 410 10.9999/t.gone
acq "body that is not JSON" 400 10.9999/t.one -key body '{"max_price_cents": '
acq "body that is not an object" 400 10.9999/t.one -key body '[1, 2]'
acq "body over max_message_body" 413 10.9999/t.one \
	-key body "{\"x\": \"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
acq "body of another media type" 415 10.9999/t.one -key ctype text/plain \
	-key body hello
expect_eq "415 names what is accepted" "$(sip_hdr Accept)" application/json
acq "price above max_price_cents" 403 10.9999/t.one -key body '{"max_price_cents": 100}'
acq "price within max_price_cents" 200 10.9999/t.one -key body '{"max_price_cents": 150}'
expect_eq "rows charged by the refusals (1 for the last 200)" "$(($(charges) - n0))" 1

# --- RPC changes what SIP answers
expect_eq "p2pcd.mute" "$(rpc p2pcd.mute 10.9999/t.one)" muted
acq "after p2pcd.mute" 410 10.9999/t.one
expect_eq "muted in the database" "$(q "SELECT state FROM content WHERE doi = '10.9999/t.one'")" muted
expect_eq "p2pcd.unmute" "$(rpc p2pcd.unmute 10.9999/t.one)" active
acq "after p2pcd.unmute" 200 10.9999/t.one
rpc p2pcd.content_show 10.9999/t.one | grep -q 'cached_state: active' ||
	fail "p2pcd.content_show lacks the cached state"
ok "p2pcd.content_show"
[ "$(rpc p2pcd.content_list | grep -c 'doi:')" = 4 ] || fail "p2pcd.content_list"
ok "p2pcd.content_list lists 4 items"
# a mute by plain SQL is authoritative at once (the statement re-checks)
q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/t.two'" >/dev/null
acq "after an SQL mute (cache not yet reloaded)" 410 10.9999/t.two
# new content by plain SQL: the timer reloads the cache within seconds
q "INSERT INTO content (doi, title, info_hash, kid, size_bytes, tracker_id,
	publisher) VALUES ('10.9999/t.new', 'New', decode(repeat('15', 20), 'hex'),
	decode(repeat('a5', 16), 'hex'), 5, 'trk-1', 'sip:pub@ims.test')" >/dev/null
wait_for 5 bash -c "kamcmd -s unix:$AS_SOCK p2pcd.content_show 10.9999/t.new | grep -q 'cached_state: active'" ||
	fail "the cache timer did not load content inserted by SQL"
ok "cache timer loaded content inserted by SQL"
acq "content inserted by SQL" 200 10.9999/t.new
expect_eq "p2pcd.reload" "$(rpc p2pcd.reload)" 5

# --- key rotation: new tokens carry the next version
v=$(rpc p2pcd.key_rotate 99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa)
expect_eq "p2pcd.key_rotate" "$v" 2
rpc p2pcd.key_show | grep -q 'previous_version: 1' || fail "p2pcd.key_show"
expect_eq "signing_keys after the rotation" "$(q "SELECT string_agg(audience ||
	':v' || version || ':' || state || ':' || length(fingerprint), ' '
	ORDER BY version, audience) FROM signing_keys")" \
	"license:v1:previous:8 trk-1:v1:previous:8 license:v2:current:8 trk-1:v2:current:8"
fp=$(python3 -c 'import hmac,hashlib,sys
m=bytes.fromhex(sys.argv[1]); prk=hmac.new(b"p2pcd-jws-v1",m,hashlib.sha256).digest()
k=hmac.new(prk,b"p2pcd/jws/trk-1/v2\x01",hashlib.sha256).digest()
print(hashlib.sha256(k).hexdigest()[:16])' 99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa)
expect_eq "signing_keys fingerprint of trk-1:v2" "$(q "SELECT encode(fingerprint, 'hex')
	FROM signing_keys WHERE audience = 'trk-1' AND version = 2")" "$fp"
acq "acquisition after the rotation" 200 10.9999/t.new
[[ $(sip_hdr Call-Info) =~ $GRANT_RE ]]
adm=$(grant_token "${BASH_REMATCH[1]}" adm)
out=$(python3 "$TOP/tests/sip/tokcheck.py" \
	99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa "$adm") ||
	fail "token after rotation does not verify under the new master"
grep -q '"kid": "trk-1:v2"' <<<"$out" || fail "token kid after rotation: $out"
sub2=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sub"])' "$(sed -n 2p <<<"$out")")
expect_eq "pseudonym stable across rotations" "$sub2" "$sub"

# --- database down: 503 + Retry-After, nothing charged; then recovery
n0=$(charges)
pg_stop
acq "database down" 503 10.9999/t.new
expect_eq "Retry-After" "$(sip_hdr Retry-After)" 7
pg_restart
expect_eq "rows charged while the database was down" "$(($(charges) - n0))" 0
acq "database back" 200 10.9999/t.new
expect_eq "rows charged after recovery" "$(($(charges) - n0))" 1

# --- IPv6: ::1 is in trusted_scscf (127.0.0.1/32,::1/128)
if [ ${#AS_V6[@]} -gt 0 ]; then
	SIP_DEST='[::1]'
	acq "acquisition over IPv6 from a trusted address" 200 10.9999/t.new -i ::1
	SIP_DEST=127.0.0.1
	expect_eq "charged over IPv6" "$(($(charges) - n0))" 2
	nacq=12
else
	echo "  skip: no IPv6 on this host (::1), IPv6 checks not run"
	nacq=11
fi

# --- retransmissions while the commit waits: absorbed, answered once.
# Acquisitions are stateless (no tm transaction): a retransmission of a
# request still queued or committing is dropped by the in-flight set and
# the one answer reaches it. A table lock holds the commit for 2.5 s while
# sipp retransmits (T1 = 500 ms: at 0.5, 1.5 s).
n0=$(charges)
a0=$(p2pcd_stat retransmissions_absorbed)
psql -X -q -c "BEGIN; LOCK TABLE charging_records IN EXCLUSIVE MODE;
	SELECT pg_sleep(2.5); COMMIT" >/dev/null &
lockpid=$!
sleep 0.3
cid="held-$$-$RANDOM"
(cd "$AS_TMP" && timeout 30 sipp "127.0.0.1:$AS_PORT" \
	-sf "$TOP/tests/sip/message.xml" -m 1 -s 10.9999/t.one \
	-cid_str "$cid-%u" -key hdr1 "$PAI" -key hdr2 "$PCV" \
	-key ctype application/json -key body "" -recv_timeout 10000 \
	-timeout 20 -timeout_error -nostdin -trace_msg \
	-message_file "$AS_TMP/held.trace" >"$AS_TMP/held.log" 2>&1) ||
	fail "the held MESSAGE did not get its 200 (see $AS_TMP/held.log)"
wait "$lockpid"
sent=$(grep -c "^MESSAGE sip:" "$AS_TMP/held.trace")
[ "$sent" -ge 3 ] || fail "sipp sent the MESSAGE $sent times, not retransmitted"
a1=$(p2pcd_stat retransmissions_absorbed)
expect_eq "retransmissions absorbed (of $((sent - 1)) sent)" "$((a1 - a0))" "$((sent - 1))"
expect_eq "answers 200 to the held request" "$(grep -c "^SIP/2.0 200" "$AS_TMP/held.trace")" 1
expect_eq "rows charged for it" "$(($(charges) - n0))" 1

# --- statistics
# repeats: the repeat and its retransmission after the answer (it runs
# again: same grant, nothing charged), and one of each racing pair
stats=$(rpc stats.get_statistics p2pcd:)
for s in "acquisitions = $((600 + nacq + 1))" "acquisition_repeats = 5" "refused_untrusted = 1" \
	"refused_no_identity = 1" "refused_unknown = 1" "refused_muted = 4" \
	"refused_malformed = 2" "refused_too_large = 1" "refused_media_type = 1" \
	"refused_price = 1" "db_unavailable = 1"; do
	grep -q "^p2pcd:$s\$" <<<"$stats" || { echo "$stats" >&2; fail "statistic $s"; }
done
ok "statistics p2pcd: count acquisitions and refusals by reason"

# --- the answer built by the module (reply_batch, the default: the SIP
# worker builds the head, the batch sends it by sendmmsg) against sl's for
# the same request, sent again below to an AS with reply_batch 0: the same
# lines (the same grant, rport), apart from their order and the to-tag's
# value (sl's tags start with a hash of the listening sockets, which
# changed, and sl in the async worker hashes only the headers parsed)
ucid="udp-$$-$RANDOM"
uans=$("$TOP/tests/sip/udp-message.py" "$AS_PORT" 10.9999/t.one "$ucid" 0) ||
	fail "no answer to the UDP MESSAGE"
uport=$(head -n 1 <<<"$uans")
uans=$(tail -n +2 <<<"$uans")
[[ $(head -n 1 <<<"$uans") = "SIP/2.0 200 OK" ]] &&
	[[ $(sed -n 's/^Call-Info: //p' <<<"$uans") =~ $GRANT_RE ]] &&
	grep -q "^Via: .*;rport=$uport;" <<<"$uans" &&
	grep -q "^To: .*;tag=." <<<"$uans" ||
	fail "the UDP MESSAGE's answer: $uans"
ok "the answer from the reply's head: 200, Call-Info, rport, to-tag"

as_log_errors 'db_postgres|srdb1|db_query\.c|p2pcd_db\.c|connection|server closed'
as_stop

# --- group commit (batch_wait, batch_siblings): under load a batch starts
# batch_wait after the previous one, so a burst is committed in a few big
# batches; a lone request after an idle moment is not held. A 300 ms wait
# (under T1, so no retransmissions) makes both visible: the burst's 200
# MESSAGEs arrive within 0.2 s; without the wait they make about 60 batches.
# reply_batch 0: the answers go through sl (compared at the end).
as_start -A P2PCD_BATCH_WAIT=300000 -A P2PCD_BATCH_SIBLINGS=2 \
	-A P2PCD_REPLY_BATCH=0
b0=$(p2pcd_stat batches)
n0=$(charges)
id0=$(q "SELECT coalesce(max(id), 0) FROM charging_records")
(cd "$AS_TMP" && timeout 60 sipp "127.0.0.1:$AS_PORT" \
	-sf "$TOP/tests/sip/message-load.xml" -s 10.9999/t.one -r 1000 -m 200 \
	-l 200 -recv_timeout 10000 -timeout 40 -cid_str "gc-%u-%p@%s" \
	-timeout_error -nostdin >"$AS_TMP/sipp-gc.log" 2>&1) || {
	tail -n 20 "$AS_TMP/sipp-gc.log" >&2
	fail "200 MESSAGEs at 1000/s with group commit: not all answered 200"
}
expect_eq "rows charged for the burst of 200" "$(($(charges) - n0))" 200
nb=$(($(p2pcd_stat batches) - b0))
[ "$nb" -le 12 ] || fail "the burst of 200 took $nb batches (group commit: at most 12)"
ok "the burst of 200 was committed in $nb batches"
# one transaction per batch: a batch statement that failed would have run
# its jobs one by one, still charging each once
expect_eq "transactions that charged the burst (one per batch)" \
	"$(q "SELECT count(DISTINCT xmin::text) FROM charging_records
		WHERE id > $id0")" "$nb"
sleep 1 # idle: the drainer found the queue empty
(cd "$AS_TMP" && timeout 30 sipp "127.0.0.1:$AS_PORT" \
	-sf "$TOP/tests/sip/message-load.xml" -s 10.9999/t.one -m 1 \
	-recv_timeout 10000 -timeout 20 -timeout_error -nostdin -trace_rtt \
	-rtt_freq 1 >"$AS_TMP/sipp-lone.log" 2>&1) ||
	fail "the lone MESSAGE was not answered 200"
rtt=$(awk -F';' 'NR > 1 && $2 != "" { v = $2 } END { print v }' \
	"$AS_TMP"/message-load_*_rtt.csv)
awk -v r="$rtt" 'BEGIN { exit !(r != "" && r + 0 < 250) }' ||
	fail "the lone MESSAGE after an idle moment waited $rtt ms (batch_wait 300 ms)"
ok "a lone MESSAGE after an idle moment is not held for batch_wait ($rtt ms)"
n0=$(charges)
sans=$("$TOP/tests/sip/udp-message.py" "$AS_PORT" 10.9999/t.one "$ucid" "$uport") ||
	fail "no answer to the UDP MESSAGE sent again"
sans=$(tail -n +2 <<<"$sans")
untag() { sed 's/^\(To: .*;tag=\)[^;]*/\1TAG/' <<<"$1" | sort; }
[ "$(untag "$uans")" = "$(untag "$sans")" ] ||
	fail "the module's answer and sl's differ: $(diff <(untag "$uans") <(untag "$sans"))"
expect_eq "rows charged for the request sent again" "$(($(charges) - n0))" 0
ok "the module's answer has the lines sl gives the same request"
as_stop

# --- a full queue (queue_max 4): a new acquisition is answered 503 with
# Retry-After at once and charged nothing; a retransmission of a queued one
# is absorbed, not refused, and its request is answered once, 200. The
# first request commits alone, then the drainer waits batch_wait (300 ms)
# before the next batch: the second wave, 100 ms later, finds it waiting,
# and the retransmission 50 ms after that finds request 2 queued. One SIP
# worker, so that the requests are queued in the order sent (with two, the
# retransmission could overtake request 2 itself).
as_start -A P2PCD_QUEUE_MAX=4 -A P2PCD_BATCH_WAIT=300000 \
	-A P2PCD_BATCH_SIBLINGS=1 -A P2PCD_CHILDREN=1
n0=$(charges)
o0=$(p2pcd_stat overload)
a0=$(p2pcd_stat retransmissions_absorbed)
"$TOP/tests/sip/udp-burst.py" "$AS_PORT" 10.9999/t.one "full-$$" \
	1 +100 12 +50 r2 >"$AS_TMP/full.ans" || fail "udp-burst.py failed"
awk '$3 != 1 { print "request " $1 ": " $3 " final answers"; bad = 1 }
	END { exit bad }' "$AS_TMP/full.ans" >&2 ||
	fail "a request of the full-queue burst had not exactly one answer"
read -r n200 n503 nra <<<"$(awk '$2 == 200 { a++ } $2 == 503 { b++ }
	$2 == 503 && $4 == 5 { c++ } END { print a + 0, b + 0, c + 0 }' \
	"$AS_TMP/full.ans")"
expect_eq "answers 200 with the queue full after 4 (request 1 commits alone)" \
	"$n200" 5
expect_eq "answers 503 Retry-After: 5 to the rest" "$n503:$nra" "8:8"
expect_eq "request 2, retransmitted while queued, answered" \
	"$(awk '$1 == 2 { print $2 }' "$AS_TMP/full.ans")" 200
expect_eq "its retransmission absorbed" "$(($(p2pcd_stat retransmissions_absorbed) - a0))" 1
expect_eq "overload count" "$(($(p2pcd_stat overload) - o0))" 8
expect_eq "rows charged: the 200s only" "$(($(charges) - n0))" 5
as_stop

# --- the answers of a batch to one address leave in one UDP GSO send
# (reply_gso, the default), each padded to the longest with spaces after
# "Content-Length:"; with reply_gso 0 by sendmmsg(). Request 1 commits
# alone, the next 24 arrive 100 ms later and wait for the next batch
# (batch_wait 300 ms): the answers of 20 go together, those of the 4 with
# a 1500-byte second Via (longer than a GSO segment may be) one by one.
# udp-burst.py fails on a datagram that is not one whole message.
for gso in 1 0; do
	as_start -A P2PCD_BATCH_WAIT=300000 -A P2PCD_BATCH_SIBLINGS=1 \
		-A P2PCD_REPLY_GSO=$gso
	n0=$(charges)
	g0=$(p2pcd_stat answers_gso)
	"$TOP/tests/sip/udp-burst.py" "$AS_PORT" 10.9999/t.one "gso$gso-$$" \
		1 +100 10 2L 10 2L >"$AS_TMP/gso.ans" ||
		fail "reply_gso $gso: an answer was not one whole message"
	one_200_each "$AS_TMP/gso.ans" "reply_gso $gso"
	expect_eq "reply_gso $gso: rows charged" "$(($(charges) - n0))" 25
	expect_eq "reply_gso $gso: answers sent by GSO" \
		"$(($(p2pcd_stat answers_gso) - g0))" $((gso * 20))
	as_log_errors
	as_stop
done
ok "a batch's answers to one address: one GSO send (reply_gso 1), sendmmsg (0)"

# --- a batch's values reach PostgreSQL as the text[] arrays of a prepared
# statement: icid-values with a quote, a double quote and a backslash, and
# no orig-ioi in every second request (NULL elements among the values),
# stored byte-exact. Request 1 commits alone, the next 12 in one batch.
# Then the AS's database sessions are cut (the prepared statements go
# with them): the next batch still charges each request once, and the one
# after it runs as a batch again, with no failed statement (one async
# worker: every batch goes through the same session).
as_start -A P2PCD_BATCH_WAIT=300000 -A P2PCD_BATCH_SIBLINGS=1 \
	-A P2PCD_ASYNC=1 -A P2PCD_BATCH_WORKERS=1
META=$'m\'e"t\\a'
failed() { grep -c "database statement failed" "$AS_TMP/kamailio.log" || true; }
for step in arrays reconnected prepared-again; do
	n0=$(charges)
	b0=$(p2pcd_stat batches)
	f0=$(failed)
	BURST_ICID="$META.$step" "$TOP/tests/sip/udp-burst.py" "$AS_PORT" \
		10.9999/t.one "arr-$step-$$" 1 +100 12 >"$AS_TMP/arr.ans" ||
		fail "$step: udp-burst.py failed"
	one_200_each "$AS_TMP/arr.ans" "$step"
	expect_eq "$step: rows charged" "$(($(charges) - n0))" 13
	expect_eq "$step: batches (1, then 12)" "$(($(p2pcd_stat batches) - b0))" 2
	expect_eq "$step: icid byte-exact, orig-ioi NULL in the even requests" \
		"$(q "SELECT count(*) FILTER (WHERE orig_ioi IS NULL),
			count(*) FILTER (WHERE orig_ioi = 'ims.test'),
			count(*) FILTER (WHERE icid = \$m\$$META.$step-8\$m\$)
			FROM charging_records WHERE starts_with(icid, \$m\$$META.$step-\$m\$)")" \
		$'6\t7\t1'
	# the request id is the SHA-256 of Call-ID, CSeq, DOI and identity,
	# its first 16 bytes (kept as they were before 0009): request 1 went
	# alone, request 8 in the batch
	for k in 1 8; do
		expect_eq "$step: request $k's id" "$(q "SELECT encode(request_id, 'hex')
			FROM charging_records WHERE icid = \$m\$$META.$step-$k\$m\$")" \
			"$(printf 'arr-%s-%s-%s\n1\nMESSAGE\n10.9999/t.one\nsip:burst-%s@ims.test' \
				"$step" $$ $k $k | sha256sum | cut -c1-32)"
	done
	[ "$step" = reconnected ] || [ "$(failed)" = "$f0" ] || {
		grep -B2 -A2 "database statement failed" "$AS_TMP/kamailio.log" >&2
		fail "$step: $(($(failed) - f0)) failed statements (above)"
	}
	if [ "$step" = arrays ]; then
		q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = 'p2pcd' AND pid <> pg_backend_pid()" >/dev/null
	fi
done
as_stop
ok "batches as prepared text[] arrays: byte-exact, NULLs, prepared again after a reconnect"

# --- the AS's plans read charging_records by its key, though they are
# made once per session while the table is small (as here): no sequential
# scan of it while batches and single acquisitions run. The AS's sessions
# report their scans when they end (as_stop), and nothing else queries
# the database meanwhile.
seqscans() {
	q "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'charging_records'"
}
s0=$(seqscans)
as_start -A P2PCD_BATCH_WAIT=300000 -A P2PCD_BATCH_SIBLINGS=1
"$TOP/tests/sip/udp-burst.py" "$AS_PORT" 10.9999/t.one "plan-$$" \
	1 +100 12 +400 12 +400 1 >"$AS_TMP/plan.ans" || fail "udp-burst.py failed"
as_stop
one_200_each "$AS_TMP/plan.ans" "plans"
expect_eq "sequential scans of charging_records by the AS" \
	"$(($(seqscans) - s0))" 0

# --- a path MTU below the answers' length (400 bytes, a tunnel's say):
# the kernel refuses a GSO send of segments that do not fit (EINVAL), and
# the AS sends that batch's answers by sendmmsg() (IP fragments); every
# answer arrives. The buyers sit in a network namespace of this test
# behind a veth pair.
ns=p2pcd-gso-$$ va=p2g$$a vb=p2g$$b sub=10.251.$(($$ % 250))
ip netns add "$ns"
on_exit "ip netns del '$ns' 2>/dev/null; ip link del '$va' 2>/dev/null"
ip link add "$va" mtu 400 type veth peer name "$vb" mtu 400
ip link set "$vb" netns "$ns"
ip addr add "$sub.1/30" dev "$va"
ip link set "$va" up
ip netns exec "$ns" ip addr add "$sub.2/30" dev "$vb"
ip netns exec "$ns" ip link set "$vb" up
as_start -A P2PCD_BATCH_WAIT=300000 -A P2PCD_BATCH_SIBLINGS=1 \
	-A "P2PCD_ADDR6=\"$sub.1\"" \
	-A "P2PCD_TRUSTED=\"127.0.0.1/32,::1/128,$sub.2/32\""
n0=$(charges)
g0=$(p2pcd_stat answers_gso)
BURST_HOST=$sub.1 BURST_SOURCE=$sub.2 ip netns exec "$ns" \
	"$TOP/tests/sip/udp-burst.py" "$AS_PORT" 10.9999/t.one "mtu-$$" \
	1 +100 20 >"$AS_TMP/mtu.ans" ||
	fail "MTU 400: an answer was not one whole message"
one_200_each "$AS_TMP/mtu.ans" "MTU 400"
expect_eq "MTU 400: rows charged" "$(($(charges) - n0))" 21
expect_eq "MTU 400: answers sent by GSO" "$(($(p2pcd_stat answers_gso) - g0))" 0
as_log_errors
as_stop
ok "a path MTU below the answers: GSO refused, the answers sent by sendmmsg()"

# --- a schema before 0009 (text request ids): the module writes bytea
# request ids, so it refuses to start on charging_records version 1
q "UPDATE version SET table_version = 1 WHERE table_name = 'charging_records'" >/dev/null
mv -f "$AS_TMP/kamailio.log" "$AS_TMP/kamailio.log.prev"
if _as_start_once; then
	fail "the module started on charging_records version 1"
fi
grep -q "invalid version 1 for table charging_records found, expected 2" \
	"$AS_TMP/kamailio.log" || {
	tail -n 8 "$AS_TMP/kamailio.log" >&2
	fail "no table version error in the log (above)"
}
q "UPDATE version SET table_version = 2 WHERE table_name = 'charging_records'" >/dev/null
ok "refused to start on an older charging_records (version 1)"
echo "50-module-acquire: PASS"
