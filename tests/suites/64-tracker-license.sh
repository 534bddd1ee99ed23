#!/usr/bin/env bash
# The license service role of p2pcd-tracker (issue 5, DESIGN.md 5), ASan
# build, over real HTTP against a real PostgreSQL: content, sealed keys
# (p2pcd seal) and grants set up by SQL, license tokens from
# p2pcd-mint-token. A valid token gets a ClearKey JWK Set whose key
# decrypts (p2pcd decrypt --license-url); expired, forged, wrong-kid,
# muted, removed, grant-expired (replayed), malformed, oversized and
# wrong-method requests get their status; one audit row per license; the
# database never holds a clear key; p2pcd play through ffmpeg.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
TRK_BUILD=asan
. "$TOP/tests/tools/tracker-lib.sh"

command -v ffmpeg >/dev/null || fail "ffmpeg missing: run scripts/install-deps.sh"
trk_build
make -s -j2 -C "$TOP/client" BUILD=release >/dev/null || fail "build of p2pcd"
P=$TOP/build/release/bin/p2pcd
pg_start
mktemp_dir D trk-lic
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1
export P2PCD_KEYSTORE=$D/keystore
cd "$D"

# the license service's secrets: X25519 key pair and KEK
"$P" keygen --secret ls.key --public ls.pub >/dev/null
printf 'kek=%s\n' "$(openssl rand -hex 32)" >kek.key
chmod 600 kek.key
LIC_KEY=$(trk_key license 1)
TRK_ID=trk-lic
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_EXTRA="license = { enabled = true; threads = 2; secret_key_file = \"$D/ls.key\";
  kek_file = \"$D/kek.key\"; kek_version = 1; key = \"$LIC_KEY\"; key_version = 1; };" \
	trk_config "$D/tracker.conf"

# b64u2hex B64URL: the bytes of unpadded base64url, in hex
b64u2hex() {
	local s
	s=$(tr -- '-_' '+/' <<<"$1")
	while [ $((${#s} % 4)) != 0 ]; do s="$s="; done
	base64 -d <<<"$s" | od -An -v -tx1 | tr -d ' \n'
}
# register DOI FILE.key IH: content row and its sealed key, as the AS does
register() {
	local kid sealed
	kid=$(sed -n 's/^kid=//p' "$2")
	sealed=$("$P" seal --pub ls.pub --key-file "$2")
	q "INSERT INTO trackers (id, announce_url) VALUES ('$TRK_ID', 'http://x/announce') ON CONFLICT DO NOTHING;
	   INSERT INTO publishers (impu) VALUES ('sip:pub@test') ON CONFLICT DO NOTHING;
	   INSERT INTO content (doi, title, info_hash, kid, size_bytes, tracker_id, publisher)
	   VALUES ('$1', 'test', decode('$3', 'hex'), decode('$kid', 'hex'), 1, '$TRK_ID', 'sip:pub@test');
	   INSERT INTO content_keys (kid, doi, sealed_key) VALUES (decode('$kid', 'hex'), '$1',
	   decode('$(b64u2hex "$sealed")', 'hex'))" >/dev/null
}
# grant GID DOI [INTERVAL]: a grants row, as a purchase makes it
grant() {
	q "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires)
	   VALUES ('$1', '$2', 'sip:buyer@test', 'buyer-$1', 'leech', 'a', 'l',
	   now() + interval '${3:-1 hour}')" >/dev/null
}
# lic_token GID DOI KID-HEX... [-- extra mint options]
lic_token() {
	local gid=$1 doi=$2 a=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=(--kid "$1"); shift; done
	[ $# -gt 0 ] && shift
	"$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud license \
		--typ p2pcd-lic+jwt --jti "$gid" --doi "$doi" --sub "buyer-$gid" \
		--rights '{"play":"PT1H"}' "${a[@]}" "$@"
}
b64u() { xxd -r -p <<<"$1" | base64 | tr '+/' '-_' | tr -d '=\n'; }
URL=http://127.0.0.1:$TRK_PORT/license
# post TOKEN BODY [curl options]: status code; the body in resp.json
post() {
	local tok=$1 body=$2
	shift 2
	curl -sS --max-time 10 -o resp.json -w '%{http_code}' \
		${tok:+-H "Authorization: Bearer $tok"} \
		-H 'Content-Type: application/json' --data-binary "$body" "$@" "$URL"
}
req() { # req KID-HEX...: a ClearKey request
	local k out=""
	for k in "$@"; do out="$out${out:+,}\"$(b64u "$k")\""; done
	printf '{"kids":[%s],"type":"temporary"}' "$out"
}
expect_status() { # WHAT WANT GOT
	[ "$3" = "$2" ] || fail "$1: HTTP $3, want $2: $(cat resp.json)"
	ok "$1: HTTP $2 $(tr -d '\n' <resp.json | cut -c1-90)"
}

# content: a container (random file) and a cenc MP4
head -c 300007 /dev/urandom >in.bin
"$P" encrypt in.bin a.p2pcd >/dev/null
KID_A=$(sed -n 's/^kid=//p' a.p2pcd.key)
KEY_A=$(sed -n 's/^key=//p' a.p2pcd.key)
ffmpeg -hide_banner -loglevel error -nostdin -f lavfi \
	-i testsrc=duration=1:size=160x120:rate=25 -c:v libx264 -preset ultrafast clip.mp4
"$P" encrypt clip.mp4 clip.enc.mp4 >/dev/null
KID_M=$(sed -n 's/^kid=//p' clip.enc.mp4.key)
KEY_M=$(sed -n 's/^key=//p' clip.enc.mp4.key)
head -c 100 /dev/urandom >other.bin
"$P" encrypt other.bin b.p2pcd >/dev/null
KID_B=$(sed -n 's/^kid=//p' b.p2pcd.key)
IH_A=$(printf 'a%.0s' {1..40})
IH_M=$(printf 'b%.0s' {1..40})
IH_B=$(printf 'c%.0s' {1..40})
register 10.9999/a a.p2pcd.key "$IH_A"
register 10.9999/m clip.enc.mp4.key "$IH_M"
register 10.9999/b b.p2pcd.key "$IH_B"
GA=gaaaaaaaaaaaaaaaaaaaaa
GM=gmmmmmmmmmmmmmmmmmmmmm
grant "$GA" 10.9999/a
grant "$GM" 10.9999/m
trk_start "$D"
ok "ASan tracker with the license role running"

echo "--- valid licenses"
lic_token "$GA" 10.9999/a "$KID_A" >tok.a
"$P" decrypt a.p2pcd out.bin --license-url "$URL" --token-file tok.a ||
	fail "decrypt with a license from the service"
cmp in.bin out.bin || fail "decrypted container differs"
ok "p2pcd decrypt --license-url: the service's key decrypts the container"
"$P" keys list | grep -q "^$KID_A .* valid$" || fail "license not kept in the keystore"
code=$(post "$(cat tok.a)" "$(req "$KID_A")")
expect_status "raw ClearKey request" 200 "$code"
cat >jwks.py <<'PY'
import json, sys
j = json.load(open("resp.json"))
assert j["type"] == "temporary" and len(j["keys"]) == 1, j
k = j["keys"][0]
assert k == {"kty": "oct", "kid": sys.argv[1], "k": sys.argv[2]}, k
PY
python3 jwks.py "$(b64u "$KID_A")" "$(b64u "$KEY_A")" || fail "JWK Set: $(cat resp.json)"
ok "answer is a ClearKey JWK Set {keys:[{kty,kid,k}],type:temporary} with the right key"
expect_eq "content_keys.kek_version after registration" \
	"$(q "SELECT kek_version FROM content_keys WHERE kid = decode('$KID_A', 'hex')")" 1
expect_eq "wrapped_key length (container key)" \
	"$(q "SELECT length(wrapped_key) FROM content_keys WHERE kid = decode('$KID_A', 'hex')")" 77
ok "key registered lazily: wrapped under KEK v1 at the first license"

echo "--- refusals"
code=$(post "$(lic_token "$GA" 10.9999/a "$KID_A" -- --exp $(($(date +%s) - 120)))" "$(req "$KID_A")")
expect_status "expired token" 401 "$code"
tok=$(cat tok.a)
forged="${tok%.*}.$(printf 'A%.0s' {1..43})"
code=$(post "$forged" "$(req "$KID_A")")
expect_status "forged signature" 401 "$code"
other=$("$TRK_BIN/p2pcd-mint-token" --master "$(printf '11%.0s' {1..32})" --aud license \
	--typ p2pcd-lic+jwt --jti "$GA" --doi 10.9999/a --kid "$KID_A")
code=$(post "$other" "$(req "$KID_A")")
expect_status "token signed with another master" 401 "$code"
code=$(post "$(lic_token "$GA" 10.9999/a "$KID_A" -- --typ p2pcd-adm+jwt)" "$(req "$KID_A")")
expect_status "token of another typ" 401 "$code"
code=$(post "" "$(req "$KID_A")")
expect_status "no Authorization" 401 "$code"
code=$(post "$tok" "$(req "$KID_B")")
expect_status "kid not in the token" 403 "$code"
code=$(post "$tok" "$(req "$KID_A" "$KID_B")")
expect_status "one of two kids not in the token" 403 "$code"
code=$(post "$(lic_token gnonenonenonenonenonen 10.9999/a "$KID_A")" "$(req "$KID_A")")
expect_status "token without a grant" 401 "$code"
code=$(post "$(lic_token "$GA" 10.9999/b "$KID_B")" "$(req "$KID_B")")
expect_status "grant of other content (doi mismatch)" 401 "$code"
grant gbbbbbbbbbbbbbbbbbbbbb 10.9999/b
q "DELETE FROM content_keys WHERE kid = decode('$KID_B', 'hex')" >/dev/null
code=$(post "$(lic_token gbbbbbbbbbbbbbbbbbbbbb 10.9999/b "$KID_B")" "$(req "$KID_B")")
expect_status "no key registered" 404 "$code"

q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/a'" >/dev/null
code=$(post "$tok" "$(req "$KID_A")")
expect_status "muted content" 410 "$code"
rc=0
"$P" license --url "$URL" --token-file tok.a 2>err.txt >/dev/null || rc=$?
[ "$rc" = 1 ] && grep -q "answered 410" err.txt || fail "client on 410: $(cat err.txt)"
q "UPDATE content SET state = 'removed' WHERE doi = '10.9999/a'" >/dev/null
code=$(post "$tok" "$(req "$KID_A")")
expect_status "removed content" 410 "$code"
q "UPDATE content SET state = 'active' WHERE doi = '10.9999/a'" >/dev/null
code=$(post "$tok" "$(req "$KID_A")")
expect_status "active again" 200 "$code"

q "UPDATE grants SET expires = now() - interval '1 second' WHERE id = '$GA'" >/dev/null
code=$(post "$tok" "$(req "$KID_A")")
expect_status "token replayed after its grant expired" 401 "$code"
grep -q grant_expired resp.json || fail "no grant_expired reason"

echo "--- malformed requests"
M=$(cat tok.a)
grant gcccccccccccccccccccc1 10.9999/m
M=$(lic_token gcccccccccccccccccccc1 10.9999/m "$KID_M")
for body in 'not json' '{"kids":[],"type":"temporary"}' \
	'{"kids":["'"$(b64u "$KID_M")"'"],"type":"persistent-license"}' \
	'{"kids":["'"$(b64u "$KID_M")"'"]}' \
	'{"kids":["'"$(b64u "$KID_M")"'"],"type":"temporary","x":1}' \
	'{"kids":["'"$(b64u "$KID_M")"'","'"$(b64u "$KID_M")"'"],"type":"temporary"}' \
	'{"kids":["AAAA"],"type":"temporary"}' '{"kids":[1],"type":"temporary"}' \
	'[]' '{"kids":["'"$(b64u "$KID_M")"'"],"type":"temporary","type":"temporary"}' ''; do
	code=$(post "$M" "$body")
	[ "$code" = 400 ] || fail "malformed body '$body': HTTP $code $(cat resp.json)"
done
ok "10 malformed ClearKey requests: HTTP 400 each"
big=$(printf '{"kids":["%s"],"type":"temporary","pad":"%05000d"}' "$(b64u "$KID_M")" 0)
code=$(post "$M" "$big")
expect_status "oversized body (Content-Length)" 413 "$code"
code=$(post "$M" "$big" -H 'Transfer-Encoding: chunked')
expect_status "oversized body (chunked)" 413 "$code"
code=$(curl -sS -o resp.json -w '%{http_code}' -H "Authorization: Bearer $M" "$URL")
expect_status "GET /license" 405 "$code"
code=$(curl -sS -o resp.json -w '%{http_code}' -X PUT --data x "$URL")
expect_status "PUT /license" 405 "$code"
code=$(post "$M" "$(req "$KID_M")")
expect_status "after the refusals, a valid request still" 200 "$code"

echo "--- audit and keys at rest"
expect_eq "audit rows (one per license issued)" "$(q "SELECT count(*) FROM license_audit")" 4
expect_eq "audit rows of grant $GA" \
	"$(q "SELECT count(*) FROM license_audit WHERE grant_id = '$GA' AND doi = '10.9999/a'
	      AND subject = 'buyer-$GA' AND kids = ARRAY['$KID_A'] AND service = '$TRK_ID'")" 3
ok "one license_audit row per license issued (grant, doi, subject, kids, service)"
pg_dump >dump.sql
grep -q "$KID_A" dump.sql || fail "the dump does not show content_keys (check is void)"
for k in "$KEY_A" "$KEY_M" "$(b64u "$KEY_A")" "$(b64u "$KEY_M")"; do
	grep -qi -- "$k" dump.sql && fail "a clear content key is in the database"
done
expect_eq "keys held in clear (SQL comparison)" "$(q "SELECT count(*) FROM content_keys WHERE
	position(decode('$KEY_A', 'hex') IN coalesce(wrapped_key, '')) > 0 OR
	position(decode('$KEY_A', 'hex') IN sealed_key) > 0 OR
	position(decode('$KEY_M', 'hex') IN coalesce(wrapped_key, '')) > 0")" 0
ok "the database (pg_dump) holds no clear key, only sealed and wrapped ones"

echo "--- p2pcd play"
export P2PCD_KEYSTORE=$D/ks-play
unset DISPLAY WAYLAND_DISPLAY
lic_token "$GM" 10.9999/m "$KID_M" >tok.m
rc=0
"$P" play clip.enc.mp4 --out nolic.mp4 2>err.txt || rc=$?
[ "$rc" = 1 ] && [ ! -e nolic.mp4 ] && grep -q "no valid license" err.txt ||
	fail "play without a license: exit $rc $(cat err.txt)"
"$P" play clip.enc.mp4 --out play.mp4 --license-url "$URL" --token-file tok.m 2>play.err ||
	fail "play --out: $(cat play.err)"
grep -q "kid=$KID_M" play.err || fail "play did not report the license"
fmd5() { ffmpeg -hide_banner -loglevel error -nostdin -i "$1" -map 0:v -f framemd5 - | grep -v '^#' | awk -F, '{print $5, $6}'; }
fmd5 clip.mp4 >orig.md5
fmd5 play.mp4 | cmp - orig.md5 || fail "played MP4 frames differ"
ok "play cenc MP4 --out: license fetched into the keystore, ffmpeg remux, $(wc -l <orig.md5) frames identical"
"$P" play clip.enc.mp4 | cat >pipe.mp4
fmd5 pipe.mp4 | cmp - orig.md5 || fail "play to stdout"
ok "play cenc MP4 to stdout (no display, key from the keystore): frames identical"
cat >fakeplay <<'SH'
#!/bin/sh
echo "$@" >"$(dirname "$0")/ffplay.args"
SH
chmod +x fakeplay
DISPLAY=:99 P2PCD_FFPLAY=$D/fakeplay "$P" play clip.enc.mp4 || fail "play with a display"
grep -q -- "-decryption_key $KEY_M -i file:clip.enc.mp4" ffplay.args ||
	fail "ffplay arguments: $(cat ffplay.args)"
ok "with a display, play hands the key to ffplay (-decryption_key)"
q "UPDATE grants SET expires = now() + interval '1 hour' WHERE id = '$GA'" >/dev/null
"$P" play a.p2pcd --license-url "$URL" --token-file tok.a 2>/dev/null | cmp - in.bin ||
	fail "play a container to stdout"
ok "play a container to stdout: byte-identical"

echo "--- the announce role alongside, SIGHUP, shutdown"
q "UPDATE content SET tracker_id = '$TRK_ID'" >/dev/null
kill -HUP "$TRK_PID"
wait_for 5 sh -c "curl -sS --max-time 5 'http://127.0.0.1:$TRK_PORT/announce/$(mint "$IH_M")?info_hash=$(pct "$IH_M")&peer_id=$(pct "$(printf '%040x' 9)")&port=1&uploaded=0&downloaded=0&left=1' | grep -q 5:peers" ||
	fail "announce on the same listener"
ok "announces served on the same listener"
# license workers stuck on the database (grants locked) must not stall
# the announce daemons that received their requests
psql -X -q -c "BEGIN; LOCK TABLE grants; SELECT pg_sleep(4); COMMIT;" >/dev/null &
lock_pid=$!
wait_for 5 sh -c "psql -XAtc \"SELECT count(*) FROM pg_locks WHERE relation = 'grants'::regclass AND mode = 'AccessExclusiveLock' AND granted\" | grep -qx 1" ||
	fail "could not lock grants"
for i in 1 2 3 4; do
	curl -sS --max-time 10 -o "stuck.$i" -w '%{http_code}\n' -H "Authorization: Bearer $M" \
		--data-binary "$(req "$KID_M")" "$URL" >"stuck.$i.code" &
done
sleep 0.3
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8; do
	announce "$(mint "$IH_M")" "$IH_M" | grep -q 5:peers || fail "announce while license workers wait"
done
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1500 ] || fail "8 announces took $ms ms while the license workers waited"
[ ! -s stuck.1.code ] || fail "the license request did not wait for the lock (test is void)"
ok "8 announces in $ms ms while 4 license requests wait on a locked grants table"
wait "$lock_pid"
wait_for 10 sh -c 'cat stuck.1.code stuck.2.code stuck.3.code stuck.4.code | grep -c 200 | grep -qx 4' ||
	fail "license requests after the lock: $(cat stuck.*.code)"
ok "the 4 waiting license requests answered 200 once the lock was released"
sed -i "s/key = \"$LIC_KEY\"; key_version = 1;/key = \"$(trk_key license 2)\"; key_version = 2; previous_key = \"$LIC_KEY\"; previous_key_version = 1;/" tracker.conf
T2=$(lic_token gcccccccccccccccccccc1 10.9999/m "$KID_M" -- --version 2)
code=$(post "$T2" "$(req "$KID_M")")
expect_status "license key v2 before SIGHUP" 401 "$code"
kill -HUP "$TRK_PID"
v2_ok() { [ "$(post "$T2" "$(req "$KID_M")")" = 200 ]; }
wait_for 5 v2_ok || fail "v2 license token refused after SIGHUP"
ok "SIGHUP: license token key v2 accepted without a restart"
code=$(post "$M" "$(req "$KID_M")")
expect_status "v1 (previous) token still accepted" 200 "$code"

(cd / && pg_stop)
code=$(post "$M" "$(req "$KID_M")")
expect_status "PostgreSQL down" 503 "$code"
(cd / && pg_restart)
back() { [ "$(post "$M" "$(req "$KID_M")")" = 200 ]; }
wait_for 10 back || fail "no license after PostgreSQL returned: $(cat resp.json)"
ok "PostgreSQL back: licenses again (worker reconnected)"
expect_eq "licenses_total{200} = audit rows" \
	"$(metric 'p2pcd_tracker_licenses_total{status="200"}')" "$(q "SELECT count(*) FROM license_audit")"
expect_eq "licenses_total{405}" "$(metric 'p2pcd_tracker_licenses_total{status="405"}')" 2
expect_eq "licenses_total{413}" "$(metric 'p2pcd_tracker_licenses_total{status="413"}')" 2
expect_eq "licenses_total{410}" "$(metric 'p2pcd_tracker_licenses_total{status="410"}')" 3
expect_eq "license_queue" "$(metric p2pcd_tracker_license_queue)" 0
ok "Prometheus: licenses by status, queue"

kill -TERM "$TRK_PID"
wait "$TRK_PID" && rc=0 || rc=$?
expect_eq "exit code after SIGTERM" "$rc" 0

# KEK rotation: a key wrapped under v1 is re-registered under v2 from its
# sealed form (the service holds one KEK)
printf 'kek=%s\n' "$(openssl rand -hex 32)" >kek2.key
sed -i "s|kek.key\"; kek_version = 1;|kek2.key\"; kek_version = 2;|" tracker.conf
grep -q 'kek_version = 2' tracker.conf || fail "config edit"
old=$(q "SELECT encode(wrapped_key, 'hex') FROM content_keys WHERE kid = decode('$KID_M', 'hex')")
trk_start "$D"
code=$(post "$M" "$(req "$KID_M")")
expect_status "after a KEK change" 200 "$code"
python3 jwks.py "$(b64u "$KID_M")" "$(b64u "$KEY_M")" || fail "key after KEK change"
expect_eq "kek_version after re-registration" \
	"$(q "SELECT kek_version FROM content_keys WHERE kid = decode('$KID_M', 'hex')")" 2
[ "$(q "SELECT encode(wrapped_key, 'hex') FROM content_keys WHERE kid = decode('$KID_M', 'hex')")" != "$old" ] ||
	fail "wrapped key unchanged"
ok "KEK v1 -> v2: the key was re-wrapped under v2 and still answers"
kill -TERM "$TRK_PID"
wait "$TRK_PID" && rc=0 || rc=$?
expect_eq "exit code after SIGTERM (second run)" "$rc" 0
if grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$D/tracker.log"; then
	fail "sanitizer report in the tracker log"
fi
ok "no AddressSanitizer/LeakSanitizer/UBSan report"
cd "$TOP"
