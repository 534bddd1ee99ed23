#!/usr/bin/env bash
# Security requirement 3 (issue 7, DESIGN.md 7.3): no bytes of content and
# no key without a grant, against the real lab (PostgreSQL, edge proxy, AS
# with the module, p2pcd-tracker with its announce, license and index
# roles). alice publishes a 1 MiB file and seeds it; bob buys it through
# SIP (positive control: his download, license and decrypted copy). Then
# every way in without a grant is tried and each is refused, each next to
# a positive control that shows the same request with the right
# credential succeeds:
#   - announce without a token, with a forged token (bob's with another
#     signature, one signed with another key), an expired or not yet valid
#     token, a valid token for another swarm, a token for another tracker;
#     no refusal carries a peer list;
#   - scrape without a token (and for another swarm);
#   - a license for a kid not granted (a valid license token of bob's grant
#     whose kids lack the requested kid: 403), a token naming another
#     content's kid (404), a license token without a grant (401);
#   - grant id guessing: random 22-character ids get 404, with the same
#     body as a near miss of a real id and no measurable time difference;
#   - bob's torrent re-encoded without the private flag: another info-hash,
#     so bob's token is refused as another swarm (curl and aria2c);
#   - a real aria2c with a forged announce URL among a live swarm: exit
#     status non-zero and 0 bytes within a bounded time, while the same
#     aria2c with bob's real torrent downloads the file.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/lab.sh"

command -v aria2c >/dev/null || fail "aria2c not installed"
lab_start sec-access
ok "lab started"
MASTER=$(cat "$LAB_DIR/secrets/master.hex")
D=$LAB_DIR/t
mkdir -p "$D"
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
export P2PCD_PROXY=127.0.0.2:$LAB_EDGE_PORT P2PCD_DOMAIN=ims.test \
	P2PCD_CA_FILE=$CA P2PCD_INDEX=$INDEX \
	P2PCD_LICENSE_KEY=$LAB_DIR/secrets/license-x25519.pub P2PCD_PROGRESS=lines

# bencode, announce answers and torrents (python3, no third-party module)
cat >"$D/bt.py" <<'PY'
import hashlib, sys

def dec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        i, out = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = dec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i, out = i + 1, {}
        while b[i:i + 1] != b"e":
            k, i = dec(b, i)
            out[k], i = dec(b, i)
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n

def enc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(enc(x) for x in v) + b"e"
    return b"d" + b"".join(enc(k) + enc(v[k]) for k in sorted(v)) + b"e"

def load(path):
    return dec(open(path, "rb").read())[0]

cmd = sys.argv[1]
if cmd == "answer":
    # "peers N" for an admission (N peers handed out), else
    # "refused REASON" (and "LEAK" if a refusal carries peers)
    a = dec(sys.stdin.buffer.read())[0]
    if b"failure reason" in a:
        leak = " LEAK" if (b"peers" in a or b"peers6" in a) else ""
        print("refused " + a[b"failure reason"].decode() + leak)
    else:
        print("peers %d" % ((len(a.get(b"peers", b"")) // 6) +
                            (len(a.get(b"peers6", b"")) // 18)))
elif cmd == "scrape":
    a = dec(sys.stdin.buffer.read())[0]
    if b"failure reason" in a:
        print("refused " + a[b"failure reason"].decode())
    else:
        print("files %d" % len(a.get(b"files", {})))
elif cmd == "infohash":
    t = load(sys.argv[2])
    print(hashlib.sha1(enc(t[b"info"])).hexdigest())
elif cmd == "private":
    print(load(sys.argv[2])[b"info"].get(b"private", 0))
elif cmd == "strip-private":  # IN OUT: the same torrent without private=1
    t = load(sys.argv[2])
    del t[b"info"][b"private"]
    open(sys.argv[3], "wb").write(enc(t))
elif cmd == "announce":  # IN URL OUT: the same torrent, another announce
    t = load(sys.argv[2])
    t[b"announce"] = sys.argv[3].encode()
    t.pop(b"announce-list", None)
    open(sys.argv[3 + 1], "wb").write(enc(t))
PY
bt() { python3 "$D/bt.py" "$@"; }
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$1"; }

# --- alice publishes and seeds; a second content for cross-swarm tests ---
head -c $((1 << 20)) /dev/urandom >"$D/a.bin"
head -c $((1 << 20)) /dev/urandom >"$D/other.bin"
mkdir -p "$D/alice" "$D/alice2"
P2PCD_USER=alice P2PCD_PASSWORD=alice setsid "$BIN/p2pcd" publish "$D/a.bin" \
	--title "Access test" --price-cents 100 --dir "$D/alice" --json \
	>"$D/alice/publish.json" 2>"$D/alice/publish.log" &
PUB_PID=$!
on_exit "kill -INT $PUB_PID 2>/dev/null; wait $PUB_PID 2>/dev/null"
wait_for 30 test -s "$D/alice/publish.json" ||
	{ cat "$D/alice/publish.log"; fail "alice's publish"; }
P2PCD_USER=alice P2PCD_PASSWORD=alice "$BIN/p2pcd" publish "$D/other.bin" \
	--title "Other content" --dir "$D/alice2" --no-seed --json \
	>"$D/alice2/publish.json" 2>"$D/alice2/publish.log" ||
	{ cat "$D/alice2/publish.log"; fail "alice's second publish"; }
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
DOI=$(js "$D/alice/publish.json" doi)
URI=$(js "$D/alice/publish.json" content_uri)
IH=$(js "$D/alice/publish.json" info_hash)
KID=$(js "$D/alice/publish.json" kid)
DOI2=$(js "$D/alice2/publish.json" doi)
IH2=$(js "$D/alice2/publish.json" info_hash)
KID2=$(js "$D/alice2/publish.json" kid)
ok "alice published $DOI (seeding) and $DOI2"

# --- positive control: bob buys through SIP, downloads, gets the key -----
mkdir -p "$D/bob"
P2PCD_USER=bob P2PCD_PASSWORD=bob timeout 60 "$BIN/p2pcd" buy "$URI" \
	--dir "$D/bob" --keystore "$D/bob/keys.json" \
	--seed-time 0 --json >"$D/bob/buy.json" 2>"$D/bob/buy.log" ||
	{ cat "$D/bob/buy.log"; fail "bob's purchase (positive control)"; }
# no --out: the default is DIR/NAME without the .p2pcd of the torrent's file
expect_eq "bob's decrypted file (default --out)" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["out"])' "$D/bob/buy.json")" "$D/bob/a.bin"
cmp -s "$D/a.bin" "$D/bob/a.bin" || fail "bob's decrypted copy differs"
ok "positive control: bob bought, downloaded and decrypted a byte-identical copy"
GID=$(sql "SELECT id FROM grants WHERE doi = '$DOI' AND impu = 'sip:bob@ims.test'")
BOB_ADM=$(grant_token "$GID" adm)
BOB_LIC=$(grant_token "$GID" lic)
curl -fsS --cacert "$CA" -o "$D/bob.torrent" "$INDEX/grants/$GID/torrent" ||
	fail "bob's torrent"
expect_eq "bob's torrent is private" "$(bt private "$D/bob.torrent")" 1
expect_eq "bob's torrent's info-hash" "$(bt infohash "$D/bob.torrent")" "$IH"
AUDIT0=$(sql "SELECT count(*) FROM license_audit")

# --- announce ------------------------------------------------------------
IHQ=$(urlq "$IH")
pid_n=0
announce() { # announce PATH-AFTER-/announce [IHQ]: the decoded answer
	pid_n=$((pid_n + 1))
	curl -sS "$TRK/announce$1?info_hash=${2:-$IHQ}&peer_id=-XX0001-sec$(printf %09d $pid_n)&port=6999&uploaded=0&downloaded=0&left=1048576&compact=1&event=started" |
		bt answer
}
refused() { # refused WHAT PATH WANT-REASON-SUBSTRING [IHQ]
	local a
	a=$(announce "$2" "${4:-}")
	case $a in
	*LEAK*) fail "$1: a refusal handed out peers: $a" ;;
	"refused "*"$3"*) ok "$1: $a" ;;
	*) fail "$1: got '$a', want a refusal with '$3'" ;;
	esac
}
a=$(announce "/$BOB_ADM")
case $a in
"peers "[1-9]*) ok "positive control: bob's token is admitted and gets $a (alice)" ;;
*) fail "bob's valid token: $a" ;;
esac
refused "announce without a token" "" "token missing"
refused "announce to /announce/ with an empty token" "/" "token"
refused "bob's token with another signature" \
	"/${BOB_ADM%.*}.$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
	"invalid admission token"
OTHER_MASTER=$(head -c 32 /dev/urandom | xxd -p -c 64)
refused "a token signed under another master secret" \
	"/$("$BIN/p2pcd-mint-token" --master "$OTHER_MASTER" --aud tracker-1 --ih "$IH" --doi "$DOI")" \
	"invalid admission token"
# tokens minted with the lab's own master secret (as the AS would):
# admitted when valid, refused for exactly the one claim that is wrong
now=$(date +%s)
mint() { "$BIN/p2pcd-mint-token" --master "$MASTER" --doi "$DOI" --sub sec-test "$@"; }
a=$(announce "/$(mint --aud tracker-1 --ih "$IH")")
case $a in "peers "*) ok "positive control: a minted valid token is admitted ($a)" ;;
*) fail "a minted valid token: $a" ;; esac
refused "an expired token (exp an hour ago)" \
	"/$(mint --aud tracker-1 --ih "$IH" --nbf $((now - 7200)) --exp $((now - 3600)))" \
	"expired"
refused "a token not yet valid (nbf in an hour)" \
	"/$(mint --aud tracker-1 --ih "$IH" --nbf $((now + 3600)) --exp $((now + 7200)))" \
	"not yet valid"
refused "a valid token for another swarm ($DOI2)" \
	"/$(mint --aud tracker-1 --ih "$IH2")" "another torrent"
refused "a valid token for another tracker (aud tracker-2)" \
	"/$(mint --aud tracker-2 --ih "$IH")" "another tracker"
refused "bob's token announcing another swarm" "/$BOB_ADM" "another torrent" \
	"$(urlq "$IH2")"
refused "an admission token of the wrong type (a license token)" \
	"/$BOB_LIC" "invalid admission token"

# --- scrape ----------------------------------------------------------------
scrape() { curl -sS "$TRK/scrape$1?info_hash=${2:-$IHQ}" | bt scrape; }
expect_eq "positive control: scrape with bob's token" "$(scrape "/$BOB_ADM")" "files 1"
s=$(scrape "")
case $s in "refused "*"token missing"*) ok "scrape without a token: $s" ;;
*) fail "scrape without a token: $s" ;; esac
s=$(scrape "/${BOB_ADM%.*}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
case $s in "refused "*) ok "scrape with a forged token: $s" ;;
*) fail "scrape with a forged token: $s" ;; esac
s=$(scrape "/$BOB_ADM" "$(urlq "$IH2")")
case $s in "refused "*"another torrent"*) ok "scrape of another swarm with bob's token: $s" ;;
*) fail "scrape of another swarm with bob's token: $s" ;; esac

# --- license ---------------------------------------------------------------
b64kid() { python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$1"; }
license() { # license TOKEN KID-HEX: "STATUS ERROR-CODE"
	local st
	st=$(curl -sS -o "$D/lic.out" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-d "{\"kids\":[\"$(b64kid "$2")\"],\"type\":\"temporary\"}" "$TRK/license")
	echo "$st $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error", "keys"))' "$D/lic.out" 2>/dev/null)"
}
expect_eq "positive control: bob's license token for his kid" "$(license "$BOB_LIC" "$KID")" "200 keys"
expect_eq "bob's license token for another content's kid" \
	"$(license "$BOB_LIC" "$KID2")" "403 kid_not_granted"
lmint() { "$BIN/p2pcd-mint-token" --master "$MASTER" --aud license --typ p2pcd-lic+jwt "$@"; }
expect_eq "positive control: a minted license token of bob's grant" \
	"$(license "$(lmint --jti "$GID" --doi "$DOI" --kid "$KID")" "$KID")" "200 keys"
expect_eq "a valid license token of bob's grant whose kids lack the kid" \
	"$(license "$(lmint --jti "$GID" --doi "$DOI" --kid "$KID2")" "$KID")" "403 kid_not_granted"
expect_eq "a valid license token of bob's grant naming another content's kid" \
	"$(license "$(lmint --jti "$GID" --doi "$DOI" --kid "$KID2")" "$KID2")" "404 key_not_found"
expect_eq "a valid license token of bob's grant for another doi" \
	"$(license "$(lmint --jti "$GID" --doi "$DOI2" --kid "$KID2")" "$KID2")" "401 invalid_token"
expect_eq "a valid license token without a grant (random jti)" \
	"$(license "$(lmint --jti "$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" --doi "$DOI" --kid "$KID")" "$KID")" \
	"401 invalid_token"
expect_eq "a license token signed under another master" \
	"$(license "$("$BIN/p2pcd-mint-token" --master "$OTHER_MASTER" --aud license --typ p2pcd-lic+jwt --jti "$GID" --doi "$DOI" --kid "$KID")" "$KID")" \
	"401 invalid_token"
expect_eq "bob's admission token as a license token" "$(license "$BOB_ADM" "$KID")" "401 invalid_token"
expect_eq "no Authorization" "$(license "" "$KID")" "401 invalid_token"
expect_eq "licenses issued by the refusals (audit rows)" \
	"$(sql "SELECT count(*) - $AUDIT0 FROM license_audit")" 2

# --- grant id guessing -------------------------------------------------
python3 - "$INDEX" "$CA" "$GID" >"$D/guess.out" <<'PY' || { cat "$D/guess.out"; fail "grant id guessing"; }
# One keep-alive HTTPS connection; random ids and near misses of the real
# id (its last character changed) interleaved, 80 of each, after a warm-up.
import http.client, random, ssl, statistics, sys, time, urllib.parse
index, ca, gid = sys.argv[1:4]
u = urllib.parse.urlsplit(index)
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
rnd = random.SystemRandom()
def get(path):
    t0 = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    return r.status, body, time.perf_counter() - t0
st, _, _ = get("/grants/" + gid)
assert st == 200, "the real grant: %d" % st
for _ in range(20):
    get("/grants/" + "".join(rnd.choice(A) for _ in range(22)))
times = {"random": [], "near": []}
bodies = set()
statuses = set()
for i in range(80):
    for kind in ("random", "near"):
        if kind == "random":
            g = "".join(rnd.choice(A) for _ in range(22))
        else:
            g = gid[:21] + rnd.choice([x for x in A if x != gid[21]])
        st, body, dt = get("/grants/" + g)
        statuses.add(st)
        bodies.add(body)
        times[kind].append(dt)
mr = statistics.median(times["random"]) * 1e3
mn = statistics.median(times["near"]) * 1e3
print("statuses %s, distinct bodies %d, median ms random %.3f near-miss %.3f"
      % (sorted(statuses), len(bodies), mr, mn))
ok = statuses == {404} and len(bodies) == 1 and abs(mr - mn) < max(0.5, 0.3 * min(mr, mn))
sys.exit(0 if ok else 1)
PY
ok "grant id guessing: $(cat "$D/guess.out") (the real grant: 200)"
expect_eq "grants of $DOI (alice's seed grant, bob's)" \
	"$(sql "SELECT count(*) FROM grants WHERE doi = '$DOI'")" 2

# --- aria2c: a forged announce URL in a live swarm gets nothing ---------
ARIA=(aria2c --no-conf --enable-dht=false --enable-dht6=false
	--bt-enable-lpd=false --enable-peer-exchange=false --disable-ipv6=true
	--file-allocation=none --summary-interval=0 --console-log-level=warn
	--seed-time=0 --bt-tracker-interval=2 --bt-stop-timeout=8
	--stop-with-process=$$)
aria() { # aria NAME TORRENT: aria2c's exit status; the file is in $D/NAME/
	local rc=0
	mkdir -p "$D/$1"
	timeout 30 "${ARIA[@]}" --dir="$D/$1" --listen-port="$(free_port)" \
		--log="$D/$1.log" --log-level=info "$2" >"$D/$1.out" 2>&1 || rc=$?
	echo "$rc"
}
ENC=$(js "$D/alice/publish.json" file)
bytes_in() { # the size of the content file aria2c NAME wrote (0: none)
	local f=$D/$1/$(basename "$ENC")
	[ -f "$f" ] && stat -c %s "$f" || echo 0
}
bt announce "$D/bob.torrent" \
	"$TRK/announce/${BOB_ADM%.*}.$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
	"$D/forged.torrent"
t0=$(date +%s)
rc=$(aria forged "$D/forged.torrent")
dt=$(($(date +%s) - t0))
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "aria2c with a forged announce URL: exit $rc after ${dt}s"
expect_eq "bytes aria2c got with a forged announce URL (exit $rc after ${dt}s)" "$(bytes_in forged)" 0
grep -q 'invalid admission token' "$D/forged.log" &&
	ok "aria2c's log shows the tracker's refusal: $(grep -o 'invalid admission token[^"]*' "$D/forged.log" | head -1)" ||
	fail "the tracker's refusal is not in aria2c's log"
rc=$(aria genuine "$D/bob.torrent")
expect_eq "positive control: aria2c with bob's genuine torrent (exit status)" "$rc" 0
cmp -s "$ENC" "$D/genuine/$(basename "$ENC")" ||
	fail "aria2c's download with bob's torrent differs from alice's file"
ok "positive control: aria2c with bob's genuine torrent downloaded $(bytes_in genuine) bytes from the swarm"

# --- the private flag dropped --------------------------------------------
bt strip-private "$D/bob.torrent" "$D/public.torrent"
IHP=$(bt infohash "$D/public.torrent")
expect_eq "private flag of the edited torrent" "$(bt private "$D/public.torrent")" 0
[ "$IHP" != "$IH" ] && ok "dropping private=1 changes the info-hash: $IH -> $IHP" ||
	fail "the info-hash did not change"
refused "bob's token announcing the edited torrent's info-hash (curl)" "/$BOB_ADM" \
	"another torrent" "$(urlq "$IHP")"
refused "a valid minted token for the edited info-hash" \
	"/$(mint --aud tracker-1 --ih "$IHP")" "unknown torrent" "$(urlq "$IHP")"
ARIA+=(--enable-dht=true --dht-file-path="$D/dht.dat" --enable-peer-exchange=true)
t0=$(date +%s)
rc=$(aria public "$D/public.torrent")
dt=$(($(date +%s) - t0))
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "aria2c with the edited torrent: exit $rc after ${dt}s"
expect_eq "bytes aria2c got with the edited torrent, DHT and PEX on (exit $rc after ${dt}s)" \
	"$(bytes_in public)" 0
grep -q 'another torrent' "$D/public.log" &&
	ok "aria2c's log shows the tracker's refusal: admission token is for another torrent" ||
	fail "the tracker's refusal is not in aria2c's log"

expect_eq "charging records (bob's purchase only)" \
	"$(sql "SELECT count(*) FROM charging_records")" 1
