#!/usr/bin/env bash
# Security requirement 4 (issue 7, DESIGN.md 7.4): illegal content, each
# refusal path against the real lab (PostgreSQL, edge proxy, AS with the
# module, p2pcd-tracker with its announce, license and index roles), with
# the real client through the edge (p2pcd publish / buy / sip), each next
# to a positive control:
#   - PUBLISH by an identity not in publishers: 403 Not A Publisher;
#   - a disabled publisher: 403 (the same identity published while enabled);
#   - a blocklisted info-hash at injection: 403 Blocklisted Content (the
#     same PUBLISH is accepted once the row is gone);
#   - a blocklisted fingerprint (SHA-256 of the plaintext, computed by
#     p2pcd publish) at injection: 403 (accepted once the row is gone);
#   - a publisher with pre_review: the content is pending, not on the
#     index, a buyer gets SIP 404 (nothing charged); a moderator sets it
#     active by SQL and the same buyer buys, downloads and decrypts it;
#   - a fingerprint, and an info-hash, blocklisted after injection: the
#     license service refuses the key at its registration (451
#     unavailable_for_legal_reasons; the key stays unregistered, no audit
#     row), mutes the content (so a new purchase gets 410 and the tracker
#     refuses the buyer's re-announce), and refuses every later license
#     too, also of a key registered before the blocklisting.
# Instant mute by kamcmd p2pcd.mute (SIP 410, refused re-announce, no
# license) is tests/suites/91-e2e.sh.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/lab.sh"

lab_start sec-content
ok "lab started"
RPC=(kamcmd -s "unix:$LAB_DIR/as/ctl.sock")
TRK_LOG=$LAB_DIR/tracker-1/tracker.log
D=$LAB_DIR/t
mkdir -p "$D"
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
export P2PCD_PROXY=127.0.0.2:$LAB_EDGE_PORT P2PCD_DOMAIN=ims.test \
	P2PCD_CA_FILE=$CA P2PCD_INDEX=$INDEX \
	P2PCD_LICENSE_KEY=$LAB_DIR/secrets/license-x25519.pub P2PCD_PROGRESS=lines
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# carol publishes under pre-review, dave is a publisher (disabled later);
# bob is only a subscriber (lab/subscribers.sql makes alice the publisher)
sql "INSERT INTO publishers (impu, display_name, pre_review) VALUES
	('sip:carol@ims.test', 'Carol (reviewed)', true),
	('sip:dave@ims.test', 'Dave', false)"

# publish AS NAME [options]: p2pcd publish --no-seed of a new 1 MiB file
# $D/NAME/NAME.bin by user AS; exit status, stderr in $D/NAME/err
publish() {
	local who=$1 name=$2 rc=0
	shift 2
	mkdir -p "$D/$name"
	[ -f "$D/$name/$name.bin" ] || head -c $((1 << 20)) /dev/urandom >"$D/$name/$name.bin"
	P2PCD_USER=$who P2PCD_PASSWORD=$who "$BIN/p2pcd" publish \
		"$D/$name/$name.bin" --title "$name" --dir "$D/$name" --force --json \
		"$@" >"$D/$name/pub.json" 2>"$D/$name/err" || rc=$?
	return $rc
}
refused_publish() { # refused_publish WHAT WANT-REASON AS NAME
	local rc=0
	publish "$3" "$4" --no-seed || rc=$?
	expect_eq "$1: p2pcd publish exit status" "$rc" 1
	grep -q "$2" "$D/$4/err" && ok "$1: $(cat "$D/$4/err")" ||
		fail "$1: want '$2' in: $(cat "$D/$4/err")"
}
content_of() { sql "SELECT count(*) FROM content WHERE publisher = '$1'"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# a seeding publication with the shortest lifetime, refreshed while the
# checks below run (p2pcd publish refreshes at half of Expires: 30 s)
publish alice refresh --expires 60 --seed-time 34 &
refresh_pid=$!

# --- who may publish -------------------------------------------------------
publish alice ctl --no-seed || { cat "$D/ctl/err"; fail "alice's publish"; }
expect_eq "positive control: alice (a publisher) published; state" \
	"$(sql "SELECT state FROM content WHERE doi = '$(js "$D/ctl/pub.json" doi)'")" active
# --no-seed still leaves the seeder's tokenized torrent for a later seeder
ctl_torrent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["torrent"])' "$D/ctl/"*.publication.json)
expect_eq "the --no-seed state's torrent has the registered info-hash" \
	"$("$TOP/build/release/bin/p2pcd-mint-token" infohash "$ctl_torrent")" \
	"$(js "$D/ctl/pub.json" info_hash)"
refused_publish "bob, not in publishers" "Not A Publisher (403)" bob bob1
expect_eq "content published by bob" "$(content_of sip:bob@ims.test)" 0
publish dave dave1 --no-seed || { cat "$D/dave1/err"; fail "dave's publish while enabled"; }
ok "positive control: dave published while enabled"
sql "UPDATE publishers SET enabled = false WHERE impu = 'sip:dave@ims.test'"
refused_publish "dave, a disabled publisher" "Not A Publisher (403)" dave dave2
expect_eq "content published by dave" "$(content_of sip:dave@ims.test)" 1

# --- the blocklist at injection -------------------------------------------
# an info-hash: a known torrent re-injected (p2pcd publish encrypts under
# a new key, so each of its torrents is new: the PUBLISH body is made by
# tests/sip/pubbody.py and sent through the edge by p2pcd sip)
python3 "$TOP/tests/sip/pubbody.py" known-torrent --title "Known torrent" \
	--ih-out "$D/known.ih" >"$D/known.json"
KNOWN_IH=$(cat "$D/known.ih")
sql "INSERT INTO blocklist (kind, value, reason) VALUES
	('info_hash', decode('$KNOWN_IH', 'hex'), 'test: known illegal torrent')"
sippub() { # the PUBLISH of $D/known.json by alice: "STATUS REASON"
	P2PCD_USER=alice P2PCD_PASSWORD=alice "$BIN/p2pcd" sip PUBLISH \
		sip:alice@ims.test --header 'Event: p2pcd-content' \
		--header 'Expires: 3600' --content-type application/json \
		--body "$D/known.json" --json >"$D/sip.json" 2>"$D/sip.err" || true
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["status"], j["reason"])' "$D/sip.json" ||
		cat "$D/sip.err" >&2
}
expect_eq "PUBLISH of a torrent whose info-hash is blocklisted" "$(sippub)" \
	"403 Blocklisted Content"
expect_eq "content with the blocklisted info-hash" \
	"$(sql "SELECT count(*) FROM content WHERE info_hash = decode('$KNOWN_IH', 'hex')")" 0
sql "DELETE FROM blocklist WHERE kind = 'info_hash' AND value = decode('$KNOWN_IH', 'hex')"
expect_eq "positive control: the same PUBLISH without the blocklist row" "$(sippub)" "200 OK"
# a fingerprint: the SHA-256 of the plaintext that p2pcd publish sends
mkdir -p "$D/fp"
head -c $((1 << 20)) /dev/urandom >"$D/fp/fp.bin"
FP=$(sha "$D/fp/fp.bin")
sql "INSERT INTO blocklist (kind, value, reason) VALUES
	('fingerprint', decode('$FP', 'hex'), 'test: known illegal file')"
refused_publish "a file whose fingerprint is blocklisted" "Blocklisted Content (403)" alice fp
expect_eq "content with the blocklisted fingerprint" \
	"$(sql "SELECT count(*) FROM content WHERE fingerprint = decode('$FP', 'hex')")" 0
sql "DELETE FROM blocklist WHERE kind = 'fingerprint' AND value = decode('$FP', 'hex')"
publish alice fp --no-seed || { cat "$D/fp/err"; fail "the same file without the blocklist row"; }
expect_eq "positive control: the same file without the blocklist row: its stored fingerprint" \
	"$(sql "SELECT encode(fingerprint, 'hex') FROM content WHERE doi = '$(js "$D/fp/pub.json" doi)'")" "$FP"

# --- pre-review: pending until a moderator activates it --------------------
# carol publishes and seeds (a seeder is admitted to a pending swarm)
PIDS=()
seed_bg() { # seed_bg AS NAME: publish and keep seeding in the background
	mkdir -p "$D/$2"
	head -c $((1 << 20)) /dev/urandom >"$D/$2/$2.bin"
	P2PCD_USER=$1 P2PCD_PASSWORD=$1 setsid "$BIN/p2pcd" publish "$D/$2/$2.bin" \
		--title "$2" --dir "$D/$2" --json >"$D/$2/pub.json" 2>"$D/$2/err" &
	PIDS+=($!)
	on_exit "kill -INT $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for 30 test -s "$D/$2/pub.json" || { cat "$D/$2/err"; fail "$1's publish of $2"; }
}
buy() { # buy AS NAME: p2pcd buy of NAME's content by AS; exit status
	local rc=0
	mkdir -p "$D/$1-$2"
	P2PCD_USER=$1 P2PCD_PASSWORD=$1 timeout 60 "$BIN/p2pcd" buy \
		"$(js "$D/$2/pub.json" content_uri)" --dir "$D/$1-$2" \
		--out "$D/$1-$2/$2.bin" --keystore "$D/$1-$2/keys.json" \
		--seed-time 0 --json >"$D/$1-$2/buy.json" 2>"$D/$1-$2/err" || rc=$?
	return $rc
}
charged() { sql "SELECT count(*) FROM charging_records WHERE doi = '$1'"; }
seed_bg carol rev
RDOI=$(js "$D/rev/pub.json" doi)
RURI=$(js "$D/rev/pub.json" content_uri)
expect_eq "carol's (pre_review) content state" "$(sql "SELECT state FROM content WHERE doi = '$RDOI'")" pending
listed() { curl -fsS --cacert "$CA" "$INDEX/content.json" | grep -qF "\"$1\""; }
listed "$(js "$D/ctl/pub.json" doi)" && ok "positive control: the index lists alice's active content" ||
	fail "the index does not list alice's active content"
listed "$RDOI" && fail "the index lists pending content $RDOI"
"$BIN/p2pcd" list | grep -qF "$RURI" && fail "p2pcd list shows pending content"
ok "the pending content is not on the index (content.json, p2pcd list)"
rc=0
buy bob rev || rc=$?
expect_eq "bob buys pending content: p2pcd buy exit status" "$rc" 1
grep -q '404' "$D/bob-rev/err" && ok "the AS answers 404 for pending content: $(head -1 "$D/bob-rev/err")" ||
	fail "no 404 in: $(cat "$D/bob-rev/err")"
expect_eq "charging records for the pending content" "$(charged "$RDOI")" 0
expect_eq "leech grants for the pending content" \
	"$(sql "SELECT count(*) FROM grants WHERE doi = '$RDOI' AND role = 'leech'")" 0
# the moderator: SQL (there is no RPC from pending to active); the AS's
# cache timer (cache_interval 1 s) picks the change up
sql "UPDATE content SET state = 'active' WHERE doi = '$RDOI' AND state = 'pending'"
cached_active() { "${RPC[@]}" p2pcd.content_show "$RDOI" | grep -q 'cached_state: active'; }
wait_for 5 cached_active || fail "the AS's cache did not see the activation"
ok "a moderator activated $RDOI by SQL; the AS's cache has it active"
listed "$RDOI" && ok "the index lists it now" || fail "the index does not list the activated content"
buy bob rev || { cat "$D/bob-rev/err"; fail "bob's purchase of the activated content"; }
cmp -s "$D/rev/rev.bin" "$D/bob-rev/rev.bin" || fail "bob's copy differs"
ok "positive control: bob bought, downloaded and decrypted the activated content (identical)"
has_key() { "$BIN/p2pcd" keys list --keystore "$D/$1/keys.json" 2>/dev/null | grep -qi "$2"; }
has_key bob-rev "$(js "$D/rev/pub.json" kid)" &&
	ok "positive control: bob's keystore has its key" || fail "bob's keystore lacks the key"
expect_eq "charging records for it" "$(charged "$RDOI")" 1

# --- a fingerprint blocklisted after injection: no key at registration ----
seed_bg alice late
LDOI=$(js "$D/late/pub.json" doi)
LKID=$(js "$D/late/pub.json" kid)
LIH=$(js "$D/late/pub.json" info_hash)
expect_eq "the new content's state" "$(sql "SELECT state FROM content WHERE doi = '$LDOI'")" active
sql "INSERT INTO blocklist (kind, value, reason) VALUES
	('fingerprint', decode('$(sha "$D/late/late.bin")', 'hex'), 'test: found illegal after injection')"
ok "its fingerprint is blocklisted after the injection"
rc=0
buy bob late || rc=$?
expect_eq "bob buys it: p2pcd buy exit status" "$rc" 1
grep -q '451: the content is blocklisted' "$D/bob-late/err" && ok "bob gets no key: $(grep 451 "$D/bob-late/err" | head -1)" ||
	fail "no 451 in: $(cat "$D/bob-late/err")"
[ -e "$D/bob-late/late.bin" ] && fail "a decrypted file exists"
has_key bob-late "$LKID" && fail "bob's keystore has the key"
ok "no decrypted file, no key in bob's keystore"
expect_eq "the key stays unregistered (wrapped_key, kek_version)" \
	"$(sql "SELECT coalesce(encode(wrapped_key, 'hex'), 'none') || ' ' || coalesce(kek_version::text, 'none') FROM content_keys WHERE kid = decode('$LKID', 'hex')")" \
	"none none"
expect_eq "licenses issued for it (audit rows)" \
	"$(sql "SELECT count(*) FROM license_audit WHERE doi = '$LDOI'")" 0
expect_eq "its state, set by the license service" "$(sql "SELECT state FROM content WHERE doi = '$LDOI'")" muted
grep -q "license: $LDOI is blocklisted (fingerprint): refused and muted" "$TRK_LOG" &&
	ok "tracker log: $(grep -o "license: $LDOI is blocklisted.*" "$TRK_LOG" | head -1)" ||
	fail "the license service's refusal is not in the tracker's log"
b64kid() { python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$1"; }
license() { # license GRANT-ID KID-HEX: "STATUS ERROR-CODE"
	local st
	st=$(curl -sS -o "$D/lic.out" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $(grant_token "$1" lic)" \
		-H 'Content-Type: application/json' \
		-d "{\"kids\":[\"$(b64kid "$2")\"],\"type\":\"temporary\"}" "$TRK/license")
	echo "$st $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error", "keys"))' "$D/lic.out" 2>/dev/null)"
}
BOB_GID=$(sql "SELECT id FROM grants WHERE doi = '$LDOI' AND impu = 'sip:bob@ims.test'")
expect_eq "a later license request with bob's grant" "$(license "$BOB_GID" "$LKID")" \
	"451 unavailable_for_legal_reasons"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$D/lic.out" |
	grep -q 'fingerprint is on the blocklist' && ok "its message: $(cat "$D/lic.out")" ||
	fail "message: $(cat "$D/lic.out")"
rc=0
buy carol late || rc=$?
expect_eq "carol buys it after the license service muted it: exit status" "$rc" 1
grep -q '410' "$D/carol-late/err" && ok "the AS answers 410: $(head -1 "$D/carol-late/err")" ||
	fail "no 410 in: $(cat "$D/carol-late/err")"
expect_eq "charging records for it (bob's only)" "$(charged "$LDOI")" 1
IHQ=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$LIH")
reannounce() {
	curl -sS "$TRK/announce/$(grant_token "$BOB_GID" adm)?info_hash=$IHQ&peer_id=-XX0001-sec000000001&port=6999&uploaded=0&downloaded=0&left=1&compact=1" |
		grep -q 'torrent muted'
}
wait_for 3 reannounce && ok "bob's re-announce is refused: torrent muted" ||
	fail "bob's re-announce is still admitted after the license service's mute"

# --- an info-hash blocklisted after injection; a key registered before -----
publish alice ihb --no-seed || { cat "$D/ihb/err"; fail "alice's publish"; }
IDOI=$(js "$D/ihb/pub.json" doi)
IKID=$(js "$D/ihb/pub.json" kid)
SEED_GID=$(sql "SELECT id FROM grants WHERE doi = '$IDOI' AND role = 'seed'")
registered() { sql "SELECT wrapped_key IS NOT NULL FROM content_keys WHERE kid = decode('$IKID', 'hex')"; }
sql "INSERT INTO blocklist (kind, value, reason) VALUES
	('info_hash', (SELECT info_hash FROM content WHERE doi = '$IDOI'), 'test')"
expect_eq "license of content whose info-hash was blocklisted after injection" \
	"$(license "$SEED_GID" "$IKID")" "451 unavailable_for_legal_reasons"
grep -q 'info-hash is on the blocklist' "$D/lic.out" && ok "its message: $(cat "$D/lic.out")" ||
	fail "message: $(cat "$D/lic.out")"
expect_eq "its key registered" "$(registered)" f
expect_eq "its state" "$(sql "SELECT state FROM content WHERE doi = '$IDOI'")" muted
# positive control: the same request once the row is gone (and unmuted)
sql "DELETE FROM blocklist WHERE kind = 'info_hash' AND value = (SELECT info_hash FROM content WHERE doi = '$IDOI')"
"${RPC[@]}" p2pcd.unmute "$IDOI" >/dev/null || fail "p2pcd.unmute"
expect_eq "positive control: the same license request without the blocklist row" \
	"$(license "$SEED_GID" "$IKID")" "200 keys"
expect_eq "its key registered" "$(registered)" t
# blocklisted again, with the key already registered: refused all the same
sql "INSERT INTO blocklist (kind, value, reason) VALUES
	('info_hash', (SELECT info_hash FROM content WHERE doi = '$IDOI'), 'test')"
expect_eq "license of blocklisted content whose key was registered before" \
	"$(license "$SEED_GID" "$IKID")" "451 unavailable_for_legal_reasons"
expect_eq "its state" "$(sql "SELECT state FROM content WHERE doi = '$IDOI'")" muted
expect_eq "licenses issued for it (the positive control only)" \
	"$(sql "SELECT count(*) FROM license_audit WHERE doi = '$IDOI'")" 1
m=$(curl -sS "http://127.0.0.1:$LAB_TRACKER_ADMIN_PORT/metrics" \
	-H "Authorization: Bearer $(cat "$LAB_DIR/secrets/admin.token")" |
	grep 'p2pcd_tracker_licenses_total{status="451"}' | awk '{print $2}')
expect_eq "p2pcd_tracker_licenses_total{status=\"451\"}" "$m" 4
ok "instant mute (SIP 410, refused re-announce, no license): tests/suites/91-e2e.sh"

# --- the refreshed publication ----------------------------------------------
wait "$refresh_pid" || { cat "$D/refresh/err"; fail "the refreshing publisher"; }
etag0=$(js "$D/refresh/pub.json" etag)
state=$(ls "$D/refresh/"*.publication.json)
etag1=$(js "$state" etag)
[ -n "$etag1" ] && [ "$etag1" != "$etag0" ] ||
	fail "the publication was not refreshed (entity tag still $etag0)"
expect_eq "the AS's entity tag after the refresh" \
	"$(sql "SELECT etag FROM content WHERE doi = '$(js "$D/refresh/pub.json" doi)'")" "$etag1"
ok "p2pcd publish refreshed its publication while seeding (SIP-If-Match $etag0 -> $etag1)"
