#!/usr/bin/env bash
# Soak (issue 7): SIP acquisitions and tracker announces at a steady rate
# for SOAK_SECONDS (default 600) against the lab (the AS with the module,
# the edge's address as the trusted source, p2pcd-tracker, PostgreSQL),
# sampling every 10 s the resident memory (RSS) and the open file
# descriptors of the AS (all its processes), the tracker and PostgreSQL
# (all backends): private memory (RssAnon: shared memory that Kamailio's
# shm and PostgreSQL's shared_buffers fill as they warm up is left out)
# and, for PostgreSQL, fds per process (its backends come and go). It
# prints the samples, a least-squares slope of each
# series over the second half of the run (after warm-up) and a verdict:
# "no growth" when the fitted growth over the second half is under 5 % of
# the series' mean (and under 64 fds), and the failed SIP calls and failed
# announces (the goal: 0). Exit 1 on a failed call or a growth trend.
#
# usage: bench/soak/run.sh
# env:   SOAK_SECONDS (600), SIP_RATE (calls/s, 50), ANNOUNCE_RATE (/s, 200)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/common.sh"
SECS=${SOAK_SECONDS:-600}
SIP_RATE=${SIP_RATE:-50}
ANN_RATE=${ANNOUNCE_RATE:-200}
BIN=$TOP/build/release/bin

make -s -C "$TOP" all >/dev/null
mktemp_dir LAB_DIR soak
export LAB_DIR
export LAB_PG_PORT=$(free_port) LAB_AS_PORT=$(free_port) \
	LAB_EDGE_PORT=$(free_port) LAB_TRACKER_PORT=$(free_port) \
	LAB_TRACKER_ADMIN_PORT=$(free_port) LAB_INDEX_PORT=$(free_port)
on_exit "'$TOP/scripts/lab.sh' stop >/dev/null 2>&1"
"$TOP/scripts/lab.sh" start >"$LAB_DIR/start.log" 2>&1 ||
	{ cat "$LAB_DIR/start.log"; exit 1; }
eval "$("$TOP/scripts/pgctl.sh" env "$LAB_DIR/pg")"
export PGDATABASE=p2pcd

# one published content item to buy and to announce for
head -c $((1 << 20)) /dev/urandom >"$LAB_DIR/soak.bin"
P2PCD_PROXY=127.0.0.2:$LAB_EDGE_PORT P2PCD_DOMAIN=ims.test P2PCD_USER=alice \
	P2PCD_PASSWORD=alice P2PCD_CA_FILE=$LAB_DIR/secrets/index-cert.pem \
	"$BIN/p2pcd" publish "$LAB_DIR/soak.bin" --title soak --no-seed --json \
	--license-key "$LAB_DIR/secrets/license-x25519.pub" --dir "$LAB_DIR/pub" \
	>"$LAB_DIR/publish.json"
DOI=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["doi"])' "$LAB_DIR/publish.json")
IH=$(psql -X -qAt -c "SELECT encode(info_hash, 'hex') FROM content WHERE doi = '$DOI'")
ADM=$(grant_token "$(psql -X -qAt -c "SELECT id FROM grants WHERE doi = '$DOI' AND role = 'seed'")" adm)
echo "soak: $SECS s, MESSAGE at $SIP_RATE/s to $DOI, announces at $ANN_RATE/s"

# processes to watch
as_pids() { pgrep -g "$(ps -o pgid= "$(cat "$LAB_DIR/as/pid")" | tr -d ' ')" kamailio; }
trk_pid=$(cat "$LAB_DIR/tracker-1/pid")
pg_main=$(head -1 "$LAB_DIR/pg/data/postmaster.pid")
pg_pids() { echo "$pg_main"; pgrep -P "$pg_main"; }
sum() { # sum KIND PID...: private RSS in KiB or fd count over the PIDs
	local kind=$1 t=0 p v
	shift
	for p in "$@"; do
		if [ "$kind" = rss ]; then
			v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || v=0
		else
			v=$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || v=0
		fi
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# the SIP load: sipp from the edge's address (the only trusted source)
mkdir -p "$LAB_DIR/sipp"
calls=$((SIP_RATE * SECS))
(cd "$LAB_DIR/sipp" && timeout $((SECS + 60)) sipp "127.0.0.1:$LAB_AS_PORT" \
	-i 127.0.0.2 -p "$(free_port)" -sf "$TOP/bench/module/message.xml" \
	-s "$DOI" -r "$SIP_RATE" -m "$calls" -l $((SIP_RATE * 4)) \
	-recv_timeout 10000 -timeout $((SECS + 30)) -nostdin -trace_stat \
	-fd 10 >sipp.log 2>&1) &
sipp_pid=$!
# the announce load: one keep-alive connection at a steady pace
"$TOP/tests/tools/announce-load.py" "$LAB_TRACKER_PORT" "$ADM" "$IH" "$SECS" \
	"$ANN_RATE" 0 >"$LAB_DIR/announce.out" 2>"$LAB_DIR/announce.err" &
ann_pid=$!

echo "t_s as_rss_kib as_fds tracker_rss_kib tracker_fds pg_rss_kib pg_fds_per_proc" |
	tee "$LAB_DIR/samples.txt"
t0=$(date +%s)
while kill -0 "$ann_pid" 2>/dev/null; do
	mapfile -t ap < <(as_pids)
	mapfile -t pp < <(pg_pids)
	echo "$(($(date +%s) - t0)) $(sum rss "${ap[@]}") $(sum fd "${ap[@]}") \
$(sum rss "$trk_pid") $(sum fd "$trk_pid") $(sum rss "${pp[@]}") \
$(($(sum fd "${pp[@]}") / ${#pp[@]}))" |
		tee -a "$LAB_DIR/samples.txt"
	sleep 10
done
wait "$ann_pid" || true
wait "$sipp_pid" || true
read -r ann_ok ann_bad <"$LAB_DIR/announce.out"
sip_stat=$(ls "$LAB_DIR"/sipp/*_.csv 2>/dev/null | head -1)
charged=$(psql -X -qAt -c "SELECT count(*) FROM charging_records WHERE doi = '$DOI'")
python3 - "$LAB_DIR/samples.txt" "$sip_stat" "$ann_ok" "$ann_bad" "$charged" <<'PY'
import csv, sys
rows = [l.split() for l in open(sys.argv[1])][1:]
names = ["as_rss_kib", "as_fds", "tracker_rss_kib", "tracker_fds", "pg_rss_kib", "pg_fds_per_proc"]
ok_sip = fail_sip = 0
if sys.argv[2]:
    r = list(csv.reader(open(sys.argv[2]), delimiter=";"))
    ok_sip = int(r[-1][r[0].index("SuccessfulCall(C)")])
    fail_sip = int(r[-1][r[0].index("FailedCall(C)")])
ann_ok, ann_bad, charged = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
half = [r for r in rows if float(r[0]) >= float(rows[-1][0]) / 2]
grow = False
short = False
print()
for k, name in enumerate(names, 1):
    xs = [float(r[0]) for r in half]; ys = [float(r[k]) for r in half]
    n = len(xs)
    if n < 3:
        print("%-16s too few samples" % name); short = True; continue
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs) or 1
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    fitted = slope * (xs[-1] - xs[0])
    limit = 64 if "fds" in name else 0.05 * my
    bad = fitted > limit
    grow |= bad
    print("%-16s mean %10.0f  slope %+9.3f /s  fitted growth over the 2nd half %+9.0f  %s"
          % (name, my, slope, fitted, "GROWTH" if bad else "no growth"))
print("\nSIP: %d ok, %d failed (charging records: %d); announces: %d ok, %d failed"
      % (ok_sip, fail_sip, charged, ann_ok, ann_bad))
if fail_sip or ann_bad or grow or ok_sip == 0:
    print("soak: FAILED"); sys.exit(1)
if short:
    print("soak: no failed call; too short to judge a trend (run >= 60 s)")
    sys.exit(2)
print("soak: no failed call, no growth trend")
PY
