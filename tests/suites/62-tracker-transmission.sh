#!/usr/bin/env bash
# p2pcd-tracker with a second BitTorrent engine, transmission 3.00
# (transmission-cli), and aria2c: transmission seeds and aria2c downloads;
# aria2c seeds and transmission downloads (transmission refuses to dial
# 127.0.0.0/8 peers, FIELD-NOTES, so the aria2c seeder, re-announcing
# every 2 s, dials it); a forged token gets transmission nowhere.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

for c in aria2c mktorrent transmission-cli; do
	command -v "$c" >/dev/null || fail "$c not installed"
done
trk_build
pg_start
mktemp_dir D trk-tr

TRK_ID=trk-tr
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
trk_config "$D/tracker.conf"
trk_start "$D"

ARIA=(aria2c --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
	--enable-peer-exchange=false --disable-ipv6=true --file-allocation=none
	--summary-interval=0 --console-log-level=warn
	--stop-with-process=$$)

# make_content NAME DOI: 2 MiB file, registered; IH set
make_content() {
	mkdir -p "$D/$1/seed"
	head -c 2097152 /dev/urandom >"$D/$1/seed/content.bin"
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
		-o "$D/$1/base.torrent" "$D/$1/seed/content.bin" >/dev/null
	IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/$1/base.torrent")
	sql_content "$2" "$IH"
}
# torrent_for NAME TOKEN OUT
torrent_for() {
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/$2" \
		-o "$3" "$D/$1/seed/content.bin" >/dev/null
}
# transmission NAME DIR TORRENT: start transmission-cli, PID in TR_PID;
# it touches DIR/done when the download is complete
transmission() {
	mkdir -p "$D/$1/tcfg-$(basename "$2")"
	printf '#!/bin/sh\ntouch %q/done\n' "$2" >"$D/$1/done.sh"
	chmod +x "$D/$1/done.sh"
	transmission-cli -g "$D/$1/tcfg-$(basename "$2")" -w "$2" \
		-p "$(trk_port)" -M -f "$D/$1/done.sh" "$3" \
		>"$D/$1/tr-$(basename "$2").out" 2>&1 &
	TR_PID=$!
	on_exit "stop_pid $TR_PID INT"
}
swarm_has() { admin GET "/swarms/$1" | grep -q "$2"; }

# A) transmission seeds, aria2c downloads
make_content a 10.9999/tr-a
IH_A=$IH
torrent_for a "$(mint "$IH_A" --role seed --sub tr-seeder)" "$D/a/seed.torrent"
torrent_for a "$(mint "$IH_A" --role leech --sub aria-buyer)" "$D/a/leech.torrent"
transmission a "$D/a/seed" "$D/a/seed.torrent"
wait_for 30 swarm_has "$IH_A" '"seeders":1,' ||
	{ tail -5 "$D/a/tr-seed.out"; fail "transmission seeder not admitted"; }
ok "transmission seeder admitted with its token"
t0=$(date +%s)
timeout 90 "${ARIA[@]}" --dir="$D/a/leech" --seed-time=0 \
	--listen-port="$(trk_port)" "$D/a/leech.torrent" >"$D/a/leech.out" 2>&1 ||
	{ tail -20 "$D/a/leech.out"; fail "aria2c did not download from transmission"; }
cmp -s "$D/a/seed/content.bin" "$D/a/leech/content.bin" || fail "file differs"
ok "aria2c downloaded 2 MiB from the transmission seeder in $(($(date +%s) - t0)) s"
stop_pid "$TR_PID" INT

# B) aria2c seeds, transmission downloads
make_content b 10.9999/tr-b
IH_B=$IH
torrent_for b "$(mint "$IH_B" --role seed --sub aria-seeder)" "$D/b/seed.torrent"
torrent_for b "$(mint "$IH_B" --role leech --sub tr-buyer)" "$D/b/leech.torrent"
"${ARIA[@]}" --dir="$D/b/seed" --check-integrity=true --seed-ratio=0.0 \
	--listen-port="$(trk_port)" --bt-tracker-interval=2 \
	"$D/b/seed.torrent" >"$D/b/seed.out" 2>&1 &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
wait_for 20 swarm_has "$IH_B" '"seeders":1,' || fail "aria2c seeder not admitted"
ok "aria2c seeder admitted"
mkdir -p "$D/b/leech"
t0=$(date +%s)
transmission b "$D/b/leech" "$D/b/leech.torrent"
wait_for 90 test -e "$D/b/leech/done" ||
	{ tail -20 "$D/b/tr-leech.out"; fail "transmission did not finish"; }
cmp -s "$D/b/seed/content.bin" "$D/b/leech/content.bin" || fail "file differs"
ok "transmission downloaded 2 MiB from the aria2c seeder in $(($(date +%s) - t0)) s"
completed_b() { [ "$(q "SELECT completed FROM swarm_stats WHERE
	info_hash = decode('$IH_B', 'hex')")" = 1 ]; }
wait_for 15 completed_b || fail "completion of transmission not counted"
ok "swarm_stats counts transmission's completion"
stop_pid "$TR_PID" INT

# C) transmission with a forged token is refused and gets nothing
mkdir -p "$D/b/forged"
FORGED=$(mint "$IH_B" --role leech --sub mallory)
FORGED=${FORGED%?????}AAAAA
torrent_for b "$FORGED" "$D/b/forged.torrent"
before=$(metric 'p2pcd_tracker_refusals_total{reason="bad_token"}')
transmission b "$D/b/forged" "$D/b/forged.torrent"
refused() { [ "$(metric 'p2pcd_tracker_refusals_total{reason="bad_token"}')" -gt "$before" ]; }
wait_for 30 refused || fail "transmission's forged-token announce not refused"
ok "transmission's announce with a forged token refused (bad_token)"
wait_for 10 grep -q "invalid admission token" "$D/b/tr-forged.out" ||
	fail "transmission did not show the failure reason"
ok "transmission shows: $(grep -o 'invalid admission token[^"]*' "$D/b/tr-forged.out" | head -1)"
swarm_has "$IH_B" '"leechers":0,' || fail "forged peer entered the swarm"
ok "the forged peer is not in the swarm"
