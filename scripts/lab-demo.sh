#!/usr/bin/env bash
# The lab's demonstration (run by `scripts/lab.sh demo`, which sets LAB_*
# and the PG* variables of the lab's database): the paper's two use cases
# with the real parts.
#   1. content injection: alice publishes a generated file (p2pcd publish:
#      encrypt, private torrent, sealed key, SIP PUBLISH through the edge
#      proxy) and seeds it with her upload rate limited;
#   2. pay per download: bob, carol and dave buy it at the same time
#      (p2pcd buy: SIP MESSAGE, grant over HTTPS, download from the swarm,
#      license, decrypt) and keep seeding a little for each other.
# Then it prints who paid, the bytes the publisher served against the
# bytes the buyers served each other (the trackers' transfer totals in
# PostgreSQL) and whether every decrypted copy matches the original, and
# writes the same as JSON to $LAB_DIR/demo/summary.json. Exit 0 only if
# every buyer got a byte-identical file.
#
# env: DEMO_MB (file size, default 16), DEMO_RATE (publisher upload
# limit, default 2M), DEMO_BUYERS (default "bob carol dave"),
# DEMO_SEED_TIME (seconds buyers seed after their download, default 15),
# DEMO_PUB_PEERS (peers the publisher serves at once, default 2: the
# buyers spread what it sends; 0 for aria2c's default)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${LAB_DIR:?run it as scripts/lab.sh demo}"
BIN=$TOP/build/release/bin
D=$LAB_DIR/demo
MB=${DEMO_MB:-16}
RATE=${DEMO_RATE:-2M}
BUYERS=${DEMO_BUYERS:-bob carol dave}
SEED_TIME=${DEMO_SEED_TIME:-15}
PUB_PEERS=${DEMO_PUB_PEERS:-2}
pub_peers=()
[ "$PUB_PEERS" -gt 0 ] && pub_peers=(--max-peers "$PUB_PEERS")

export P2PCD_PROXY=$LAB_EDGE P2PCD_DOMAIN=$LAB_DOMAIN \
	P2PCD_CA_FILE=$LAB_DIR/secrets/index-cert.pem P2PCD_INDEX=$LAB_INDEX \
	P2PCD_LICENSE_KEY=$LAB_DIR/secrets/license-x25519.pub
# progress as plain lines in the logs
export P2PCD_PROGRESS=lines

pub_pid=
cleanup() {
	[ -n "$pub_pid" ] && kill -INT "$pub_pid" 2>/dev/null && wait "$pub_pid" 2>/dev/null
	return 0
}
trap cleanup EXIT
say() { printf '%s\n' "$*"; }

rm -rf "$D"
mkdir -p "$D/alice"
head -c $((MB << 20)) /dev/urandom >"$D/alice/demo.bin"
orig=$(sha256sum "$D/alice/demo.bin" | cut -d' ' -f1)
say "== alice publishes demo.bin ($MB MiB), seeding at most $RATE/s to $PUB_PEERS peers at a time"
P2PCD_USER=alice P2PCD_PASSWORD=alice setsid "$BIN/p2pcd" publish \
	"$D/alice/demo.bin" --title "Lab demo ($MB MiB)" --price-cents 150 \
	--rights '{"play":"PT24H"}' --dir "$D/alice" --upload-limit "$RATE" \
	"${pub_peers[@]}" \
	--json >"$D/alice/publish.json" 2>"$D/alice/publish.log" &
pub_pid=$!
for _ in $(seq 1 300); do
	[ -s "$D/alice/publish.json" ] && break
	kill -0 "$pub_pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$D/alice/publish.json" ]; then
	cat "$D/alice/publish.log" >&2
	say "demo: publish failed" >&2
	exit 1
fi
uri=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["content_uri"])' "$D/alice/publish.json")
doi=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["doi"])' "$D/alice/publish.json")
say "   published $doi, buy it at $uri"
say "== the content index (p2pcd list)"
"$BIN/p2pcd" list | sed 's/^/   /'

say "== $BUYERS buy it at the same time"
t0=$(date +%s.%N)
pids=()
for b in $BUYERS; do
	mkdir -p "$D/$b"
	P2PCD_USER=$b P2PCD_PASSWORD=$b "$BIN/p2pcd" buy "$uri" --dir "$D/$b" \
		--out "$D/$b/demo.bin" --keystore "$D/$b/keys.json" \
		--seed-time "$SEED_TIME" --json >"$D/$b/buy.json" 2>"$D/$b/buy.log" &
	pids+=($!)
done
ok=1
i=0
for b in $BUYERS; do
	if ! wait "${pids[i]}"; then
		ok=0
		say "   $b: buy FAILED:" && sed 's/^/      /' "$D/$b/buy.log" | tail -5
	fi
	i=$((i + 1))
done
t1=$(date +%s.%N)

# the publisher stops seeding (event=stopped); the tracker flushes its
# transfer totals every 2 s
kill -INT "$pub_pid" 2>/dev/null || true
wait "$pub_pid" 2>/dev/null || true
pub_pid=
sleep 3

say "== who paid (charging records)"
psql -X -qAt -F ' ' -c "SELECT impu, amount_cents, currency, icid FROM charging_records WHERE doi = '$doi' ORDER BY id" |
	sed 's/^/   /'
say "== bytes uploaded per identity (tracker transfer totals)"
psql -X -qAt -F ' ' -c "
	SELECT DISTINCT g.impu, t.uploaded, t.downloaded
	FROM transfer_totals t JOIN content c ON c.info_hash = t.info_hash
	JOIN grants g ON g.subject = t.subject AND g.doi = c.doi
	WHERE c.doi = '$doi' ORDER BY 1" | sed 's/^/   /'
pub_up=$(psql -X -qAt -c "
	SELECT coalesce(sum(t.uploaded), 0) FROM transfer_totals t
	JOIN content c ON c.info_hash = t.info_hash
	WHERE c.doi = '$doi' AND t.subject IN
		(SELECT subject FROM grants WHERE doi = c.doi AND role = 'seed')")
peer_up=$(psql -X -qAt -c "
	SELECT coalesce(sum(t.uploaded), 0) FROM transfer_totals t
	JOIN content c ON c.info_hash = t.info_hash
	WHERE c.doi = '$doi' AND t.subject NOT IN
		(SELECT subject FROM grants WHERE doi = c.doi AND role = 'seed')")
size=$(stat -c %s "$D/alice/demo.bin")

say "== every buyer's copy against the original"
matches=0
n=0
for b in $BUYERS; do
	n=$((n + 1))
	if [ -f "$D/$b/demo.bin" ] &&
		[ "$(sha256sum "$D/$b/demo.bin" | cut -d' ' -f1)" = "$orig" ]; then
		matches=$((matches + 1))
		say "   $b: sha256 matches"
	else
		ok=0
		say "   $b: MISSING OR DIFFERENT"
	fi
done
python3 - "$D/summary.json" "$doi" "$uri" "$size" "$n" "$matches" \
	"$pub_up" "$peer_up" "$t0" "$t1" "$D" $BUYERS <<'PY'
import json, sys
out, doi, uri, size, n, matches, pub, peer, t0, t1, d = sys.argv[1:12]
size, n, matches, pub, peer = map(int, (size, n, matches, pub, peer))
# each buyer's download time (p2pcd buy --json "seconds"): the last one
# is when the swarm had delivered the file to everybody
dl = []
for b in sys.argv[12:]:
    try:
        dl.append(json.load(open("%s/%s/buy.json" % (d, b)))["seconds"])
    except (OSError, ValueError, KeyError):
        pass
s = {"doi": doi, "content_uri": uri, "size_bytes": size, "buyers": n,
     "identical": matches, "publisher_uploaded": pub, "peers_uploaded": peer,
     "publisher_upload_ratio": round(pub / size, 3),
     "completion_seconds": round(max(dl), 1) if dl else None,
     "seconds": round(float(t1) - float(t0), 1)}
json.dump(s, open(out, "w"), indent=1)
print("== publisher uploaded %.2fx the file (%d bytes), buyers served each "
      "other %d bytes; %d of %d copies identical; %.1f s"
      % (pub / size, pub, peer, matches, n, s["seconds"]))
PY
[ "$ok" = 1 ] || { say "demo: FAILED" >&2; exit 1; }
say "demo: done (details in $D/)"
