#!/usr/bin/env bash
# Swarm offload benchmark (issue 6): one publisher whose upload is limited
# to RATE, N buyers of one FILE_MB file, everything real (the lab: edge
# proxy, AS, p2pcd-tracker; p2pcd publish/buy driving aria2c). For each N
# it prints
#   publisher upload / file size        (goal <= 1.15)
#   publisher upload / (N x file size)  (what a client-server origin saves)
#   completion time / (file / RATE)     (goal <= 1.5; the time a lone
#                                        buyer needs from the origin)
#   completion time / (N x file / RATE) (the client-server time)
# The anchor is the origin's own rate limit, which is what bounds a
# client-server distribution. The publisher upload is the tracker's
# transfer total for the publisher's seed grant (PostgreSQL), completion
# is the slowest buyer's download time (p2pcd buy --json).
#
# usage: bench/swarm/run.sh [N...]     (default: 4 8)
# env:   FILE_MB (default 64), RATE (default 2M), SEED_TIME (default 20),
#        PUB_PEERS (peers the publisher serves at once, default 2; 0 for
#        aria2c's default of 55)
# Bounded: each round ends within 600 s; everything it starts is stopped.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/lab.sh"
FILE_MB=${FILE_MB:-64}
RATE=${RATE:-2M}
SEED_TIME=${SEED_TIME:-20}
PUB_PEERS=${PUB_PEERS:-2}
ROUNDS=("${@:-4 8}")
read -r -a ROUNDS <<<"${ROUNDS[*]}"
rate_bytes=$(python3 -c 'import sys; s=sys.argv[1]; m={"K":1024,"M":1<<20}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))' "$RATE")

lab_start bench-swarm
max=0
for n in "${ROUNDS[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
# buyers b1..bMAX (digest password = user name)
for ((i = 1; i <= max; i++)); do
	psql -X -q -c "INSERT INTO subscriber (username, domain, password)
		VALUES ('b$i', 'ims.test', 'b$i') ON CONFLICT DO NOTHING"
done

printf '%-4s %-10s %-12s %-12s %-12s %-12s %s\n' N "file" "pub/file" \
	"pub/(N*file)" "done (s)" "done/(f/R)" "done/(N*f/R)"
results=()
for n in "${ROUNDS[@]}"; do
	buyers=$(seq -f 'b%g' 1 "$n" | tr '\n' ' ')
	DEMO_MB=$FILE_MB DEMO_RATE=$RATE DEMO_BUYERS=$buyers DEMO_PUB_PEERS=$PUB_PEERS \
		DEMO_SEED_TIME=$SEED_TIME timeout 600 "$TOP/scripts/lab.sh" demo \
		>"$LAB_DIR/demo-$n.log" 2>&1 ||
		{ tail -20 "$LAB_DIR/demo-$n.log"; echo "bench: round N=$n failed" >&2; exit 1; }
	cp "$LAB_DIR/demo/summary.json" "$LAB_DIR/summary-$n.json"
	line=$(python3 - "$LAB_DIR/summary-$n.json" "$n" "$rate_bytes" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2]); rate = int(sys.argv[3])
size = s["size_bytes"]; pub = s["publisher_uploaded"]; done = s["completion_seconds"]
lone = size / rate
print("%-4d %-10s %-12.3f %-12.3f %-12.1f %-12.2f %.2f" % (
    n, "%d MiB" % (size >> 20), pub / size, pub / (n * size), done,
    done / lone, done / (n * lone)))
PY
	)
	echo "$line"
	results+=("$line")
done
echo
echo "publisher: at most $PUB_PEERS peers at a time (0: aria2c's 55)"
echo "rate limit $RATE/s = $rate_bytes B/s; file / rate = $(python3 -c "print(round($FILE_MB*1048576/$rate_bytes,1))") s"
echo "goals: pub/file <= 1.15, done/(f/R) <= 1.5"
