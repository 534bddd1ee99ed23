#!/usr/bin/env bash
# 51-module-publish: the p2pcd module as the IMS AS for content injection
# (SIP PUBLISH, Event p2pcd-content, RFC 3903), against the packaged
# Kamailio (kamailio-cfg/as.cfg) and a throwaway PostgreSQL. sipp scenario
# tests/sip/publish.xml with bodies from tests/sip/pubbody.py (private v1
# torrents): every answer (200, 400, 403, 409, 412, 413, 415, 423, 489,
# 503), the stored rows, tracker choice, refresh, withdrawal, expiry, and
# RPC (tracker_mute, tracker_list) changing what SIP answers. Bodies over
# 64 KB (a 100 MB content's torrent; the 413) go over TCP with
# tests/sip/tcp-publish.py: sipp 3.6 cannot send them.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
echo "51-module-publish"

for tool in kamailio kamcmd sipp python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

pg_start
as_build

q "INSERT INTO trackers (id, announce_url, state, last_seen, peers) VALUES
	('trk-a', 'http://127.0.0.1:7001/announce', 'active', now(), 50),
	('trk-b', 'http://127.0.0.1:7002/announce', 'active', now(), 3),
	('trk-c', 'http://127.0.0.1:7003/announce', 'active',
		now() - interval '1 hour', 0),
	('trk-d', 'http://127.0.0.1:7004/announce', 'muted', now(), 0);
INSERT INTO publishers (impu, enabled, pre_review) VALUES
	('sip:pub@ims.test', true, false),
	('sip:off@ims.test', false, false),
	('sip:rev@ims.test', true, true)" >/dev/null

as_start -A P2PCD_MAX_PUBLISH_BODY=200000 -A P2PCD_RETRY_AFTER=9

B=$AS_TMP/bodies
mkdir -p "$B"
body() { # body NAME SEED [pubbody.py options]: $B/NAME.json, $B/NAME.ih
	local name=$1 seed=$2
	shift 2
	python3 "$TOP/tests/sip/pubbody.py" "$seed" --ih-out "$B/$name.ih" "$@" \
		>"$B/$name.json"
}
PAI='P-Asserted-Identity: <sip:pub@ims.test>'
PCV='P-Charging-Vector: icid-value=pub-0001;orig-ioi=ims.test'
NOHDR='X-Unused: 1'
# pub WHAT WANT BODYFILE [sipp -key overrides first...]
pub() {
	local what=$1 want=$2 file=$3
	shift 3
	expect_sip "$what" "$want" publish "$@" -key event p2pcd-content \
		-key expires 3600 -key hdr1 "$PAI" -key hdr2 "$PCV" \
		-key hdr3 "$NOHDR" -key ctype application/json \
		-key body "$(cat "$file" 2>/dev/null)"
}
acq() { # acq WHAT WANT DOI
	expect_sip "$1" "$2" message -s "$3" \
		-key hdr1 'P-Asserted-Identity: <sip:bob@ims.test>' \
		-key hdr2 'P-Charging-Vector: icid-value=buy-1' \
		-key ctype application/json -key body ""
}
CONTENT_RE='<sip:([^@>]+)@content\.test>;purpose=p2pcd-content'
GRANT_RE='<https://access\.test/grants/([A-Za-z0-9_-]{22})>;purpose=p2pcd-grant'

# --- a publication: 200, SIP-ETag, Expires, grant and content URI
body ok1 s1 --title "Große Oper" --price 250
pub "publication" 200 "$B/ok1.json"
etag=$(sip_hdr SIP-ETag)
[[ $etag =~ ^[A-Za-z0-9_-]{22}$ ]] || fail "SIP-ETag '$etag'"
expect_eq "Expires" "$(sip_hdr Expires)" 3600
ci=$(sip_hdr Call-Info)
[[ $ci =~ $GRANT_RE ]] || fail "Call-Info '$ci' lacks the grant"
gid=${BASH_REMATCH[1]}
[[ $ci =~ $CONTENT_RE ]] || fail "Call-Info '$ci' lacks the content URI"
doi=${BASH_REMATCH[1]}
[[ $doi =~ ^10\.9999/p2pcd\.[a-z2-7]{12}$ ]] || fail "DOI '$doi'"
ok "SIP-ETag $etag, seed grant $gid, content URI sip:$doi@content.test"
row=$(q "SELECT title, state, tracker_id, publisher, price_cents, size_bytes,
	encode(info_hash, 'hex'), etag, rights::text FROM content WHERE doi = '$doi'")
expect_eq "content row" "$row" \
	"Große Oper	active	trk-b	sip:pub@ims.test	250	100000	$(cat "$B/ok1.ih")	$etag	{\"play\": \"PT24H\", \"copies\": 1}"
t=$(python3 -c 'import json,sys,base64; b=json.load(open(sys.argv[1]))["torrent"];
print(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)).hex())' "$B/ok1.json")
expect_eq "stored torrent is the published one" \
	"$(q "SELECT encode(torrent, 'hex') = '$t' FROM torrents WHERE doi = '$doi'")" t
expect_eq "sealed key stored" \
	"$(q "SELECT length(sealed_key) FROM content_keys WHERE doi = '$doi'")" 80
expect_eq "seed grant" "$(q "SELECT role, impu FROM grants WHERE id = '$gid'")" \
	$'seed\tsip:pub@ims.test'
adm=$(grant_token "$gid" adm)
out=$(python3 "$TOP/tests/sip/tokcheck.py" "$AS_MASTER" "$adm") ||
	fail "seed admission token does not verify"
want=$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]);
print(c["aud"], c["role"], c["doi"], c["ih"], c["icid"])' "$(sed -n 2p <<<"$out")")
expect_eq "seed admission token" "$want" "trk-b seed $doi $(cat "$B/ok1.ih") pub-0001"
acq "buying the new content at once" 200 "$doi"

# --- refusals
pub "Event presence" 489 "$B/ok1.json" -key event presence
expect_eq "Allow-Events" "$(sip_hdr Allow-Events)" p2pcd-content
body ok2 s2
expect_sip "untrusted source" 403 publish -i 127.0.0.2 -key event p2pcd-content \
	-key expires 3600 -key hdr1 "$PAI" -key hdr2 "$PCV" -key hdr3 "$NOHDR" \
	-key ctype application/json -key body "$(cat "$B/ok2.json")"
pub "identity not a publisher" 403 "$B/ok2.json" \
	-key hdr1 'P-Asserted-Identity: <sip:mallory@ims.test>'
pub "disabled publisher" 403 "$B/ok2.json" \
	-key hdr1 'P-Asserted-Identity: <sip:off@ims.test>'
pub "no asserted identity" 403 "$B/ok2.json" -key hdr1 "$NOHDR"
body pubt s3 --public
pub "public torrent (private=1 missing)" 400 "$B/pubt.json"
body nonc s4 --noncanonical
pub "non-canonical bencode" 400 "$B/nonc.json"
body short s5 --pieces-short
pub "pieces not matching the size" 400 "$B/short.json"
body plen s6 --plen 1000
pub "piece length not a power of two" 400 "$B/plen.json"
body notor s7 --no-torrent
pub "no torrent" 400 "$B/notor.json"
echo '{"title": "x",' >"$B/bad.json"
pub "body not JSON" 400 "$B/bad.json"
pub "no body" 400 /dev/null
pub "text/plain body" 415 "$B/ok2.json" -key ctype text/plain
expect_eq "Accept" "$(sip_hdr Accept)" application/json
body big s8 --pad 210000
out=$(python3 "$TOP/tests/sip/tcp-publish.py" "$AS_PORT" "$B/big.json" \
	sip:pub@ims.test) || fail "tcp-publish.py: $out"
[[ $out == "SIP/2.0 413 "* ]] || fail "body over max_publish_body: $out"
ok "body over max_publish_body (TCP): SIP 413"
pub "Expires below min_expires" 423 "$B/ok2.json" -key expires 10
expect_eq "Min-Expires" "$(sip_hdr Min-Expires)" 60
pub "the same torrent again" 409 "$B/ok1.json"
body blk s9
q "INSERT INTO blocklist (kind, value, reason) VALUES
	('info_hash', decode('$(cat "$B/blk.ih")', 'hex'), 'test')" >/dev/null
pub "blocklisted info-hash" 403 "$B/blk.json"
expect_eq "refused publications stored nothing" \
	"$(q "SELECT count(*) FROM content")" 1

# --- publication over TCP; pre-review publisher: pending, not for sale
expect_sip "publication over TCP" 200 publish -t t1 -key event p2pcd-content \
	-key expires 3600 -key hdr1 "$PAI" -key hdr2 "$PCV" -key hdr3 "$NOHDR" \
	-key ctype application/json -key body "$(cat "$B/ok2.json")"
# a 100 MB content's torrent: a 160 KB body (raw TCP client: sipp 3.6
# cannot send that much over TCP)
python3 "$TOP/tests/sip/pubbody.py" s14 --size 100000000 >"$B/large.json"
out=$(python3 "$TOP/tests/sip/tcp-publish.py" "$AS_PORT" "$B/large.json" \
	sip:pub@ims.test) || fail "tcp-publish.py: $out"
[[ $out == "SIP/2.0 200 OK"* ]] || fail "large publication over TCP: $out"
ok "publication with a $(wc -c <"$B/large.json")-byte body over TCP: SIP 200"
body rev s10
pub "publisher with pre_review" 200 "$B/rev.json" \
	-key hdr1 'P-Asserted-Identity: <sip:rev@ims.test>'
[[ $(sip_hdr Call-Info) =~ $CONTENT_RE ]]
rdoi=${BASH_REMATCH[1]}
expect_eq "pre-reviewed content state" \
	"$(q "SELECT state FROM content WHERE doi = '$rdoi'")" pending
acq "buying pending content" 404 "$rdoi"

# --- refresh (SIP-If-Match), 412, withdrawal (Expires: 0)
pub "refresh" 200 /dev/null -key hdr3 "SIP-If-Match: $etag" -key expires 600
etag2=$(sip_hdr SIP-ETag)
[ -n "$etag2" ] && [ "$etag2" != "$etag" ] || fail "refresh gave no new SIP-ETag"
expect_eq "refresh Expires" "$(sip_hdr Expires)" 600
pub "refresh with the old entity tag" 412 /dev/null -key hdr3 "SIP-If-Match: $etag"
pub "refresh by another publisher" 412 /dev/null -key hdr3 "SIP-If-Match: $etag2" \
	-key hdr1 'P-Asserted-Identity: <sip:rev@ims.test>'
pub "withdrawal" 200 /dev/null -key hdr3 "SIP-If-Match: $etag2" -key expires 0
expect_eq "withdrawal Expires" "$(sip_hdr Expires)" 0
expect_eq "withdrawn content state" "$(q "SELECT state FROM content WHERE doi = '$doi'")" removed
acq "buying withdrawn content" 410 "$doi"
pub "withdrawal again" 412 /dev/null -key hdr3 "SIP-If-Match: $etag2" -key expires 0

# --- expiry: a publication not refreshed in time is withdrawn by the timer
[[ $(q "SELECT doi FROM content WHERE state = 'active' LIMIT 1") =~ ^(.+)$ ]]
tdoi=${BASH_REMATCH[1]}
q "UPDATE content SET expires = now() - interval '1 second' WHERE doi = '$tdoi'" >/dev/null
wait_for 5 bash -c "[ \"\$(psql -X -qAt -c \"SELECT state FROM content WHERE doi = '$tdoi'\")\" = removed ]" ||
	fail "an expired publication was not withdrawn"
ok "expired publication withdrawn by the timer"

# --- RPC: trackers
rpc p2pcd.tracker_list | grep -q 'id: trk-c' || fail "p2pcd.tracker_list"
ok "p2pcd.tracker_list"
expect_eq "p2pcd.tracker_mute trk-b" "$(rpc p2pcd.tracker_mute trk-b)" muted
body ok3 s11
pub "publication with trk-b muted" 200 "$B/ok3.json"
[[ $(sip_hdr Call-Info) =~ $CONTENT_RE ]]
expect_eq "tracker chosen instead" \
	"$(q "SELECT tracker_id FROM content WHERE doi = '${BASH_REMATCH[1]}'")" trk-a
rpc p2pcd.tracker_mute trk-a >/dev/null
body ok4 s12
pub "no live tracker" 503 "$B/ok4.json"
expect_eq "Retry-After" "$(sip_hdr Retry-After)" 9
expect_eq "p2pcd.tracker_unmute trk-b" "$(rpc p2pcd.tracker_unmute trk-b)" active
pub "publication after tracker_unmute" 200 "$B/ok4.json"

# --- database down
body ok5 s13
pg_stop
pub "database down" 503 "$B/ok5.json"
pg_restart
pub "database back" 200 "$B/ok5.json"

stats=$(rpc stats.get_statistics p2pcd:)
for s in "publishes = 7" "refreshes = 1" "withdrawals = 1" "refused_bad_event = 1" \
	"refused_not_publisher = 2" "refused_blocklisted = 1" "refused_conflict = 1" \
	"refused_etag = 3" "refused_media_type = 1" "refused_too_large = 1" \
	"no_live_tracker = 1" "db_unavailable = 1"; do
	grep -q "^p2pcd:$s\$" <<<"$stats" || { echo "$stats" >&2; fail "statistic $s"; }
done
ok "statistics p2pcd: publishes, refreshes, withdrawals, refusals"

as_log_errors 'db_postgres|srdb1|db_query\.c|p2pcd_db\.c|connection|server closed'
as_stop
echo "51-module-publish: PASS"
