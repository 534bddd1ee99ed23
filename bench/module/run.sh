#!/usr/bin/env bash
# bench/module: acquisition (p2pcd_acquire(), durable PostgreSQL commit per
# MESSAGE) against the anchor, a bare sl_send_reply("200","OK") Kamailio,
# side by side in one run: the same sipp load (fixed rate, bounded time),
# the same packaged Kamailio, the same number of SIP workers. The anchor
# runs before and after the acquisition; the ratio is against their mean.
#
# usage: bench/module/run.sh [RATE [SECONDS]]   defaults 1000/s, 20 s
# env:   BENCH_FSYNC (on|off, default on), BENCH_PGTUNE (1: shared_buffers
#        1GB, max_wal_size 8GB, wal_buffers 64MB, checkpoint_timeout 15min,
#        wal_init_zero off;
#        0: PostgreSQL defaults), BENCH_CHILDREN (SIP workers, default 2), BENCH_ASYNC (async
#        workers of the AS, default 4), BENCH_SYNC=1 (DB work in the SIP
#        workers instead), BENCH_ROUNDS (acquisition runs, each between
#        two anchor runs, default 1; the median ratio is printed too),
#        BENCH_ALT ("NAME=VALUE ..." defined for the even rounds only),
#        BENCH_DIRTY_BG (vm.dirty_background_bytes for the run)
# Prints per target: calls ok/failed, achieved rate, p50/p99 response
# time, Kamailio CPU per request (all its processes, from /proc), and for
# the AS the PostgreSQL CPU per request and the charging rows counted;
# then the ratios AS/anchor.
set -euo pipefail
. "$(dirname "$0")/../../tests/lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
. "$TOP/bench/module/cluster.sh"

RATE=${1:-1000}
SECS=${2:-20}
CALLS=$((RATE * SECS))
CH=${BENCH_CHILDREN:-2}
ASYNC=${BENCH_ASYNC:-4}
HZ=$(getconf CLK_TCK)

# BENCH_DIRTY_BG=BYTES: the kernel's vm.dirty_background_bytes for the
# run (restored at exit), as a database host would be tuned: with the
# default (10% of memory) the pages PostgreSQL extends its tables with stay
# dirty until they expire (30 s), then go to the disk in one burst that
# the commits' WAL flushes wait behind (sysmon.py shows it)
if [ -n "${BENCH_DIRTY_BG:-}" ]; then
	old_bg=$(sysctl -n vm.dirty_background_bytes)
	old_ratio=$(sysctl -n vm.dirty_background_ratio)
	sysctl -q -w vm.dirty_background_bytes="$BENCH_DIRTY_BG"
	if [ "$old_bg" != 0 ]; then
		on_exit "sysctl -q -w vm.dirty_background_bytes=$old_bg"
	else
		on_exit "sysctl -q -w vm.dirty_background_ratio=$old_ratio"
	fi
	echo "vm.dirty_background_bytes = $BENCH_DIRTY_BG for this run"
fi

# pg_start turns fsync off (throwaway test clusters); a durable commit is
# what is measured here, so the cluster is started with fsync on
# (BENCH_FSYNC=off to compare)
pgdir=$(mktemp -d /tmp/p2pcd-bench-pg.XXXXXX)
on_exit "'$TOP/scripts/pgctl.sh' stop '$pgdir'; rm -rf '$pgdir'"
eval "$(PG_FSYNC=${BENCH_FSYNC:-on} PG_MAX_CONN=50 "$TOP/scripts/pgctl.sh" start "$pgdir")"
export PGDATABASE=p2pcd PG_DIR=$pgdir
# a database server sized for the load (BENCH_PGTUNE=0: the defaults):
# 300,000 purchases write about 600 MB of rows and 1 GB of WAL a minute.
# A new cluster has no WAL segments to recycle: each new 16 MB segment
# was zero-filled while commits waited (a 40-100 ms stall every 1.5-3 s
# once past ~20 s). Without the zero fill (wal_init_zero = off) a new
# segment is a sparse file, and each commit's fdatasync() then allocates
# blocks too. A cluster in service writes into recycled segments,
# allocated long ago; warm_wal below gives this one such segments before
# each acquisition run (min_wal_size keeps them)
if [ "${BENCH_PGTUNE:-1}" != 0 ]; then
	psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" \
		-c "ALTER SYSTEM SET max_wal_size = '8GB'" \
		-c "ALTER SYSTEM SET min_wal_size = '2GB'" \
		-c "ALTER SYSTEM SET wal_buffers = '64MB'" \
		-c "ALTER SYSTEM SET checkpoint_timeout = '15min'" \
		-c "ALTER SYSTEM SET wal_init_zero = off" >/dev/null
	"$TOP/scripts/pgctl.sh" stop "$pgdir"
	"$TOP/scripts/pgctl.sh" start "$pgdir" >/dev/null
fi
# the time commits wait for the disk, printed per acquisition run
psql -X -q -d postgres -c "ALTER SYSTEM SET track_wal_io_timing = on" \
	-c "SELECT pg_reload_conf()" >/dev/null
"$TOP/sql/migrate" --create >/dev/null
as_build
cluster_seed
# an experiment's schema or setting change (e.g. an index dropped)
# (statements separated by ';' run one by one: ALTER SYSTEM cannot be in a
# transaction block)
if [ -n "${BENCH_SQL:-}" ]; then
	IFS=';' read -ra stmts <<<"$BENCH_SQL"
	for s in "${stmts[@]}"; do
		[ -n "${s// /}" ] && q "$s" >/dev/null
	done
fi

# warm_wal: at least 1.5 GB of recycled WAL segments ahead of the insert
# position (BENCH_PGTUNE=0: none, a new cluster's segments). Logical
# messages fill segments without touching a table; the checkpoint then
# recycles every segment before it, those of the last run included.
warm_wal() {
	local ahead
	[ "${BENCH_PGTUNE:-1}" != 0 ] || return 0
	ahead=$(wal_ahead)
	if [ "$ahead" -lt 1536 ]; then
		q "SELECT count(pg_logical_emit_message(false, 'bench',
			repeat('x', 1048576))) FROM generate_series(1, 1600)" >/dev/null
	fi
	q "SELECT pg_switch_wal()" >/dev/null
	q "CHECKPOINT" >/dev/null
	echo "WAL segments recycled ahead of the run: $(wal_ahead) MB"
}
# wal_ahead: MB of WAL segment files after the one being written
wal_ahead() {
	local cur
	cur=$(q "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
	ls "$PG_DIR/data/pg_wal" | awk -v c="$cur" \
		'length($0) == 24 && /^[0-9A-F]+$/ && ($0 "") > (c "") {
		n++ } END { print n * 16 }'
}

# seqscans: sequential scans of charging_records reported so far
seqscans() {
	q "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'charging_records'"
}

# rel_bytes: the on-disk size of the tables a purchase writes, heap (with
# TOAST) and indexes apart: what the page cache must write back
rel_bytes() {
	q "SELECT pg_table_size('grants'), pg_indexes_size('grants'),
		pg_table_size('charging_records'), pg_indexes_size('charging_records')"
}
# bytes_per_purchase BEFORE AFTER N: the growth of each, per purchase, and
# what a grant row takes and, of it, its tokens' stored parts (the MACs, the
# claims not held elsewhere: sql/migrations/0011; any 1,000 grants: the
# bench's are all alike, and no sort of the whole table is needed)
bytes_per_purchase() {
	local t
	t=$(q "SELECT round(avg(pg_column_size(g.*))),
		round(avg(coalesce(pg_column_size(adm_token), 0)
			+ coalesce(pg_column_size(lic_token), 0)
			+ coalesce(pg_column_size(tok_macs), 0)
			+ coalesce(pg_column_size(tok_iss), 0)
			+ coalesce(pg_column_size(tok_aud), 0)
			+ coalesce(pg_column_size(tok_rights), 0)
			+ coalesce(pg_column_size(icid), 0)
			+ coalesce(pg_column_size(tok_iat), 0)
			+ coalesce(pg_column_size(tok_key_version), 0)))
		FROM (SELECT * FROM grants LIMIT 1000) g")
	awk -v a="$1" -v b="$2" -v n="$3" -v t="$t" 'BEGIN {
		split(a, x, "\t"); split(b, y, "\t"); split(t, z, "\t");
		if (n < 1) n = 1
		printf "bytes per purchase: grants %.0f + indexes %.0f, " \
			"charging_records %.0f + indexes %.0f; a grant row %d " \
			"bytes, of them %d for its tokens (stored whole or as " \
			"parts)\n",
			(y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n,
			(y[4] - x[4]) / n, z[1], z[2] }'
}

# cpu_ticks PID: utime+stime of PID and its children (Kamailio's processes)
cpu_ticks() {
	local p t=0 s
	for p in $1 $(pgrep -P "$1" || true); do
		s=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${s% *} + ${s#* }))
	done
	echo "$t"
}

# load NAME HOST PORT KAMAILIO-PID: the sipp run, prints the result line
load() {
	local name=$1 port=$3 kpid=$4 dir=$AS_TMP/$1 k0 k1 p0 p1 t0 t1 m0 m1 mon
	mkdir -p "$dir"
	# what the disk and the server did each second (sysmon.py), so that a
	# slow second is explained by measurement, not by guess
	python3 "$TOP/bench/module/sysmon.py" "$PG_DIR/data" >"$dir/sysmon.tsv" &
	mon=$!
	k0=$(cpu_ticks "$kpid")
	m0=$(head -n 1 /proc/stat)
	p0=$(cluster_ticks "$PG_DIR/data")
	t0=${EPOCHREALTIME/./}
	(cd "$dir" && timeout $((SECS + 60)) sipp "127.0.0.1:$port" \
		-sf "$TOP/bench/module/message.xml" -s 10.9999/bench \
		-r "$RATE" -rp 1000 -m "$CALLS" -l $((RATE * 2)) \
		-buff_size 4194304 -recv_timeout 5000 \
		-timeout $((SECS + 30)) -nostdin -trace_rtt -rtt_freq 1000 \
		-trace_stat -fd 1 >sipp.log 2>&1) || true
	t1=${EPOCHREALTIME/./}
	k1=$(cpu_ticks "$kpid")
	m1=$(head -n 1 /proc/stat)
	p1=$(cluster_ticks "$PG_DIR/data")
	kill "$mon" 2>/dev/null || true
	wait "$mon" 2>/dev/null || true
	python3 - "$name" "$dir" "$((k1 - k0))" "$((p1 - p0))" "$HZ" \
		"$((t1 - t0))" "$m0" "$m1" "$t0" <<'PY'
import csv, glob, sys
name, d, kt, pt, hz, us = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
start_ms = int(sys.argv[9]) // 1000
# the whole machine over the run (/proc/stat): a slow period of the VM
# (time stolen by its host) tells apart from this software's own tail
m = [int(b) - int(a) for a, b in
     zip(sys.argv[7].split()[1:9], sys.argv[8].split()[1:9])]
mt = max(sum(m), 1)
ok = fail = 0
for f in glob.glob(d + "/*_.csv"):
    rows = list(csv.reader(open(f), delimiter=";"))
    h, last = rows[0], rows[-1]
    ok = int(last[h.index("SuccessfulCall(C)")])
    fail = int(last[h.index("FailedCall(C)")])
rt = []
per_s = {}
for f in glob.glob(d + "/*_rtt.csv"):
    for r in list(csv.reader(open(f), delimiter=";"))[1:]:
        try:
            v = float(r[1])
            rt.append(v)
            per_s.setdefault(int(float(r[0]) // 1000), []).append(v)
        except (ValueError, IndexError):
            pass
rt.sort()
# when the slow answers came: the seconds whose own p99 reached 20 ms
slow = []
t0s = min(per_s) if per_s else 0
for sec in sorted(per_s):
    v = sorted(per_s[sec])
    p = v[min(len(v) - 1, int(0.99 * len(v)))]
    if p >= 20:
        slow.append("%d:%g" % (sec - t0s, p))
pc = lambda q: rt[min(len(rt) - 1, int(q * len(rt)))] if rt else float("nan")
n = max(ok, 1)
print("%s ok=%d failed=%d rate=%.0f/s p50=%.2fms p99=%.2fms "
      "kamailio_cpu=%.1fus/req postgres_cpu=%.1fus/req"
      % (name, ok, fail, ok / (us / 1e6), pc(0.5), pc(0.99),
         kt * 1e6 / hz / n, pt * 1e6 / hz / n))
print("  machine: user %.0f%%, system %.0f%%, softirq %.0f%%, iowait %.0f%%, "
      "steal %.1f%%, idle %.0f%%" % tuple(100.0 * x / mt for x in
      (m[0] + m[1], m[2] + m[5], m[6], m[4], m[7], m[3])), file=sys.stderr)
print("  seconds with p99 >= 20 ms (second:p99): %s"
      % (" ".join(slow) if slow else "none"), file=sys.stderr)
# sysmon.py's samples, as what happened in each second of the run: the
# slow seconds, the seconds that wrote most to the disk, and autovacuum
mon = [l.rstrip("\n").split("\t") for l in open(d + "/sysmon.tsv")]
mon = [m for m in mon if len(m) == 12]
sec_p99 = {}
for sec in per_s:
    v = sorted(per_s[sec])
    sec_p99[sec - t0s] = v[min(len(v) - 1, int(0.99 * len(v)))]
rows = []
for a, b in zip(mon, mon[1:]):
    ia, ib = [int(x) for x in a[:10]], [int(x) for x in b[:10]]
    mid = ((ia[0] + ib[0]) // 2 - start_ms) // 1000
    dt = max(ib[0] - ia[0], 1) / 1000.0
    # buffers: -1 where a sample had no answer from the server ('?')
    bufs = ((ib[8] - ia[8], ib[9] - ia[9], int(b[10]) - int(a[10]))
            if "?" not in (a[11], b[11]) else (-1, -1, -1))
    rows.append((mid, sec_p99.get(mid, 0), ib[1] / 1024, ib[2] / 1024,
                 (ib[3] - ia[3]) / 2048 / dt, ib[5], (ib[6] - ia[6]) / dt,
                 (ib[7] - ia[7]) / max(ib[6] - ia[6], 1), *bufs, b[11]))
if rows:
    with open(d + "/per-second.txt", "w") as out:
        out.write("s p99ms dirtyMB wbMB diskMB/s inflight flushes/s "
                  "flush_ms/flush bufckpt bufclean bufbackend autovacuum\n")
        for r in rows:
            out.write("%d %g %.0f %.0f %.0f %d %.0f %.2f %d %d %d %s\n" % r)
    heavy = sorted(rows, key=lambda r: -r[4])[:3]
    show = sorted(set([r for r in rows if r[1] >= 20] + heavy))
    print("  per second (s: p99 | dirty, writeback MB | disk write MB/s, "
          "in flight, flushes/s, ms/flush | buffers written by checkpointer"
          "/bgwriter/backends | autovacuum), the slow and the 3 heaviest "
          "writes:", file=sys.stderr)
    for r in show:
        print("    %d: %g ms | %.0f, %.0f | %.0f, %d, %.0f, %.2f | %d/%d/%d "
              "| %s" % r, file=sys.stderr)
    av = [r[0] for r in rows if r[11] not in ("-", "?")]
    print("  autovacuum at work: %s" % (
        "%d of %d s (%s, s %d-%d)" % (len(av), len(rows), ",".join(sorted(
            set(x for r in rows if r[11] not in ("-", "?")
                for x in r[11].split(",")))), av[0], av[-1])
        if av else "never"), file=sys.stderr)
PY
}

# anchor NAME VAR: a bare Kamailio under the load, its result line in $VAR
# (not "$(...)": the cleanup registration must stay in this shell). It runs
# before and after the AS: the machine's speed drifts (the anchor alone
# moved 6.2-9.5 us/req over a day), and the mean of the two brackets the
# acquisition run between them.
anchor() {
	local bdir=$AS_TMP/$1-run bport bpid out
	mkdir -p "$bdir"
	bport=$(free_port)
	kamailio -f "$TOP/bench/module/bare.cfg" -DD -E -Y "$bdir" -P "$bdir/pid" \
		-m 1024 -M 8 -x tlsf -A "BENCH_PORT=$bport" -A "BENCH_CHILDREN=$CH" \
		-A "BENCH_CTL=\"unix:$bdir/ctl.sock\"" >"$bdir/log" 2>&1 &
	bpid=$!
	on_exit "kill -TERM $bpid 2>/dev/null; wait $bpid 2>/dev/null"
	wait_for 20 kamcmd -s "unix:$bdir/ctl.sock" core.uptime ||
		fail "the anchor Kamailio did not start"
	out=$(load "$1" 127.0.0.1 "$bport" "$bpid")
	kill -TERM "$bpid"
	wait "$bpid" 2>/dev/null || true
	printf -v "$2" '%s' "$out"
	echo "$out"
}
anchor bare bare

# the AS
extra=()
export AS_SHM=${AS_SHM:-1024}
[ -n "${BENCH_SYNC:-}" ] && extra+=(-A P2PCD_SYNC=1)
[ -n "${BENCH_BATCH:-}" ] && extra+=(-A "P2PCD_BATCH=$BENCH_BATCH")
[ -n "${BENCH_BATCH_WORKERS:-}" ] &&
	extra+=(-A "P2PCD_BATCH_WORKERS=$BENCH_BATCH_WORKERS")
[ -n "${BENCH_BATCH_WAIT:-}" ] &&
	extra+=(-A "P2PCD_BATCH_WAIT=$BENCH_BATCH_WAIT")
[ -n "${BENCH_REPLY_BATCH:-}" ] &&
	extra+=(-A "P2PCD_REPLY_BATCH=$BENCH_REPLY_BATCH")
[ -n "${BENCH_DB_SOCKET:-}" ] &&
	extra+=(-A "P2PCD_DB_CON_PARAM=\"host=$pgdir/sock\"")
[ -n "${BENCH_REPLY_GSO:-}" ] &&
	extra+=(-A "P2PCD_REPLY_GSO=$BENCH_REPLY_GSO")
[ -n "${BENCH_BATCH_LINGER:-}" ] &&
	extra+=(-A "P2PCD_BATCH_LINGER=$BENCH_BATCH_LINGER")

# BENCH_ROUNDS=N: N acquisition runs, each between two anchor runs (the
# anchor after one is the anchor before the next): the machine's speed
# drifts over minutes, and single ratios of the same code spread from
# 1.67x to 2.40x; the median of the rounds is printed as well
ROUNDS=${BENCH_ROUNDS:-1}
# BENCH_ALT="NAME=VALUE ...": the even rounds define these in the AS's
# configuration as well (e.g. P2PCD_BATCH_WAIT=0): two configurations
# compared in one chain, under the same drift; a median for each.
# @PGSOCK@ in a value stands for the cluster's Unix socket directory
alt=()
for d in ${BENCH_ALT:-}; do alt+=(-A "${d//@PGSOCK@/$pgdir/sock}"); done
results=("$bare")
for ((r = 1; r <= ROUNDS; r++)); do
	sfx=
	[ "$ROUNDS" -gt 1 ] && sfx=-$r
	cfg=("${extra[@]}")
	name=acquire$sfx
	if [ ${#alt[@]} -gt 0 ] && ((r % 2 == 0)); then
		cfg+=("${alt[@]}")
		name=acquire-alt$sfx
	fi
	warm_wal
	as_start -x tlsf -A "P2PCD_CHILDREN=$CH" -A "P2PCD_ASYNC=$ASYNC" \
		-A P2PCD_DEBUG=1 "${cfg[@]}"
	kill -0 "$AS_PID"
	n0=$(q "SELECT count(*) FROM charging_records")
	s0=$(seqscans)
	z0=$(rel_bytes)
	w0=$(q "SELECT wal_sync, wal_sync_time, wal_bytes, wal_fpi FROM pg_stat_wal")
	acq=$(load "$name" 127.0.0.1 "$AS_PORT" "$AS_PID")
	echo "$acq"
	# the commits' wait for the disk (track_wal_io_timing), and the WAL's
	# volume with its full-page images (the first change of each page
	# after a checkpoint writes the whole page)
	w1=$(q "SELECT wal_sync, wal_sync_time, wal_bytes, wal_fpi FROM pg_stat_wal")
	awk -v a="$w0" -v b="$w1" 'BEGIN { split(a, x, "\t"); split(b, y, "\t");
		n = y[1] - x[1]; t = y[2] - x[2];
		printf "WAL syncs: %d, mean %.2f ms each; WAL %.0f MB, %d full-page images\n",
			n, n ? t / n : 0, (y[3] - x[3]) / 1048576, y[4] - x[4] }'
	oks=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$acq")
	stats=$(rpc stats.get_statistics p2pcd:)
	batches=$(sed -n 's/^p2pcd:batches = //p' <<<"$stats")
	gso=$(sed -n 's/^p2pcd:answers_gso = //p' <<<"$stats")
	echo "batches: ${batches:-?} for $oks answers 200 ($(awk -v a="$oks" -v b="${batches:-0}" 'BEGIN { printf "%.1f", b ? a / b : 0 }') acquisitions per commit); answers sent by GSO: ${gso:-?}"
	as_stop
	# the AS's sessions have reported their scans (they ended): its plans
	# read charging_records by its key only
	echo "sequential scans of charging_records by the AS: $(($(seqscans) - s0))"
	rows=$(($(q "SELECT count(*) FROM charging_records") - n0))
	echo "charging rows: $rows for $oks answers 200 ($([ "$rows" -ge "$oks" ] && echo every 200 has its row || echo MISSING ROWS))"
	bytes_per_purchase "$z0" "$(rel_bytes)" "$rows"
	anchor "bare-after$sfx" bare2
	results+=("$acq" "$bare2")
done
python3 - "${results[@]}" <<'PY'
import re, statistics, sys
f = lambda s, k: float(re.search(k + r"=([0-9.]+)", s).group(1))
runs = sys.argv[1:]
ratios, by_cfg = [], {}
for i in range(1, len(runs), 2):
    b, a, b2 = runs[i - 1], runs[i], runs[i + 1]
    kb = (f(b, "kamailio_cpu") + f(b2, "kamailio_cpu")) / 2
    ratios.append(f(a, "kamailio_cpu") / kb)
    by_cfg.setdefault("alt" if a.startswith("acquire-alt") else "base",
                      []).append((ratios[-1], f(a, "p99")))
    p99 = ("p99 %.2fx" % (f(a, "p99") / f(b, "p99")) if f(b, "p99") > 0 else
           "p99 %.0f ms vs < 1 ms (sipp measures whole ms)" % f(a, "p99"))
    print("ratio acquire/bare: Kamailio CPU per request %.2fx (anchor %.1f "
          "and %.1f us/req before and after, mean %.1f), %s, rate %.2fx"
          % (ratios[-1], f(b, "kamailio_cpu"), f(b2, "kamailio_cpu"), kb,
             p99, f(a, "rate") / f(b, "rate")))
if len(ratios) > 1:
    print("ratio acquire/bare, median of %d rounds: Kamailio CPU per request "
          "%.2fx (rounds %s)" % (len(ratios), statistics.median(ratios),
                                 " ".join("%.2f" % r for r in ratios)))
if "alt" in by_cfg:
    for k, v in sorted(by_cfg.items()):
        print("%s (%s): median of %d rounds %.2fx (rounds %s), p99 %s ms"
              % (k, "BENCH_ALT" if k == "alt" else "defaults", len(v),
                 statistics.median(x for x, _ in v),
                 " ".join("%.2f" % x for x, _ in v),
                 " ".join("%.0f" % p for _, p in v)))
PY
