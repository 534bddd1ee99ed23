#!/usr/bin/env bash
# End to end, with every real part (issue 6): the lab (PostgreSQL, the edge
# proxy, the AS with the module, p2pcd-tracker with its announce, license
# and index roles) and its demonstration: alice publishes a 16 MiB file
# with her upload limited to 1 MiB/s, bob, carol and dave buy it at once
# through SIP, download it from the swarm and decrypt it. Then:
#   - every buyer's file is byte-identical to the original;
#   - the publisher uploaded less than 1.5x the file (the rest came from
#     the buyers), by the tracker's transfer totals;
#   - exactly one charging record per purchase;
#   - the content index page, rendered by headless Chromium, lists the
#     content's SIP URI;
#   - without a grant: no admission by the tracker, no license, no grant;
#   - after `kamcmd p2pcd.mute DOI`: a new purchase gets SIP 410, a buyer's
#     re-announce is refused, no new license is issued, nothing is charged.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/lab.sh"

lab_start e2e
ok "lab started"
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

# --- publish, three concurrent buyers ---------------------------------
DEMO_MB=16 DEMO_RATE=1M DEMO_SEED_TIME=20 timeout 300 \
	"$TOP/scripts/lab.sh" demo >"$LAB_DIR/demo.log" 2>&1 ||
	{ cat "$LAB_DIR/demo.log"; fail "the demonstration failed"; }
sed 's/^/    /' "$LAB_DIR/demo.log"
S=$LAB_DIR/demo/summary.json
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$S" "$1"; }
expect_eq "buyers with a byte-identical copy" "$(js identical)" 3
for b in bob carol dave; do
	cmp -s "$LAB_DIR/demo/alice/demo.bin" "$LAB_DIR/demo/$b/demo.bin" ||
		fail "$b's decrypted file differs from the original"
done
ok "cmp: every decrypted file equals the original"
ratio=$(js publisher_upload_ratio)
python3 -c "import sys; sys.exit(0 if 0.9 <= $ratio < 1.5 else 1)" &&
	ok "publisher uploaded ${ratio}x the file (< 1.5x; the rest came from peers)" ||
	fail "publisher uploaded ${ratio}x the file (want < 1.5x)"
peers=$(js peers_uploaded)
[ "$peers" -gt $((16 << 20)) ] && ok "buyers served each other $peers bytes" ||
	fail "buyers served each other only $peers bytes"

DOI=$(js doi)
URI=$(js content_uri)
expect_eq "charging records for $DOI" \
	"$(sql "SELECT count(*) FROM charging_records WHERE doi = '$DOI'")" 3
expect_eq "buyers charged (one record each)" \
	"$(sql "SELECT string_agg(impu || ':' || n, ' ' ORDER BY impu) FROM
		(SELECT impu, count(*) n FROM charging_records WHERE doi = '$DOI'
		 GROUP BY impu) x")" \
	"sip:bob@ims.test:1 sip:carol@ims.test:1 sip:dave@ims.test:1"
expect_eq "every charge has its grant" \
	"$(sql "SELECT count(*) FROM charging_records c JOIN grants g
		ON g.id = c.grant_id AND g.doi = c.doi AND g.role = 'leech'
		WHERE c.doi = '$DOI'")" 3

# --- the content index page in headless Chromium -----------------------
UDD=$(mktemp -d /tmp/p2pcd-chromium.XXXXXX)
on_exit "rm -rf '$UDD'"
timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --user-data-dir="$UDD" \
	--ignore-certificate-errors --dump-dom "$INDEX/" \
	>"$LAB_DIR/index.html" 2>"$LAB_DIR/chromium.log" ||
	{ tail -5 "$LAB_DIR/chromium.log"; fail "chromium could not render the index"; }
python3 - "$LAB_DIR/index.html" "$URI" <<'PY' || fail "the rendered index does not list $URI"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    uris = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "sip-uri" in (a.get("class") or "").split():
            self.uris.append(a.get("href"))
p = P()
p.feed(open(sys.argv[1]).read())
sys.exit(0 if sys.argv[2] in p.uris else 1)
PY
ok "headless Chromium renders the index with a.sip-uri $URI"
"$BIN/p2pcd" list --index "$INDEX" --ca-file "$CA" | grep -qF "buy: $URI" &&
	ok "p2pcd list shows $URI" || fail "p2pcd list does not show $URI"

# --- no grant, no access -------------------------------------------------
IH=$(sql "SELECT encode(info_hash, 'hex') FROM content WHERE doi = '$DOI'")
IHQ=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$IH")
KID=$(sql "SELECT translate(rtrim(encode(kid, 'base64'), '='), '+/', '-_') FROM content WHERE doi = '$DOI'")
announce() { # announce TOKEN: the tracker's bencoded answer
	curl -sS "$TRK/announce/$1?info_hash=$IHQ&peer_id=-XX0001-e2etest00001&port=6999&uploaded=0&downloaded=0&left=1&compact=1"
}
license() { # license TOKEN: HTTP status of a ClearKey request for the KID
	curl -sS -o "$LAB_DIR/lic.out" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-d "{\"kids\":[\"$KID\"],\"type\":\"temporary\"}" "$TRK/license"
}
announce "" | grep -q 'failure reason' && ok "announce without a token refused" ||
	fail "announce without a token admitted"
BOB_GID=$(sql "SELECT id FROM grants WHERE doi = '$DOI' AND impu = 'sip:bob@ims.test'")
BOB_ADM=$(grant_token "$BOB_GID" adm)
BOB_LIC=$(grant_token "$BOB_GID" lic)
forged=${BOB_ADM%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
announce "$forged" | grep -q 'failure reason' && ok "announce with a forged token refused" ||
	fail "announce with a forged token admitted"
expect_eq "license without a token (HTTP)" "$(license "")" 401
expect_eq "license with a forged token (HTTP)" "$(license "${BOB_LIC%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" 401
expect_eq "a guessed grant id (HTTP)" "$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "$INDEX/grants/AAAAAAAAAAAAAAAAAAAAAA")" 404
# positive controls: bob's own tokens work before the mute
announce "$BOB_ADM" | grep -q 'failure reason' && fail "bob's valid token refused" ||
	ok "bob's admission token is admitted"
expect_eq "license with bob's token (HTTP)" "$(license "$BOB_LIC")" 200

# --- mute ------------------------------------------------------------------
kamcmd -s "unix:$LAB_DIR/as/ctl.sock" p2pcd.mute "$DOI" >/dev/null || fail "p2pcd.mute"
ok "kamcmd p2pcd.mute $DOI"
set +e
P2PCD_PROXY=127.0.0.2:$LAB_EDGE_PORT P2PCD_DOMAIN=ims.test P2PCD_USER=bob \
	P2PCD_PASSWORD=bob P2PCD_CA_FILE=$CA "$BIN/p2pcd" buy "$URI" \
	--dir "$LAB_DIR/after-mute" --quiet 2>"$LAB_DIR/buy-muted.err"
rc=$?
set -e
expect_eq "p2pcd buy after the mute (exit status)" "$rc" 1
grep -q '410' "$LAB_DIR/buy-muted.err" && ok "the AS answered 410: $(cat "$LAB_DIR/buy-muted.err")" ||
	fail "no 410 in: $(cat "$LAB_DIR/buy-muted.err")"
refused=
for _ in $(seq 1 20); do
	announce "$BOB_ADM" | grep -q 'failure reason' && { refused=1; break; }
	sleep 0.1
done
[ -n "$refused" ] && ok "bob's re-announce is refused after the mute: $(announce "$BOB_ADM")" ||
	fail "bob's re-announce still admitted 2 s after the mute"
expect_eq "license with bob's token after the mute (HTTP)" "$(license "$BOB_LIC")" 410
expect_eq "charging records after the refused purchase" \
	"$(sql "SELECT count(*) FROM charging_records WHERE doi = '$DOI'")" 3

# --- unpublish (PUBLISH with SIP-If-Match, Expires: 0) ---------------------
STATE=$(ls "$LAB_DIR"/demo/alice/*.publication.json)
export P2PCD_PROXY=127.0.0.2:$LAB_EDGE_PORT P2PCD_DOMAIN=ims.test \
	P2PCD_USER=alice P2PCD_PASSWORD=alice
"$BIN/p2pcd" unpublish "$STATE" >"$LAB_DIR/unpublish.out" 2>&1 ||
	{ cat "$LAB_DIR/unpublish.out"; fail "p2pcd unpublish"; }
ok "$(cat "$LAB_DIR/unpublish.out")"
expect_eq "content state after unpublish" \
	"$(sql "SELECT state FROM content WHERE doi = '$DOI'")" removed
if "$BIN/p2pcd" unpublish "$STATE" >"$LAB_DIR/unpublish2.out" 2>&1; then
	fail "a second unpublish succeeded"
fi
grep -q '412' "$LAB_DIR/unpublish2.out" &&
	ok "a second unpublish is refused: $(cat "$LAB_DIR/unpublish2.out")" ||
	fail "second unpublish: $(cat "$LAB_DIR/unpublish2.out")"
