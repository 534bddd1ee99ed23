#!/usr/bin/env bash
# listen.cpu_affinity (tracker/cpu_steer.h): with it (the default) each
# announce thread runs on a CPU of its own and a new connection goes to the
# thread of the CPU it arrived on; without it, threads float and the
# kernel's hash spreads connections. Shown on the running daemon: the
# threads' CPU masks (/proc), and per-thread announce counts (/metrics)
# for curl clients pinned to one CPU (taskset).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/tools/tracker-lib.sh"

command -v taskset >/dev/null || fail "taskset not installed (util-linux)"
# the first two CPUs this test may use: the tracker pins to them in order
mapfile -t CPUS < <(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2], sep="\n")')
[ "${#CPUS[@]}" -eq 2 ] ||
	fail "needs 2 CPUs to show steering, this machine gives ${#CPUS[@]}"
C0=${CPUS[0]} C1=${CPUS[1]}
trk_build
mktemp_dir D trk-cpu

TRK_ID=trk-cpu
TRK_DB=false
IH=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOK=$(mint "$IH")

# worker_count WORKER: that thread's announce count; LABELS[WORKER] is the
# cpu label it must have
worker_count() {
	metric "p2pcd_tracker_worker_announces_total{worker=\"$1\",cpu=\"${LABELS[$1]}\"}"
}
# announces_on CPU N: N announces, each a new connection from a curl
# process that runs on CPU only (its SYN is processed there)
announces_on() {
	local i
	for ((i = 0; i < $2; i++)); do
		taskset -c "$1" curl -sS --max-time 5 -o /dev/null \
			"http://127.0.0.1:$TRK_PORT/announce/$TOK?info_hash=$(pct "$IH")&peer_id=-TS0001-$(printf %012d "$i")&port=$((7000 + i))&uploaded=0&downloaded=0&left=1&compact=1"
	done
}
# pinned_cpus PID: the CPU list of each of its threads that may run on
# one CPU only, sorted
pinned_cpus() {
	local f
	for f in /proc/"$1"/task/*/status; do
		awk '/^Cpus_allowed_list/ { print $2 }' "$f"
	done | { grep -Ev '[-,]' || true; } | sort -n | tr '\n' ' '
}

echo "== listen.cpu_affinity = true (the default)"
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
trk_config "$D/tracker.conf"
trk_start "$D"
grep -q "announce workers pinned to CPUs $C0-$C1, connections steered by CPU" \
	"$D/tracker.log" || fail "no steering line in the log: $(cat "$D/tracker.log")"
ok "log: announce workers pinned to CPUs $C0-$C1, connections steered"
got=$(pinned_cpus "$TRK_PID")
[ "$got" = "$C0 $C1 " ] ||
	fail "threads pinned to one CPU: '$got', expected the two announce threads on $C0 and $C1"
ok "exactly two threads pinned, to CPU $C0 and CPU $C1; the others float"
m=$(admin GET /metrics)
[[ $m == *"worker=\"0\",cpu=\"$C0\""* ]] || fail "metrics lack worker 0 on cpu $C0"
[[ $m == *"worker=\"1\",cpu=\"$C1\""* ]] || fail "metrics lack worker 1 on cpu $C1"
ok "metrics label worker 0 with cpu $C0 and worker 1 with cpu $C1"
LABELS=("$C0" "$C1")

a0=$(worker_count 0) a1=$(worker_count 1)
announces_on "$C0" 20
b0=$(worker_count 0) b1=$(worker_count 1)
[ $((b0 - a0)) -eq 20 ] && [ $((b1 - a1)) -eq 0 ] ||
	fail "20 connections from CPU $C0: worker 0 got $((b0 - a0)), worker 1 got $((b1 - a1))"
ok "20 connections made on CPU $C0 all went to worker 0"
announces_on "$C1" 20
c0=$(worker_count 0) c1=$(worker_count 1)
[ $((c0 - b0)) -eq 0 ] && [ $((c1 - b1)) -eq 20 ] ||
	fail "20 connections from CPU $C1: worker 0 got $((c0 - b0)), worker 1 got $((c1 - b1))"
ok "20 connections made on CPU $C1 all went to worker 1"
# the announces themselves are answered as usual (unknown torrent: no DB)
out=$(announce "$TOK" "$IH")
[[ $out == *"failure reason"* ]] || fail "announce answer: $out"
ok "announces answered with a bencoded reply: ${out:0:60}"
trk_stop "$TRK_PID"

echo "== listen.cpu_affinity = false"
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
trk_config "$D/tracker.conf"
sed -i 's/threads = 2; };/threads = 2; cpu_affinity = false; };/' "$D/tracker.conf"
: >"$D/tracker.log"
trk_start "$D"
! grep -q "steered" "$D/tracker.log" || fail "steered although cpu_affinity = false"
got=$(pinned_cpus "$TRK_PID")
[ -z "$got" ] || fail "threads pinned although cpu_affinity = false: '$got'"
ok "no thread pinned"
m=$(admin GET /metrics)
[[ $m == *'worker="0",cpu="none"'* ]] || fail "metrics lack worker 0 with cpu none"
LABELS=(none none)
a0=$(worker_count 0) a1=$(worker_count 1)
announces_on "$C0" 40
b0=$(worker_count 0) b1=$(worker_count 1)
# the kernel's hash of each connection's ports: all 40 on one thread
# would happen by chance once in 2^39
[ $((b0 - a0)) -gt 0 ] && [ $((b1 - a1)) -gt 0 ] &&
	[ $((b0 - a0 + b1 - a1)) -eq 40 ] ||
	fail "40 connections from CPU $C0 unsteered: worker 0 got $((b0 - a0)), worker 1 got $((b1 - a1))"
ok "40 connections made on CPU $C0 spread by hash: $((b0 - a0)) and $((b1 - a1))"
trk_stop "$TRK_PID"

echo "== --check-config"
sed -i 's/cpu_affinity = false;/cpu_affinity = 1;/' "$D/tracker.conf"
if out=$("$TRK_BIN/p2pcd-tracker" --check-config -c "$D/tracker.conf" 2>&1); then
	fail "cpu_affinity = 1 accepted: $out"
fi
[[ $out == *"listen.cpu_affinity: must be true or false"* ]] ||
	fail "cpu_affinity = 1: message '$out'"
ok "cpu_affinity = 1 refused: $out"
