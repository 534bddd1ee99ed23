#!/usr/bin/env bash
# p2pcd-tracker with real aria2c clients and a real PostgreSQL: a seeder
# and a leecher with valid admission tokens complete a private-torrent
# download; forged, expired, foreign and other-swarm tokens are refused
# with the right failure reason; a mute committed by SQL UPDATE is
# enforced within 1 s and the seeder's re-announces are refused; swarm
# statistics and per-buyer transfer totals reach the database; scrape.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

command -v aria2c >/dev/null || fail "aria2c not installed"
command -v mktorrent >/dev/null || fail "mktorrent not installed"
trk_build
pg_start
mktemp_dir D trk-aria2

TRK_ID=trk-aria2
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
trk_config "$D/tracker.conf"
trk_start "$D"
ok "tracker running (pid $TRK_PID)"

# content: 3 MiB of random bytes, a private torrent per client (the
# announce URL, outside the info dict, carries each client's token)
mkdir -p "$D/seed" "$D/leech"
head -c 3145728 /dev/urandom >"$D/seed/content.bin"
mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce" \
	-o "$D/base.torrent" "$D/seed/content.bin" >/dev/null
IH=$("$TRK_BIN/p2pcd-mint-token" infohash "$D/base.torrent")
sql_content 10.9999/aria2 "$IH"
wait_for 5 sh -c "curl -fsS -H 'Authorization: Bearer $TRK_ADMIN_TOKEN' \
	http://127.0.0.1:$TRK_ADMIN/swarms/$IH | grep -q '\"active\"'" ||
	fail "content not in the tracker's catalog after INSERT"
ok "INSERT of the content reached the tracker (NOTIFY)"

SEED_TOK=$(mint "$IH" --role seed --sub publisher-1 --doi 10.9999/aria2)
LEECH_TOK=$(mint "$IH" --role leech --sub buyer-1 --doi 10.9999/aria2)
torrent_for() { # torrent_for TOKEN OUT
	mktorrent -p -d -l 16 -a "http://127.0.0.1:$TRK_PORT/announce/$1" \
		-o "$2" "$D/seed/content.bin" >/dev/null
	expect_eq "info-hash of $(basename "$2")" \
		"$("$TRK_BIN/p2pcd-mint-token" infohash "$2")" "$IH"
}
torrent_for "$SEED_TOK" "$D/seed.torrent"
torrent_for "$LEECH_TOK" "$D/leech.torrent"

ARIA=(aria2c --enable-dht=false --enable-dht6=false --bt-enable-lpd=false
	--enable-peer-exchange=false --disable-ipv6=true --file-allocation=none
	--summary-interval=0 --console-log-level=warn
	--stop-with-process=$$)

# the seeder re-announces every 2 s so the mute test sees it refused
SEED_PORT=$(trk_port)
"${ARIA[@]}" --dir="$D/seed" --check-integrity=true --seed-ratio=0.0 \
	--listen-port="$SEED_PORT" --bt-tracker-interval=2 \
	--log="$D/seed.log" --log-level=info "$D/seed.torrent" \
	>"$D/seed.out" 2>&1 &
SEED_PID=$!
on_exit "stop_pid $SEED_PID INT"
one_seeder() { admin GET "/swarms/$IH" | grep -q '"seeders":1,'; }
wait_for 20 one_seeder || { cat "$D/seed.out"; grep -i -E "announce|tracker" "$D/seed.log" | tail -20; tail -5 "$D/tracker.log"; fail "seeder never announced"; }
ok "aria2c seeder admitted with its token"

LEECH_PORT=$(trk_port)
t0=$(date +%s)
timeout 90 "${ARIA[@]}" --dir="$D/leech" --seed-time=0 \
	--listen-port="$LEECH_PORT" --log="$D/leech.log" --log-level=info \
	"$D/leech.torrent" >"$D/leech.out" 2>&1 ||
	{ tail -20 "$D/leech.out"; fail "aria2c leecher did not finish"; }
cmp -s "$D/seed/content.bin" "$D/leech/content.bin" ||
	fail "downloaded file differs"
ok "aria2c leecher downloaded 3 MiB from the seeder in $(($(date +%s) - t0)) s"

# statistics and per-buyer totals reach PostgreSQL (flush_interval 1 s)
completed_1() { [ "$(q "SELECT completed FROM swarm_stats WHERE
	info_hash = decode('$IH', 'hex')")" = 1 ]; }
wait_for 10 completed_1 || { grep -oE "event=[a-z]*|left=[0-9]*" "$D/leech.log" || true; q "SELECT * FROM swarm_stats"; admin GET /swarms; fail "swarm_stats.completed"; }
ok "swarm_stats: completed = 1"
wait_for 10 sh -c "[ \"\$(psql -X -qAt -c \"SELECT downloaded >= 3145728
	FROM transfer_totals WHERE subject = 'buyer-1'\")\" = t ]" ||
	fail "transfer_totals for buyer-1: $(q "SELECT * FROM transfer_totals")"
ok "transfer_totals: buyer-1 downloaded >= 3 MiB"
wait_for 10 sh -c "[ \"\$(psql -X -qAt -c \"SELECT uploaded >= 3145728
	FROM transfer_totals WHERE subject = 'publisher-1'\")\" = t ]" ||
	fail "transfer_totals for publisher-1: $(q "SELECT * FROM transfer_totals")"
ok "transfer_totals: publisher-1 uploaded >= 3 MiB"
expect_eq "trackers row registered" \
	"$(q "SELECT state, last_seen > now() - interval '10 s' FROM trackers
	WHERE id = '$TRK_ID'")" $'active\tt'

# scrape (BEP 48) under the same token rules
scrape() { curl -sS --max-time 5 "http://127.0.0.1:$TRK_PORT/scrape/$1${2:+?info_hash=$(pct "$2")}"; }
got=$(scrape "$LEECH_TOK" "$IH")
[[ $got == "d5:filesd20:"*"8:completei1e10:downloadedi1e10:incompletei0eeee" ]] ||
	fail "scrape: $(xxd <<<"$got" | head -3)"
ok "scrape with the token: complete 1, downloaded 1, incomplete 0"
[[ $(scrape "$LEECH_TOK") == "$got" ]] || fail "scrape without info_hash"
ok "scrape without info_hash answers for the token's swarm"
[[ $(scrape "$LEECH_TOK" "$(printf '%040d' 3)") == *"another torrent"* ]] ||
	fail "scrape of another swarm not refused"
ok "scrape of another swarm refused"

# a connection that closes after its announce (HTTP/1.1 "Connection:
# close", HTTP/1.0): the tracker's own reply, FIN in the reply's segment,
# so the client gets SYN-ACK, the ACK of its request and one segment more
CRLF=$'\r\n'
# the leecher's token with its last signature character changed
FORGED=${LEECH_TOK%?}$([ "${LEECH_TOK: -1}" = A ] && echo B || echo A)
closing() { # closing TOKEN VERSION-AND-HEADERS: eof/segments line + reply
	"$TOP/tests/tools/raw-http.py" "$TRK_PORT" "GET /announce/$1?info_hash=$(pct "$IH")&peer_id=$(pct "$(printf '%040x' 97)")&port=1&uploaded=0&downloaded=0&left=1&compact=1 $2$CRLF$CRLF"
}
for v in "HTTP/1.1${CRLF}Host: t${CRLF}Connection: close" "HTTP/1.0" \
	"HTTP/1.1${CRLF}Host: t${CRLF}Connection: TE, Close" "HTTP/1.0${CRLF}Connection: close"; do
	got=$(closing "$LEECH_TOK" "$v")
	len=${got%%$'\n'*} len=${len##*body=}
	want="eof=1 segs_in=3 body=$len"$'\n'"HTTP/1.1 200 OK${CRLF}Connection: close${CRLF}Content-Type: text/plain${CRLF}Content-Length: $len${CRLF}${CRLF}"
	[[ ${got%%$CRLF$CRLF*}$CRLF$CRLF == "$want" && ${got#*$CRLF$CRLF} == d8:completei1e*5:peers*e ]] ||
		fail "closing announce (${v%%$CRLF*}): $(cat -A <<<"$got" | head -8)"
done
ok "announces on closing connections: full reply, FIN in its segment (3 segments in)"
got=$(closing "$FORGED" "HTTP/1.0")
[[ $got == "eof=1 segs_in=3 "*"invalid admission token"* ]] ||
	fail "refusal on a closing connection: $(cat -A <<<"$got" | head -8)"
ok "a refusal on a closing connection: the same, with its reason"
got=$(closing "$LEECH_TOK" "HTTP/1.0${CRLF}Connection: keep-alive")
[[ $got == "eof=0 segs_in="*"Connection: Keep-Alive${CRLF}"*"5:peers"* ]] ||
	fail "HTTP/1.0 keep-alive announce: $(cat -A <<<"$got" | head -8)"
ok "HTTP/1.0 with keep-alive: answered by libmicrohttpd, connection kept"

# refusals, each with its reason (curl as the client)
reason() { announce "$@" | sed -n 's/^d14:failure reason[0-9]*:\(.*\)8:retry in.*/\1/p'; }
expect_refusal() { # WHAT WANT-SUBSTRING TOKEN IH
	local got
	got=$(reason "$3" "$4")
	[[ $got == *"$2"* ]] || fail "$1: got '$got', want '*$2*'"
	ok "$1 refused: $got"
}
expect_refusal "forged token (signature)" "invalid admission token" "$FORGED" "$IH"
OTHER_KEY_TOK=$("$TRK_BIN/p2pcd-mint-token" --master "$(printf 'ff%.0s' {1..32})" \
	--aud "$TRK_ID" --ih "$IH")
expect_refusal "token signed by another master" "invalid admission token" "$OTHER_KEY_TOK" "$IH"
EXPIRED=$(mint "$IH" --exp $(($(date +%s) - 120)))
expect_refusal "expired token" "expired" "$EXPIRED" "$IH"
NOT_YET=$(mint "$IH" --nbf $(($(date +%s) + 3600)) --ttl 7200)
expect_refusal "not-yet-valid token" "not yet valid" "$NOT_YET" "$IH"
FOREIGN=$("$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud trk-other --ih "$IH")
expect_refusal "token for another tracker" "another tracker" "$FOREIGN" "$IH"
OTHER_IH=$(printf '%040d' 7)
OTHER_SWARM=$(mint "$OTHER_IH")
expect_refusal "token for another swarm" "another torrent" "$OTHER_SWARM" "$IH"
expect_refusal "unregistered torrent" "unknown torrent" "$OTHER_SWARM" "$OTHER_IH"
LIC=$(mint "$IH" --typ p2pcd-lic+jwt)
expect_refusal "license token as admission" "invalid admission token" "$LIC" "$IH"
expect_refusal "no token" "token missing" "" "$IH"
got=$(curl -sS "http://127.0.0.1:$TRK_PORT/announce/$LEECH_TOK?info_hash=%zz")
[[ $got == *"malformed request"* ]] || fail "malformed query: $got"
ok "malformed query refused: $got"
[[ $(announce "$FORGED" "$IH") == *"8:retry in5:never"* ]] ||
	fail "no BEP 31 retry in on a bad token"
ok "refusals carry BEP 31 'retry in'"
# forged on a closing connection, forged, other master, license token, forged again
expect_eq "bad_token refusals counted" "$(metric 'p2pcd_tracker_refusals_total{reason="bad_token"}')" 5

# mute by plain SQL: enforced within 1 s, re-announces refused
PEER_ID_HEX=$(printf '%024x' 99) announce "$LEECH_TOK" "$IH" | grep -q '5:peers' ||
	fail "valid token refused before the mute"
q "UPDATE content SET state = 'muted' WHERE doi = '10.9999/aria2'"
t0=$(date +%s%N)
wait_for 1 sh -c "curl -sS 'http://127.0.0.1:$TRK_PORT/announce/$LEECH_TOK?info_hash=$(pct "$IH")&peer_id=$(pct "$(printf '%040x' 98)")&port=1&uploaded=0&downloaded=0&left=1' | grep -q 'muted'" ||
	fail "mute not enforced within 1 s"
ok "mute enforced $((($(date +%s%N) - t0) / 1000000)) ms after the COMMIT"
wait_for 10 sh -c "grep -q 'torrent muted' '$D/seed.log'" ||
	fail "the seeder's re-announce was not refused"
ok "aria2c seeder's re-announce refused: $(grep -o 'torrent muted[^"]*' "$D/seed.log" | head -1)"
q "UPDATE content SET state = 'active' WHERE doi = '10.9999/aria2'"
wait_for 2 sh -c "curl -sS 'http://127.0.0.1:$TRK_PORT/announce/$LEECH_TOK?info_hash=$(pct "$IH")&peer_id=$(pct "$(printf '%040x' 98)")&port=1&uploaded=0&downloaded=0&left=1' | grep -q '5:peers'" ||
	fail "unmute not applied"
ok "unmute by SQL applied"

# clean shutdown flushes and exits 0
kill -INT "$SEED_PID" 2>/dev/null || true
kill -TERM "$TRK_PID"
wait_for 10 sh -c "! kill -0 $TRK_PID 2>/dev/null" || fail "tracker did not stop on SIGTERM"
grep -q "statistics flushed" "$D/tracker.log" || fail "no final flush"
ok "SIGTERM: statistics flushed, tracker stopped"

# a restarted tracker goes on from the database's completion count
trk_start "$D"
got=$(scrape "$LEECH_TOK" "$IH")
[[ $got == *"10:downloadedi1e"* ]] || fail "scrape after restart: $got"
ok "after a restart, scrape's downloaded = 1 from swarm_stats"
