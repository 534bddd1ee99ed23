#!/usr/bin/env bash
# p2pcd-tracker against opentracker (Debian package, whitelist mode) in one
# run, same wrk Lua load (bench/tracker/announce.lua): 1,000 torrents,
# 200,000 peers, numwant 50; valid admission tokens for p2pcd-tracker.
# Prints each measurement and the ratios against the issue's goals.
#
# usage: bench/tracker/run.sh     env: DUR (seconds per run, default 8),
#        PERF=close|keepalive|bad (perf record the tracker in that run;
#        bad: the cached bad-token run),
#        SYSCALLS=1 (system calls and context switches per request of
#        each server, by perf stat), ROUNDS=N (the connection-per-announce
#        pair N times, alternating, for the median of its ratios: one run
#        on a shared VM can be 20 % off), TRK_CPU_AFFINITY=false (the
#        tracker's listen.cpu_affinity off)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../tests/lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

DUR=${DUR:-8}
THREADS=2
command -v wrk >/dev/null || fail "wrk not installed"
command -v opentracker >/dev/null || fail "opentracker not installed"
trk_build
pg_start
mktemp_dir D trk-bench
chmod 755 "$D"

# 1,000 random info-hashes: whitelist (hex) and percent-encoded forms
python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]
with open(f"{d}/hex", "w") as h, open(f"{d}/pct", "w") as p:
    for _ in range(1000):
        ih = os.urandom(20)
        h.write(ih.hex() + "\n")
        p.write("".join("%%%02X" % b for b in ih) + "\n")
PY
cp "$D/hex" "$D/whitelist"
chmod 644 "$D/whitelist"

TRK_ID=trk-bench
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_INTERVAL=1800 TRK_PEER_TIMEOUT=3600 TRK_LOG_LEVEL=warning \
	trk_config "$D/tracker.conf"
sed -i "s/threads = 2; };/threads = ${TRK_THREADS:-2}; connection_limit = 20000; cpu_affinity = ${TRK_CPU_AFFINITY:-true}; };/" "$D/tracker.conf"
q "INSERT INTO trackers (id, announce_url) VALUES ('$TRK_ID', 'x');
   INSERT INTO publishers (impu) VALUES ('sip:bench');"
q "INSERT INTO content (doi, title, info_hash, kid, size_bytes, tracker_id,
   publisher) SELECT 'b/' || n, 't', decode(h, 'hex'), decode(md5(h), 'hex'),
   1, '$TRK_ID', 'sip:bench' FROM unnest(string_to_array(
   '$(tr '\n' ' ' <"$D/hex" | sed 's/ $//')', ' ')) WITH ORDINALITY AS u(h, n)" >/dev/null
echo "minting 1,000 tokens..."
n=0
while read -r ih; do
	mint "$ih" --sub "bench-$n" --ttl 86400
	n=$((n + 1))
done <"$D/hex" >"$D/tokens"
paste -d' ' "$D/pct" "$D/tokens" >"$D/p2pcd.torrents"
sed 's/$/ -/' "$D/pct" >"$D/ot.torrents"
sed 's/\.[^.]*$/.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/' "$D/p2pcd.torrents" >"$D/bad.torrents"

trk_start "$D"
OT_PORT=$(trk_port)
(cd "$D" && exec opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$OT_PORT" \
	-w whitelist -d "$D" >"$D/ot.log" 2>&1) &
OT_PID=$!
on_exit "stop_pid $OT_PID TERM"
wait_for 10 sh -c "curl -s http://127.0.0.1:$OT_PORT/announce >/dev/null" ||
	fail "opentracker did not start: $(cat "$D/ot.log")"
ok "p2pcd-tracker (pid $TRK_PID) and opentracker (pid $OT_PID) running"
# both must really admit the load's torrents, not refuse them cheaply
probe() { # PORT PATH-PREFIX
	curl -s "http://127.0.0.1:$1$2?info_hash=$(head -1 "$D/pct")&peer_id=-BN0001-999999999999&port=1&uploaded=0&downloaded=0&left=1&compact=1"
}
probe "$OT_PORT" /announce | grep -q '8:completei' || fail "opentracker refuses the load: $(probe "$OT_PORT" /announce)"
probe "$TRK_PORT" "/announce/$(head -1 "$D/tokens")" | grep -q '8:completei' ||
	fail "p2pcd-tracker refuses the load"
ok "both trackers admit the load's torrents"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# the whole machine: busy and idle ticks (first line of /proc/stat)
box_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# run NAME PID PORT FILE CONNS CLOSE [BAD]: sets R_RPS R_P99 R_CPU_US
run() {
	local name=$1 pid=$2 port=$3 file=$4 conns=$5 close=$6 bad=${7:-0}
	local c0 c1 b0 b1 i0 i1 out reqs spid=
	if [ -n "${SYSCALLS:-}" ]; then
		perf stat -x, -e raw_syscalls:sys_enter,context-switches \
			-p "$pid" -o "$D/stat" -- sleep "$DUR" >/dev/null 2>&1 &
		spid=$!
	fi
	c0=$(cpu_ticks "$pid")
	read -r b0 i0 <<<"$(box_ticks)"
	out=$(TORRENTS=$file THREADS=$THREADS CLOSE=$close BADTOKEN=$bad \
		timeout $((DUR + 20)) wrk -t$THREADS -c"$conns" -d"${DUR}s" \
		--latency -s "$HERE/announce.lua" "http://127.0.0.1:$port/")
	c1=$(cpu_ticks "$pid")
	read -r b1 i1 <<<"$(box_ticks)"
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	R_RPS=$(awk '/^Requests\/sec/ { printf "%d", $2 }' <<<"$out")
	R_P99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
		else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
		printf "%.2f", v }' <<<"$out")
	R_CPU_US=$(awk -v t=$((c1 - c0)) -v n="$reqs" 'BEGIN { printf "%.2f", n ? t * 10000 / n : 0 }')
	local errs
	errs=$(awk '/Non-2xx|Socket errors/' <<<"$out" | tr -s ' ' | tr '\n' ';')
	printf '  %-34s %8s req/s  p99 %7s ms  server CPU %6s us/req %s\n' \
		"$name" "$R_RPS" "$R_P99" "$R_CPU_US" "${errs:+ [$errs]}"
	# whether the two cores were the limit: the load generator (wrk) and
	# the server share them, so when idle is near 0 the announces/s
	# ratio is bound by (wrk + server CPU) per request, not the server's
	awk -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v t=$((c1 - c0)) -v n="$reqs" \
		'BEGIN { if (n > 0 && b + i > 0) printf "  %34s machine idle %.0f %%, everything else (wrk, its kernel side) %.2f us/req\n", "", 100 * i / (b + i), (b - t) * 10000 / n }'
	if [ -n "$spid" ]; then
		wait "$spid" || true
		awk -F, -v rps="$R_RPS" -v d="$DUR" '
			$3 ~ /sys_enter/ { s = $1 } $3 ~ /context-switches/ { c = $1 }
			END { if (rps > 0) printf "  %34s %.1f system calls, %.2f context switches per request\n", "", s / d / rps, c / d / rps }' "$D/stat"
	fi
}
# PERF=close|keepalive|bad: perf record the tracker during that run
PERF_PID=
perf_start() {
	[ "${PERF:-}" = "$1" ] || return 0
	perf record -g -o "$TOP/build/perf-tracker-$1.data" -p "$TRK_PID" \
		-- sleep "$DUR" >/dev/null 2>&1 &
	PERF_PID=$!
}
perf_wait() { [ -z "$PERF_PID" ] || wait "$PERF_PID"; PERF_PID=; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "== fill: every one of the 200,000 peers announces (keep-alive, 50 conns)"
rss_ot0=$(rss_kb "$OT_PID")
rss_p0=$(rss_kb "$TRK_PID")
run "opentracker fill" "$OT_PID" "$OT_PORT" "$D/ot.torrents" 50 0
run "p2pcd-tracker fill" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 50 0
peers=$(metric p2pcd_tracker_peers)
hot=$(metric p2pcd_tracker_peer_table_hot_bytes)
all=$(metric p2pcd_tracker_peer_table_bytes)
rss_ot=$(rss_kb "$OT_PID")
rss_p=$(rss_kb "$TRK_PID")

echo "== one TCP connection per announce"
run "opentracker close c=50" "$OT_PID" "$OT_PORT" "$D/ot.torrents" 50 1
ot50_rps=$R_RPS ot50_p99=$R_P99 ot_cpu=$R_CPU_US
perf_start close
run "p2pcd-tracker close c=50" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 50 1
p50_rps=$R_RPS p50_p99=$R_P99 p_cpu=$R_CPU_US
perf_wait
run "opentracker close c=200" "$OT_PID" "$OT_PORT" "$D/ot.torrents" 200 1
ot200_p99=$R_P99
run "p2pcd-tracker close c=200" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 200 1
p200_p99=$R_P99
echo "== keep-alive (opentracker closes after each reply: its run above)"
perf_start keepalive
run "p2pcd-tracker keep-alive c=50" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 50 0
perf_wait
pka_rps=$R_RPS pka_cpu=$R_CPU_US
run "p2pcd-tracker keep-alive c=200" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 200 0
echo "== bad tokens (keep-alive, c=50)"
perf_start bad
run "p2pcd-tracker one bad token each" "$TRK_PID" "$TRK_PORT" "$D/bad.torrents" 50 0
perf_wait
bad_cached=$R_CPU_US
run "p2pcd-tracker random bad tokens" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 50 0 1
bad_random=$R_CPU_US

# the floor: the same load against a server that answers each request
# with the tracker's bad-token reply body and does nothing else
echo "== floor: the tracker's bad-token reply, nothing looked at (keep-alive, c=50)"
make -s -C "$HERE" >/dev/null
bad_body=$(probe "$TRK_PORT" "/announce/$(head -1 "$D/bad.torrents" | cut -d' ' -f2)")
case $bad_body in *'failure reason'*) ;; *) fail "no bad-token refusal: $bad_body" ;; esac
floor() { # MODE LABEL: sets R_CPU_US
	local port pid
	port=$(trk_port)
	"$TOP/build/release/bench/tracker/floor_server" "$1" "$port" "$bad_body" \
		$([ "${TRK_CPU_AFFINITY:-true}" = true ] || echo unpinned) &
	pid=$!
	on_exit "stop_pid $pid TERM"
	wait_for 10 curl -sf "http://127.0.0.1:$port/" || fail "floor_server $1 did not start"
	run "$2" "$pid" "$port" "$D/bad.torrents" 50 0
	stop_pid "$pid" TERM
}
floor mhd "floor: libmicrohttpd, one reply"
floor_mhd=$R_CPU_US
floor raw "floor: epoll, recv, send"
floor_raw=$R_CPU_US

# ROUNDS: more connection-per-announce pairs; the ratios are the medians
rps_r=$(ratio "$p50_rps" "$ot50_rps") cpu_r=$(ratio "$p_cpu" "$ot_cpu")
p99_r=$(ratio "$p50_p99" "$ot50_p99")
for ((round = 2; round <= ${ROUNDS:-1}; round++)); do
	echo "== one TCP connection per announce, round $round"
	run "opentracker close c=50" "$OT_PID" "$OT_PORT" "$D/ot.torrents" 50 1
	ot50_rps=$R_RPS ot50_p99=$R_P99 ot_cpu=$R_CPU_US
	run "p2pcd-tracker close c=50" "$TRK_PID" "$TRK_PORT" "$D/p2pcd.torrents" 50 1
	rps_r="$rps_r $(ratio "$R_RPS" "$ot50_rps")"
	cpu_r="$cpu_r $(ratio "$R_CPU_US" "$ot_cpu")"
	p99_r="$p99_r $(ratio "$R_P99" "$ot50_p99")"
done
median() { tr ' ' '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

peers_ot=200000
echo
echo "== memory: $peers peers in p2pcd-tracker"
printf '  p2pcd hot table      %6.1f bytes/peer (goal <= 16)\n' "$(ratio "$hot" "$peers")"
printf '  p2pcd with accounting %5.1f bytes/peer (goal <= 48)\n' "$(ratio "$all" "$peers")"
printf '  p2pcd RSS growth     %6.1f bytes/peer\n' "$(ratio $(((rss_p - rss_p0) * 1024)) "$peers")"
printf '  opentracker RSS growth %4.1f bytes/peer\n' "$(ratio $(((rss_ot - rss_ot0) * 1024)) "$peers_ot")"
echo
echo "== ratios p2pcd-tracker / opentracker (goal)"
[ "${ROUNDS:-1}" -le 1 ] || echo "  (connection per announce, c=50: median of ${ROUNDS} rounds)"
printf '  announces/s, one connection each   %5s  (>= 1.2)%s\n' "$(median "$rps_r")" "${rps_r/#/  rounds: }"
printf '  server CPU per announce            %5s  (<= 1.0)%s\n' "$(median "$cpu_r")" "${cpu_r/#/  rounds: }"
printf '  p99 latency c=50                   %5s  (<= 1.0)%s\n' "$(median "$p99_r")" "${p99_r/#/  rounds: }"
printf '  p99 latency c=200                  %5s  (<= 1.0)\n' "$(ratio "$p200_p99" "$ot200_p99")"
printf '  announces/s keep-alive vs ot       %5s  (>= 3)\n' "$(ratio "$pka_rps" "$ot50_rps")"
printf '  bad-token CPU / valid (keep-alive) %5s  (<= 0.5) cached bad token\n' "$(ratio "$bad_cached" "$pka_cpu")"
printf '  bad-token CPU / valid (keep-alive) %5s  (<= 0.5) random bad tokens\n' "$(ratio "$bad_random" "$pka_cpu")"
printf '  floor: libmicrohttpd, fixed reply  %5s  (what a refusal costs before its token is read)\n' "$(ratio "$floor_mhd" "$pka_cpu")"
printf '  floor: epoll, recv, send, no HTTP  %5s\n' "$(ratio "$floor_raw" "$pka_cpu")"

echo
echo "== in-process handling cost, no HTTP or kernel (bench/tracker/handle_bench)"
make -s -C "$HERE" >/dev/null && "$TOP/build/release/bench/tracker/handle_bench"
