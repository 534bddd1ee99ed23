#!/usr/bin/env bash
# The content index role of p2pcd-tracker (DESIGN.md 2, docs/tracker.md
# "Index role") over HTTPS (self-signed certificate, curl --cacert) against
# a real PostgreSQL: content, real private torrents (mktorrent -p) and
# grants set up by SQL, tokens from p2pcd-mint-token. The catalog page
# lists the active items' SIP URIs (not muted, removed or pending ones) with
# titles escaped; content.json; the grant JSON field by field; the
# per-buyer .torrent (info-hash checked by aria2c -S, the info dict byte
# for byte, the announce URL carries the token and is admitted by the same
# tracker's announce listener); 400/403/404/405/410; plain HTTP to the TLS
# port fails; PostgreSQL down -> 503 Retry-After, back -> 200; broken index
# configurations refused by --check-config; the page in headless Chromium
# (DOM and a screenshot). TRK_BUILD=asan runs it on the ASan build.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

for c in openssl mktorrent aria2c chromium xxd python3; do
	command -v "$c" >/dev/null || fail "$c missing: run scripts/install-deps.sh"
done
trk_build
pg_start
mktemp_dir D trk-index
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1
cd "$D"

# a self-signed certificate for 127.0.0.1 (and a second key that is not
# its key)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null || fail "openssl req"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-out other-key.pem 2>/dev/null || fail "openssl genpkey"
ok "self-signed certificate (SAN IP:127.0.0.1)"

TRK_ID=trk-idx
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
IDX_PORT=$(trk_port)
DOMAIN=content.test
LIC_URL="http://127.0.0.1:$TRK_PORT/license"
index_section() { # index_section [extra keys]
	cat <<CONF
index = { enabled = true; address = "127.0.0.1"; port = $IDX_PORT; threads = 2;
  tls_cert_file = "$D/cert.pem"; tls_key_file = "$D/key.pem";
  public_url = "https://127.0.0.1:$IDX_PORT/"; content_domain = "$DOMAIN";
  license_url = "$LIC_URL"; };
CONF
}
TRK_EXTRA=$(index_section) trk_config "$D/tracker.conf"

echo "--- --check-config"
out=$("$TRK_BIN/p2pcd-tracker" --check-config -c tracker.conf) ||
	fail "--check-config on the index config: $out"
[[ $out == *"index on"* ]] || fail "--check-config does not report the index: $out"
ok "--check-config accepts it: $out"
bad() { # bad WHAT EXPECTED-MESSAGE-PART SED-EXPRESSION
	sed "$3" tracker.conf >bad.conf
	if out=$("$TRK_BIN/p2pcd-tracker" --check-config -c bad.conf 2>&1); then
		fail "$1 accepted"
	fi
	[[ $out == *"$2"* ]] || fail "$1: message '$out' lacks '$2'"
	ok "$1 refused: $out"
}
bad "index without the database" "index.enabled needs database.enabled" \
	's/enabled = true; flush/enabled = false; flush/'
bad "certificate file missing" "index.tls_cert_file" "s|$D/cert.pem|$D/nope.pem|"
bad "no certificate file" "index.tls_cert_file: required" "s|\"$D/cert.pem\"|\"\"|"
bad "key file without a private key" "index.tls_key_file" "s|$D/key.pem|$D/cert.pem|"
bad "no public_url" "index.public_url" 's|public_url = "[^"]*"|public_url = ""|'
bad "http public_url" "index.public_url" 's|public_url = "https:|public_url = "http:|'
bad "no license_url" "index.license_url" 's|license_url = "[^"]*"|license_url = ""|'
bad "bad content_domain" "index.content_domain" 's|content_domain = "[^"]*"|content_domain = "a b"|'
bad "threads 0" "index.threads" 's/port = '"$IDX_PORT"'; threads = 2/port = '"$IDX_PORT"'; threads = 0/'
bad "port 0" "index.port" 's/port = '"$IDX_PORT"';/port = 0;/'
# an unreadable key file; root reads anything, so as root the check runs as
# nobody (who may traverse the directory and read the config, not the key)
chmod 000 key.pem
other=()
if [ "$(id -u)" = 0 ]; then
	other=(runuser -u nobody --)
	chmod 0755 "$D"
	chmod 0644 tracker.conf cert.pem
fi
if out=$("${other[@]}" "$TRK_BIN/p2pcd-tracker" --check-config -c "$D/tracker.conf" 2>&1); then
	fail "an unreadable key file accepted"
fi
[[ $out == *"Permission denied"* ]] || fail "unreadable key file: message '$out'"
ok "unreadable key file refused${other:+ (checked as nobody)}: $out"
chmod 0700 "$D"
chmod 600 key.pem
sed "s|$D/key.pem|$D/other-key.pem|" tracker.conf >mismatch.conf
"$TRK_BIN/p2pcd-tracker" --check-config -c mismatch.conf >/dev/null ||
	fail "--check-config: mismatched key (only the start can tell)"
rc=0
timeout 20 "$TRK_BIN/p2pcd-tracker" -c mismatch.conf >mismatch.log 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "index: cannot listen" mismatch.log ||
	fail "start with a key that is not the certificate's: exit $rc $(cat mismatch.log)"
ok "a key that is not the certificate's: the daemon refuses to start (exit 1)"

echo "--- catalog set up by SQL"
q "INSERT INTO trackers (id, announce_url) VALUES ('$TRK_ID', 'http://127.0.0.1:$TRK_PORT/announce'),
   ('trk-other', 'http://192.0.2.1/announce'), ('trk-third', 'http://192.0.2.2/announce')
   ON CONFLICT DO NOTHING;
   INSERT INTO publishers (impu) VALUES ('sip:pub@test')" >/dev/null
# add_content DOI TITLE STATE FILE SIZE PRICE AGE-SECONDS [FINGERPRINT]:
# a content row and its torrent (a real private torrent of FILE)
add_content() {
	mktorrent -p -l 15 -a http://publisher.invalid/announce -o "$4.torrent" "$4" >/dev/null ||
		fail "mktorrent $4"
	psql -X -q -v ON_ERROR_STOP=1 -v doi="$1" -v title="$2" -v state="$3" \
		-v ih="$("$TRK_BIN/p2pcd-mint-token" infohash "$4.torrent")" \
		-v tor="$(xxd -p "$4.torrent" | tr -d '\n')" -v size="$5" -v price="$6" \
		-v ago="$7" -v fp="${8:-}" -v trk="$TRK_ID" >/dev/null <<'SQL'
INSERT INTO content (doi, title, info_hash, kid, size_bytes, state, tracker_id,
	publisher, price_cents, currency, rights, fingerprint, created)
VALUES (:'doi', :'title', decode(:'ih', 'hex'), decode(md5(:'doi'), 'hex'),
	:'size', :'state', :'trk', 'sip:pub@test', :'price', 'EUR',
	'{"play": "PT24H", "copies": 1}', nullif(decode(:'fp', 'hex'), ''),
	now() - (:'ago' || ' seconds')::interval);
INSERT INTO torrents (doi, torrent) VALUES (:'doi', decode(:'tor', 'hex'));
SQL
}
ih_of() { "$TRK_BIN/p2pcd-mint-token" infohash "$1.torrent"; }
for f in a b c m r p; do head -c $((40000 + RANDOM)) /dev/urandom >"$f.bin"; done
TITLE_A='<script>alert("pwned")</script> & Tom'"'"'s "film"'
TITLE_B='Ünïcødé — 日本語 🎬 <b>bold</b>'
DOI_A=10.9999/p2pcd.k3j5h2m9xqab
DOI_B=10.9999/p2pcd.b7n4v2c8zzqw
DOI_C='10.9999/odd doi@x'
FP_A=$(sha256sum a.bin | cut -c1-64)
add_content "$DOI_A" "$TITLE_A" active a.bin 8388608 150 200 "$FP_A"
add_content "$DOI_B" "$TITLE_B" active b.bin 1536 0 100
add_content "$DOI_C" "Third" active c.bin 5 99 300
add_content 10.9999/p2pcd.mutedmutedm "Muted one" muted m.bin 10 100 50
add_content 10.9999/p2pcd.removedremo "Removed one" removed r.bin 10 100 60
add_content 10.9999/p2pcd.pendingpend "Pending one" pending p.bin 10 100 70
IH_A=$(ih_of a.bin)
IH_B=$(ih_of b.bin)
IH_C=$(ih_of c.bin)
# swarm health of B from two other trackers: summed, newest 7 s old
q "INSERT INTO swarm_stats (tracker_id, info_hash, seeders, leechers, completed, updated) VALUES
   ('trk-other', decode('$IH_B', 'hex'), 2, 3, 10, now() - interval '40 seconds'),
   ('trk-third', decode('$IH_B', 'hex'), 1, 4, 5, now() - interval '7 seconds')" >/dev/null
# grant GID DOI ROLE INTERVAL: a grants row with real tokens, as the AS makes it
grant() {
	local ih kid adm lic
	ih=$(q "SELECT encode(info_hash, 'hex') FROM content WHERE doi = '$2'")
	kid=$(q "SELECT encode(kid, 'hex') FROM content WHERE doi = '$2'")
	adm=$(mint "$ih" --role "$3" --sub "buyer-$1" --doi "$2")
	lic=$("$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud license \
		--typ p2pcd-lic+jwt --kid "$kid" --jti "$1" --doi "$2" --sub "buyer-$1")
	q "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires)
	   VALUES ('$1', '$2', 'sip:buyer@test', 'buyer-$1', '$3', '$adm', '$lic',
	   now() + interval '$4')" >/dev/null
}
# grant_parts GID DOI ROLE: a grants row as the AS makes it since 0011,
# its tokens' parts and their MACs (signed with the test master); the
# tokens it stands for into parts.tok
grant_parts() {
	local iat exp toks
	iat=$(($(date +%s) - 10))
	exp=$((iat + 3600))
	toks=$(q "SELECT '$1', doi, '$3', $exp, encode(info_hash, 'hex'),
		encode(kid, 'hex'), 'buyer-$1', 'p2pcd-as', tracker_id, $iat, 1,
		rights::text, 'icid-$1', '', '', '' FROM content WHERE doi = '$2'" |
		"$TRK_BIN/p2pcd-mint-token" grant-tokens --master "$TRK_MASTER") ||
		fail "cannot sign the parts of grant $1"
	q "INSERT INTO grants (id, doi, impu, subject, role, expires, tok_iss,
	   tok_aud, tok_iat, tok_key_version, icid, tok_macs)
	   SELECT '$1', doi, 'sip:buyer@test', 'buyer-$1', '$3', to_timestamp($exp),
	   'p2pcd-as', tracker_id, $iat, 1, 'icid-$1',
	   decode('$(sed -n 3p <<<"$toks")', 'hex') FROM content
	   WHERE doi = '$2'" >/dev/null
	sed -n 1,2p <<<"$toks" >parts.tok
}
GA=Ga_0123456789abcdefXYZ
GB=Gb-0123456789abcdefXYZ
GE=Ge_expiredexpiredexpir
GM=Gm_mutedmutedmutedmute
GR=Gr_removedremovedremov
GS=Gs_seedpendingseedpend
GL=Gl_leechpendingleechpe
grant "$GA" "$DOI_A" leech '1 hour'
grant_parts "$GB" "$DOI_B" leech
grant "$GE" "$DOI_A" leech '-1 second'
grant "$GM" 10.9999/p2pcd.mutedmutedm leech '1 hour'
grant "$GR" 10.9999/p2pcd.removedremo leech '1 hour'
grant "$GS" 10.9999/p2pcd.pendingpend seed '1 hour'
grant "$GL" 10.9999/p2pcd.pendingpend leech '1 hour'
ok "6 content items (3 active, muted, removed, pending), torrents, 7 grants"

trk_start "$D"
ok "tracker ($TRK_BUILD) running with the index role on https://127.0.0.1:$IDX_PORT"
grep -q "index listener on https://127.0.0.1:$IDX_PORT, 2 thread" tracker.log ||
	fail "no index listener line in the log"

BASE=https://127.0.0.1:$IDX_PORT
# get PATH [curl options]: status code; body in resp, headers in hdr
get() {
	local path=$1
	shift
	curl -sS --max-time 10 --cacert "$D/cert.pem" -o resp -D hdr \
		-w '%{http_code}' "$@" "$BASE$path"
}
hdr() { tr -d '\r' <hdr | sed -n "s/^$1: //Ip" | head -1; }
expect_status() { # WHAT WANT GOT
	[ "$3" = "$2" ] || fail "$1: HTTP $3, want $2: $(head -c 300 resp)"
	ok "$1: HTTP $2 $(tr -d '\n' <resp | cut -c1-100)"
}
# expect_error WHAT PATH STATUS CODE: a JSON error answer
expect_error() {
	local code
	code=$(get "$2")
	expect_status "$1" "$3" "$code"
	python3 - "$4" <<'PY' || fail "$1: error body $(cat resp)"
import json, sys
j = json.load(open("resp"))
assert set(j) == {"error", "message"} and j["error"] == sys.argv[1], j
assert len(j["message"]) > 10, j
PY
	[ "$(hdr Content-Type)" = application/json ] || fail "$1: Content-Type $(hdr Content-Type)"
}

echo "--- the catalog page"
code=$(get /)
expect_status "GET /" 200 "$code"
expect_eq "page Content-Type" "$(hdr Content-Type)" "text/html; charset=utf-8"
cp resp page.html
grep -q '<title>p2pcd content index</title>' page.html || fail "page title"
for d in "$DOI_A" "$DOI_B"; do
	grep -qF "<a class=\"sip-uri\" href=\"sip:$d@$DOMAIN\">sip:$d@$DOMAIN</a>" page.html ||
		fail "page lacks the SIP URI of $d"
	grep -qF "<tr class=\"content\" data-doi=\"$d\">" page.html || fail "no row of $d"
done
C_URI="sip:10.9999/odd%20doi%40x@$DOMAIN"
grep -qF "<a class=\"sip-uri\" href=\"$C_URI\">$C_URI</a>" page.html ||
	fail "the DOI with a space and an @ is not %-escaped in its SIP URI"
ok "page lists the SIP URI of each active item (a DOI with ' ' and '@' %-escaped)"
for d in mutedmutedm removedremo pendingpend; do
	grep -q "$d" page.html && fail "page lists 10.9999/p2pcd.$d"
done
ok "page does not list muted, removed or pending content"
grep -q '<script>' page.html && fail "a <script> title reached the page unescaped"
grep -qF '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Tom&#39;s &quot;film&quot;' page.html ||
	fail "escaped title not found"
grep -qF 'Ünïcødé — 日本語 🎬 &lt;b&gt;bold&lt;/b&gt;' page.html || fail "Unicode title"
ok "titles HTML-escaped (<script>, quotes, &), Unicode kept"
grep -qF '<td class="num" title="8388608 bytes">8.0 MiB</td>' page.html || fail "size 8.0 MiB"
grep -qF '<td class="num" title="1536 bytes">1.5 KiB</td>' page.html || fail "size 1.5 KiB"
grep -qF '<td class="num">1.50 EUR</td>' page.html || fail "price 1.50 EUR"
grep -qF '<td class="num">free</td>' page.html || fail "price free"
grep -qF '<td class="num">0.99 EUR</td>' page.html || fail "price 0.99 EUR"
ok "sizes (8.0 MiB, 1.5 KiB, bytes in title) and prices (1.50 EUR, free, 0.99 EUR)"
grep -qE '3 / 7 / 15<br><span class="age">(7|8|9|1[0-9]) s ago</span>' page.html ||
	fail "swarm health of B (3/7/15, about 7 s old): $(grep -A1 -F 'b7n4v2c8zzqw' page.html | head -5)"
ok "swarm health summed over trackers (3 / 7 / 15) with its age"
python3 - "$DOI_B" "$DOI_A" "$DOI_C" <<'PY' || fail "page row order (newest first)"
import re, sys
rows = re.findall(r'data-doi="([^"]*)"', open("page.html", encoding="utf-8").read())
want = sys.argv[1:]
assert rows == want, rows
PY
ok "rows newest first"
[ "$(hdr Content-Security-Policy)" != "" ] || fail "no Content-Security-Policy"
code=$(get / -I)
expect_eq "HEAD / status" "$code" 200
# curl -I writes the headers to resp too: no page may follow them
grep -q 'DOCTYPE' resp && fail "HEAD / has a body"
[ "$(hdr Content-Length)" = "$(stat -c %s page.html)" ] ||
	fail "HEAD / Content-Length $(hdr Content-Length), the page has $(stat -c %s page.html) bytes"
ok "HEAD / answers the page's headers (Content-Length) without a body"

echo "--- content.json"
code=$(get /content.json)
expect_status "GET /content.json" 200 "$code"
expect_eq "content.json Content-Type" "$(hdr Content-Type)" application/json
python3 - "$DOMAIN" "$TRK_ID" "$DOI_B" "$IH_B" "$TITLE_B" "$DOI_A" "$IH_A" "$TITLE_A" \
	"$DOI_C" "$IH_C" "$(q "SELECT extract(epoch FROM created)::bigint FROM content WHERE doi = '$DOI_A'")" <<'PY' ||
import json, sys, time
dom, trk, db, ihb, tb, da, iha, ta, dc, ihc, created_a = sys.argv[1:]
j = json.load(open("resp", encoding="utf-8"))
assert list(j) == ["content"], j
c = j["content"]
assert [x["doi"] for x in c] == [db, da, dc], c
keys = {"doi", "title", "size_bytes", "price_cents", "currency", "sip_uri",
        "info_hash", "seeders", "leechers", "completed", "stats_updated",
        "tracker", "created"}
for x in c:
    assert set(x) == keys, sorted(x)
    assert x["tracker"] == trk and x["currency"] == "EUR", x
b, a, t3 = c
assert b["title"] == tb and b["info_hash"] == ihb and b["size_bytes"] == 1536, b
assert b["price_cents"] == 0 and b["sip_uri"] == "sip:%s@%s" % (db, dom), b
assert (b["seeders"], b["leechers"], b["completed"]) == (3, 7, 15), b
assert 0 <= time.time() - b["stats_updated"] < 60, b
assert a["title"] == ta and a["info_hash"] == iha and a["price_cents"] == 150, a
assert a["size_bytes"] == 8388608 and a["created"] == int(created_a), a
assert a["stats_updated"] is None and a["seeders"] == 0, a
assert t3["sip_uri"] == "sip:10.9999/odd%20doi%40x@" + dom and t3["info_hash"] == ihc, t3
for x in c:
    assert len(x["info_hash"]) == 40 and x["info_hash"] == x["info_hash"].lower()
PY
	fail "content.json: $(head -c 600 resp)"
ok "content.json: the 3 active items newest first, every field checked"

echo "--- grant JSON"
code=$(get "/grants/$GA")
expect_status "GET /grants/$GA" 200 "$code"
expect_eq "grant Content-Type" "$(hdr Content-Type)" application/json
expect_eq "grant Cache-Control" "$(hdr Cache-Control)" no-store
cp resp grant.json
ADM_A=$(q "SELECT adm_token FROM grants WHERE id = '$GA'")
LIC_A=$(q "SELECT lic_token FROM grants WHERE id = '$GA'")
EXP_A=$(q "SELECT extract(epoch FROM expires)::bigint FROM grants WHERE id = '$GA'")
KID_A=$(q "SELECT encode(kid, 'hex') FROM content WHERE doi = '$DOI_A'")
python3 - "$GA" "$DOI_A" "$TITLE_A" "$DOMAIN" "$IH_A" "$KID_A" "$FP_A" "$EXP_A" \
	"$TRK_ID" "http://127.0.0.1:$TRK_PORT/announce/$ADM_A" \
	"$BASE/grants/$GA/torrent" "$LIC_URL" "$LIC_A" <<'PY' || fail "grant JSON: $(cat grant.json)"
import base64, json, sys
(gid, doi, title, dom, ih, kid, fp, exp, trk, ann, turl, lurl, ltok) = sys.argv[1:]
j = json.load(open("grant.json", encoding="utf-8"))
keys = ["grant", "doi", "title", "role", "content_uri", "info_hash", "kid",
        "size_bytes", "price_cents", "currency", "rights", "fingerprint",
        "expires", "tracker", "announce_url", "torrent_url", "torrent",
        "license_url", "license_token"]
assert sorted(j) == sorted(keys), sorted(j)
want = {"grant": gid, "doi": doi, "title": title, "role": "leech",
        "content_uri": "sip:%s@%s" % (doi, dom), "info_hash": ih, "kid": kid,
        "size_bytes": 8388608, "price_cents": 150, "currency": "EUR",
        "rights": {"play": "PT24H", "copies": 1}, "fingerprint": fp,
        "expires": int(exp), "tracker": trk, "announce_url": ann,
        "torrent_url": turl, "license_url": lurl, "license_token": ltok}
for k, v in want.items():
    assert j[k] == v, (k, j[k], v)
t = j["torrent"]
assert "=" not in t and "+" not in t and "/" not in t, "not unpadded base64url"
open("grant-a.torrent", "wb").write(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
PY
ok "grant JSON: every field as registered (tokens, announce_url, torrent_url, rights, fingerprint, expires)"
code=$(get "/grants/$GB")
expect_status "grant without fingerprint" 200 "$code"
python3 -c 'import json; j = json.load(open("resp")); assert j["fingerprint"] is None and j["price_cents"] == 0, j' ||
	fail "grant B: $(cat resp)"
ok "grant of content without a fingerprint: \"fingerprint\": null"
# grant B is stored as its tokens' parts: the index rebuilds the tokens the
# AS signed, and they verify with the keys derived from the master
python3 - "$(sed -n 1p parts.tok)" "$(sed -n 2p parts.tok)" <<'PY' || fail "grant B's tokens: $(cat resp)"
import json, sys
j = json.load(open("resp"))
assert j["license_token"] == sys.argv[2], (j["license_token"], sys.argv[2])
assert j["announce_url"].endswith("/announce/" + sys.argv[1]), j["announce_url"]
PY
for t in 1 2; do
	out=$(python3 "$TOP/tests/sip/tokcheck.py" "$TRK_MASTER" "$(sed -n ${t}p parts.tok)") ||
		fail "grant B token $t does not verify: $out"
done
python3 "$TOP/tests/sip/tokcheck.py" "$TRK_MASTER" "$(sed -n 2p parts.tok)" |
	sed -n 2p | python3 -c 'import json, sys; c = json.load(sys.stdin)
assert c["icid"] == "icid-" + sys.argv[1] and c["jti"] == sys.argv[1], c' "$GB" ||
	fail "grant B's license token: no icid or jti of its row"
ok "grant stored as its tokens' parts (0011): the index serves the tokens the AS signed, and they verify"
# parts that make no token (an aud that is no audience name): 500, logged
GX=Gx_badpartsbadpartsbad
q "INSERT INTO grants (id, doi, impu, subject, role, expires, tok_iss, tok_aud,
   tok_iat, tok_key_version, tok_macs) VALUES ('$GX', '$DOI_A', 'sip:buyer@test',
   'buyer-x', 'leech', now() + interval '1 hour', 'p2pcd-as', 'bad aud', 1, 1,
   decode(repeat('00', 64), 'hex'))" >/dev/null
code=$(get "/grants/$GX")
expect_status "a grant whose parts make no token" 500 "$code"
grep -q '"bad_grant_row"' resp || fail "no bad_grant_row: $(cat resp)"
grep -q "grant $GX: cannot rebuild its tokens" "$D/tracker.log" ||
	fail "the index did not log why: $(tail -3 "$D/tracker.log")"
ok "the index logs why: $(grep -o "grant $GX: cannot rebuild.*" "$D/tracker.log" | head -1)"
code=$(get "/grants/$GS")
expect_status "seed grant on pending content" 200 "$code"
grep -q '"role":"seed"' resp || fail "seed grant role: $(cat resp)"

echo "--- the per-buyer .torrent"
code=$(get "/grants/$GA/torrent")
expect_status "GET /grants/$GA/torrent" 200 "$code"
expect_eq "torrent Content-Type" "$(hdr Content-Type)" application/x-bittorrent
expect_eq "torrent Content-Disposition" "$(hdr Content-Disposition)" 'attachment; filename="a.bin.torrent"'
expect_eq "torrent Cache-Control" "$(hdr Cache-Control)" no-store
cp resp buyer-a.torrent
cmp buyer-a.torrent grant-a.torrent || fail "the grant JSON's torrent differs from /torrent"
ok "the grant JSON's \"torrent\" (base64url) is the .torrent byte for byte"
aria2c -S buyer-a.torrent >aria2.txt 2>&1 || fail "aria2c -S: $(cat aria2.txt)"
expect_eq "info-hash by aria2c -S" "$(sed -n 's/^Info Hash: //p' aria2.txt)" "$IH_A"
ANN_A="http://127.0.0.1:$TRK_PORT/announce/$ADM_A"
expect_eq "announce URL by aria2c -S" "$(sed -n '/^Announce:/{n;s/^ //p}' aria2.txt)" "$ANN_A"
expect_eq "info-hash by p2pcd-mint-token" "$("$TRK_BIN/p2pcd-mint-token" infohash buyer-a.torrent)" "$IH_A"
python3 - "$ANN_A" <<'PY' || fail "per-buyer torrent bytes"
import sys
ann = sys.argv[1].encode()
stored = open("a.bin.torrent", "rb").read()
info = stored[stored.index(b"4:infod") + 6:-1]  # mktorrent: info is the last key
want = b"d8:announce%d:%s4:info%se" % (len(ann), ann, info)
got = open("buyer-a.torrent", "rb").read()
assert got == want, (got[:80], want[:80])
assert b"7:privatei1e" in info
PY
ok "torrent = {announce: tokenized URL, info: the stored info dict byte for byte} (private)"
r=$(curl -sS --max-time 5 "$ANN_A?info_hash=$(pct "$IH_A")&peer_id=$(pct 2d5032303030302d313233343536373839303132)&port=6881&uploaded=0&downloaded=0&left=100&compact=1" | tr -d "\\0")
[[ $r == *"5:peers"* && $r != *"failure reason"* ]] || fail "announce with the torrent's URL: $r"
ok "an announce with the torrent's URL is admitted by this tracker: ${r:0:60}"
leech_seen() {
	curl -sS --max-time 5 --cacert "$D/cert.pem" "$BASE/content.json" | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin)["content"] if x["info_hash"] == sys.argv[1]][0]
assert a["leechers"] == 1 and a["stats_updated"] is not None, a' "$IH_A"
}
wait_for 10 leech_seen || fail "the announced leecher never reached content.json"
ok "the tracker's flushed swarm_stats show in content.json (1 leecher)"

echo "--- refusals"
expect_error "short grant id" /grants/abc 400 bad_grant_id
expect_error "grant id with a '.'" /grants/aaaaaaaaaaaaaaaaaaaa.a 400 bad_grant_id
expect_error "grant id of 23 characters" "/grants/${GA}x" 400 bad_grant_id
expect_error "torrent of a bad grant id" /grants/a%27b/torrent 400 bad_grant_id
expect_error "unknown grant" /grants/Gx_unknownunknownunkno 404 not_found
expect_error "unknown grant's torrent" /grants/Gx_unknownunknownunkno/torrent 404 not_found
expect_error "expired grant" "/grants/$GE" 410 expired
expect_error "expired grant's torrent" "/grants/$GE/torrent" 410 expired
expect_eq "Cache-Control of a grant error" "$(hdr Cache-Control)" no-store
expect_error "grant of muted content" "/grants/$GM" 410 muted
expect_error "grant of removed content" "/grants/$GR/torrent" 410 removed
expect_error "leech grant of pending content" "/grants/$GL" 403 not_open
expect_error "unknown path" /nope 404 not_found
expect_error "unknown path under /grants" /grants/ 400 bad_grant_id
code=$(get / -X POST --data x)
expect_status "POST /" 405 "$code"
expect_eq "Allow of a 405" "$(hdr Allow)" "GET, HEAD"
code=$(get "/grants/$GA" -X PUT --data x)
expect_status "PUT /grants/GID" 405 "$code"
code=$(get "/content.json" -X DELETE)
expect_status "DELETE /content.json" 405 "$code"
rc=0
curl -sS --max-time 5 -o plain.out "http://127.0.0.1:$IDX_PORT/" 2>plain.err || rc=$?
[ "$rc" != 0 ] && [ ! -s plain.out ] || fail "plain HTTP to the TLS port answered: $(cat plain.out)"
ok "plain http:// to the TLS port fails (curl exit $rc: $(head -c 80 plain.err))"
rc=0
curl -sS --max-time 5 -o /dev/null "$BASE/" 2>/dev/null || rc=$?
[ "$rc" = 60 ] || fail "curl without --cacert: exit $rc, want 60 (untrusted certificate)"
ok "without --cacert the self-signed certificate is refused (curl exit 60): the test is real TLS"

echo "--- mute by SQL"
q "UPDATE content SET state = 'muted' WHERE doi = '$DOI_A'" >/dev/null
expect_error "grant after its content was muted" "/grants/$GA" 410 muted
get / >/dev/null
grep -q 'k3j5h2m9xqab' resp && fail "muted content still on the page"
ok "muted content left the page at once"
q "UPDATE content SET state = 'active' WHERE doi = '$DOI_A'" >/dev/null
code=$(get "/grants/$GA")
expect_status "grant after unmute" 200 "$code"

echo "--- PostgreSQL down and back"
(cd / && pg_stop)
expect_error "grant with PostgreSQL down" "/grants/$GA" 503 unavailable
expect_eq "Retry-After" "$(hdr Retry-After)" 5
expect_error "page with PostgreSQL down" / 503 unavailable
expect_eq "Retry-After of the page" "$(hdr Retry-After)" 5
expect_error "content.json with PostgreSQL down" /content.json 503 unavailable
r=$(curl -sS --max-time 5 "$ANN_A?info_hash=$(pct "$IH_A")&peer_id=$(pct 2d5032303030302d313233343536373839303132)&port=6881&uploaded=0&downloaded=0&left=100&compact=1" | tr -d "\\0")
[[ $r == *"5:peers"* ]] || fail "announce while PostgreSQL is down: $r"
ok "announces go on while the index answers 503"
(cd / && pg_restart)
back() { [ "$(get "/grants/$GA")" = 200 ] && [ "$(get /)" = 200 ]; }
wait_for 15 back || fail "no recovery after PostgreSQL returned: $(cat resp)"
ok "PostgreSQL back: grant and page answer 200 again (connections made again)"
get /content.json >/dev/null
grep -q "$IH_A" resp || fail "content.json after recovery"

echo "--- metrics"
n=$(metric 'p2pcd_tracker_index_requests_total{route="grant",status="503"}')
[ "${n:-0}" -ge 1 ] || fail "index 503 not counted: '$n'"
n=$(metric 'p2pcd_tracker_index_requests_total{route="torrent",status="200"}')
[ "${n:-0}" -ge 1 ] || fail "index torrent 200 not counted: '$n'"
ok "/metrics counts index answers by route and status"

echo "--- headless Chromium"
CHROME=(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic
	--no-first-run --disable-background-networking --disable-component-update
	--disable-sync --ignore-certificate-errors)
"${CHROME[@]}" --user-data-dir="$(mktemp -d "$D/chrome.XXXXXX")" --dump-dom "$BASE/" \
	>dom.html 2>chrome.err || fail "chromium --dump-dom: $(tail -5 chrome.err)"
python3 - "$DOMAIN" "$DOI_B" "$DOI_A" <<'PY' || fail "DOM rendered by Chromium: $(head -c 400 dom.html)"
import sys
from html.parser import HTMLParser
dom, *dois = sys.argv[1:]
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.links = []; s.cur = None; s.scripts = 0; s.rows = 0
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "sip-uri" in (a.get("class") or "").split():
            s.cur = [a.get("href"), ""]
        if tag == "script": s.scripts += 1
        if tag == "tr" and a.get("class") == "content": s.rows += 1
    def handle_data(s, d):
        if s.cur is not None: s.cur[1] += d
    def handle_endtag(s, tag):
        if tag == "a" and s.cur is not None:
            s.links.append(tuple(s.cur)); s.cur = None
p = P(); p.feed(open("dom.html", encoding="utf-8").read())
want = ["sip:%s@%s" % (d, dom) for d in dois] + ["sip:10.9999/odd%20doi%40x@" + dom]
assert [h for h, _ in p.links] == want, p.links
assert [t for _, t in p.links] == want, p.links
assert p.scripts == 0, "a script element in the rendered DOM"
assert p.rows == 3, p.rows
PY
ok "Chromium's DOM: each active item's SIP URI in an a.sip-uri (href and text), no <script> element"
"${CHROME[@]}" --user-data-dir="$(mktemp -d "$D/chrome.XXXXXX")" --hide-scrollbars \
	--window-size=1200,800 --screenshot="$D/page.png" "$BASE/" >/dev/null 2>chrome2.err ||
	fail "chromium --screenshot: $(tail -5 chrome2.err)"
python3 - <<'PY' || fail "screenshot"
import struct, zlib
b = open("page.png", "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1200, 800), (w, h)
assert len(b) > 20000, "only %d bytes: a blank page?" % len(b)
PY
ok "screenshot page.png: 1200x800 PNG of $(stat -c %s page.png) bytes"
if [ -n "${KEEP_SCREENSHOT:-}" ]; then cp page.png "$KEEP_SCREENSHOT"; fi

echo "--- shutdown"
kill -TERM "$TRK_PID"
wait "$TRK_PID" && rc=0 || rc=$?
expect_eq "exit code after SIGTERM" "$rc" 0
grep -q "index listener stopped" tracker.log || fail "the index listener did not stop cleanly"
if grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" tracker.log; then
	fail "sanitizer report in the tracker log"
fi
ok "clean stop (index listener stopped, no sanitizer report)"
cd "$TOP"
