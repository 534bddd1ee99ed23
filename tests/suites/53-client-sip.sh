#!/usr/bin/env bash
# 53-client-sip: the client's SIP UAC (client/sip_*.c) through
# 'p2pcd sip'. sipp as UAS (tests/sip/uas-*.xml) over UDP and TCP: a plain
# 200 (the request as sipp got it: headers, body, Via), digest on 401
# (sipp's verifyauth: right password 200, wrong 403) and 407 (every
# Proxy-Authorization parameter checked), a UAS that challenges twice, the
# retransmission of an unanswered first copy, no answer at all (timer F),
# 100 Trying then 200; a 100 KiB body chooses TCP by itself (a small
# Python UAS: sipp reads at most 64 KiB); usage errors; the response
# fuzzer for 20 s; then the real lab (scripts/lab.sh): MESSAGE through the
# edge proxy's digest challenge to the AS answers 404 for unknown content,
# over UDP and TCP, and a wrong password is refused.
#
# env: P2PCD_BIN (another build of the CLI, e.g. build/asan/bin/p2pcd),
#      SKIP_FUZZ=1, SKIP_LAB=1 (only the sipp parts)
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
echo "53-client-sip"

for tool in sipp python3 ss; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done
if [ -z "${P2PCD_BIN:-}" ]; then
	if [ -n "${SKIP_LAB:-}" ]; then
		make -s -C "$TOP/client"
	else
		make -s -C "$TOP" all
	fi
fi
P2PCD=${P2PCD_BIN:-$TOP/build/release/bin/p2pcd}
[ -x "$P2PCD" ] || fail "no $P2PCD"
mktemp_dir D client-sip
cd "$D"

# uas NAME udp|tcp [SIPP-ARGS...]: sipp with tests/sip/uas-NAME.xml for one
# call on a free port: SIPP_PID, SIPP_PORT, SIPP_LOG (its -trace_msg)
uas() {
	local name=$1 tr=$2 t=u1 ssopt=-Hul
	shift 2
	[ "$tr" = tcp ] && t=t1 ssopt=-Htl
	SIPP_PORT=$(free_port)
	SIPP_LOG=$D/$name-$tr-$SIPP_PORT.msg
	sipp -sf "$TOP/tests/sip/uas-$name.xml" -t $t -i 127.0.0.1 \
		-p "$SIPP_PORT" -m 1 -timeout 20 -recv_timeout 15000 -trace_msg \
		-message_file "$SIPP_LOG" -trace_err \
		-error_file "$SIPP_LOG.err" "$@" >"$SIPP_LOG.out" 2>&1 &
	SIPP_PID=$!
	on_exit "kill $SIPP_PID 2>/dev/null"
	wait_for 5 sh -c "ss $ssopt 'sport = :$SIPP_PORT' | grep -q ." ||
		fail "sipp (uas-$name) did not start"
}
# uas_rc: sipp's exit status (0: its one call succeeded), waiting <= 10 s
uas_rc() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SIPP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$SIPP_PID" 2>/dev/null || true
	set +e
	wait "$SIPP_PID"
	local rc=$?
	set -e
	return $rc
}
# sipc udp|tcp|auto ARGS...: 'p2pcd sip' to the sipp UAS as bob@ims.test;
# OUT (stdout and stderr), RC, SECS
sipc() {
	local tr=$1 t0
	shift
	t0=$(date +%s%N)
	set +e
	OUT=$("$P2PCD" sip "$@" --proxy "127.0.0.1:$SIPP_PORT" --transport "$tr" \
		--user bob --domain ims.test 2>&1)
	RC=$?
	set -e
	SECS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
# requests METHOD: the requests sipp received, one per line:
# "callid cseq branch fromtag auth?" (from its -trace_msg log)
requests() {
	python3 - "$SIPP_LOG" "$1" <<'PY'
import re, sys
log = '\n' + open(sys.argv[1], 'rb').read().decode('latin-1')
for block in re.split(r'\n-{20,} [^\n]*\n', log):
    if 'message received' not in block.split('\n', 1)[0]:
        continue
    msg = block.split('\n', 2)[2] if block.count('\n') >= 2 else ''
    msg = msg.lstrip('\r\n')
    if not msg.startswith(sys.argv[2] + ' '):
        continue
    h = {}
    for line in msg.split('\n\n', 1)[0].split('\n')[1:]:
        if ':' in line:
            k, v = line.split(':', 1)
            h.setdefault(k.strip().lower(), v.strip())
    br = re.search(r'branch=([^;\s]+)', h.get('via', ''))
    tag = re.search(r'tag=([^;\s]+)', h.get('from', ''))
    auth = 'auth' if ('authorization' in h or 'proxy-authorization' in h) else '-'
    print(h.get('call-id', '?'), h.get('cseq', '?').split()[0],
          br.group(1) if br else '?', tag.group(1) if tag else '?', auth)
PY
}
has() { grep -aqF -- "$2" "$1"; }

# --- usage -------------------------------------------------------------
set +e
"$P2PCD" sip --help | grep -q -- '--transport' && ok "sip --help" || fail "sip --help"
"$P2PCD" sip >/dev/null 2>&1; expect_eq "no arguments: exit" $? 2
env -u P2PCD_PROXY "$P2PCD" sip OPTIONS sip:x@y --user u --domain d >/dev/null 2>&1
expect_eq "no proxy: exit" $? 2
"$P2PCD" sip OPTIONS sip:x@y --proxy 127.0.0.1 --user u --domain d \
	--transport sctp >/dev/null 2>&1
expect_eq "bad --transport: exit" $? 2
P2PCD_SIP_T1_MS=abc "$P2PCD" sip OPTIONS sip:x@y --proxy 127.0.0.1 \
	--user u --domain d >/dev/null 2>&1
expect_eq "bad P2PCD_SIP_T1_MS: exit" $? 2
"$P2PCD" sip OPTIONS sip:x@y --proxy 127.0.0.1 --user u --domain d \
	--header 'no colon' >/dev/null 2>&1
expect_eq "bad --header: exit" $? 2
set -e

# --- nothing listens -----------------------------------------------------
SIPP_PORT=$(free_port)
sipc udp OPTIONS sip:x@127.0.0.1
[ "$RC" = 1 ] && [[ $OUT == *"nothing listens on UDP"* ]] &&
	ok "UDP, no proxy: '$OUT'" || fail "UDP, no proxy: rc $RC: $OUT"
sipc tcp OPTIONS sip:x@127.0.0.1
[ "$RC" = 1 ] && [[ $OUT == *"refused"* ]] &&
	ok "TCP, no proxy: '$OUT'" || fail "TCP, no proxy: rc $RC: $OUT"

printf '{"hello": "p2pcd", "n": 1}\n' >"$D/body.json"
for tr in udp tcp; do
	T=$(echo $tr | tr a-z A-Z)
	# --- plain 200: what went out, what came back ---------------------
	uas 200 $tr
	sipc $tr MESSAGE 'sip:10.9999%2Fnone@content.ims.test' \
		--header 'Event: p2pcd-content' --header 'X-Test:  a b ' \
		--body "$D/body.json" --content-type application/json --json
	[ "$RC" = 0 ] || fail "$tr 200: rc $RC: $OUT"
	uas_rc || fail "$tr 200: sipp failed: $(tail -3 "$SIPP_LOG.out")"
	python3 - "$OUT" <<'PY' || fail "$tr 200: JSON: $OUT"
import json, sys
j = json.loads(sys.argv[1])
assert j["status"] == 200 and j["reason"] == "OK", j
h = j["headers"]
assert h["sip-etag"].startswith("etag-") and h["expires"] == "3600", h
assert "purpose=p2pcd-grant" in h["call-info"], h
assert "purpose=p2pcd-content" in h["call-info"], h
PY
	ok "$tr: 200 as JSON (status, SIP-ETag, Expires, Call-Info)"
	for want in "MESSAGE sip:10.9999/none@content.ims.test SIP/2.0" \
		"Via: SIP/2.0/$T 127.0.0.1:" ";rport;branch=z9hG4bK" \
		"From: <sip:bob@ims.test>;tag=" \
		"To: <sip:10.9999/none@content.ims.test>" \
		"Event: p2pcd-content" "X-Test: a b" "Max-Forwards: 70" \
		"User-Agent: p2pcd/0.1" "Content-Type: application/json" \
		'{"hello": "p2pcd", "n": 1}'; do
		has "$SIPP_LOG" "$want" || fail "$tr: request lacks '$want'"
	done
	grep -aEq "^Content-Length: *$(stat -c %s "$D/body.json")" "$SIPP_LOG" ||
		fail "$tr: wrong Content-Length"
	ok "$tr: sipp got Via $T with rport and branch, From/To, Event, X-Test, Max-Forwards, User-Agent, the body and its length"

	# text output
	uas 200 $tr
	sipc $tr OPTIONS sip:x@content.ims.test
	uas_rc || true
	[ "$RC" = 0 ] && [ "$(echo "$OUT" | head -1)" = "SIP/2.0 200 OK" ] &&
		echo "$OUT" | grep -qi '^Sip-etag: etag-' &&
		ok "$tr: text output (status line, headers)" || fail "$tr text: $OUT"

	# --- 401 + sipp verifyauth ------------------------------------------
	for qop in ', qop="auth"' ''; do
		q=${qop:+qop=auth}
		q=${q:-no qop}
		uas auth $tr -key pw bob -key qop "$qop"
		sipc $tr MESSAGE sip:x@content.ims.test --password bob
		[ "$RC" = 0 ] && [[ $OUT == "SIP/2.0 200 OK"* ]] ||
			fail "$tr 401 ($q), right password: rc $RC: $OUT"
		uas_rc || fail "$tr 401 ($q): sipp: $(cat "$SIPP_LOG.err" 2>/dev/null)"
		mapfile -t rq < <(requests MESSAGE)
		[ ${#rq[@]} = 2 ] || fail "$tr 401: ${#rq[@]} requests: ${rq[*]}"
		read -r c1 s1 b1 f1 a1 <<<"${rq[0]}"
		read -r c2 s2 b2 f2 a2 <<<"${rq[1]}"
		[ "$c1" = "$c2" ] && [ "$f1" = "$f2" ] && [ "$s2" = $((s1 + 1)) ] &&
			[ "$b1" != "$b2" ] && [ "$a1" = - ] && [ "$a2" = auth ] ||
			fail "$tr 401: retry not same Call-ID/tag, CSeq+1, new branch: ${rq[*]}"
		ok "$tr: 401 ($q) answered, sipp verified the digest: 200; retry with the same Call-ID and From tag, CSeq+1, new branch"
	done
	uas auth $tr -key pw bob -key qop ', qop="auth"'
	sipc $tr MESSAGE sip:x@content.ims.test --password wrong
	uas_rc || true
	[ "$RC" = 1 ] && [[ $OUT == "SIP/2.0 403 Bad Credentials"* ]] &&
		ok "$tr: wrong password: sipp's verifyauth refused it (403, exit 1)" ||
		fail "$tr: wrong password: rc $RC: $OUT"

	# --- 407 with every parameter checked ------------------------------
	uas auth407 $tr
	sipc $tr MESSAGE sip:x@content.ims.test --password bob
	[ "$RC" = 0 ] && uas_rc && echo "$OUT" | grep -qi 'x-auth-seen:.*nc=00000001' &&
		ok "$tr: 407: Proxy-Authorization with username, realm, nonce, uri, response, MD5, cnonce, qop=auth, nc, opaque" ||
		fail "$tr 407: rc $RC: $OUT $(cat "$SIPP_LOG.err" 2>/dev/null)"

	# --- challenged twice, or no password ------------------------------
	uas rechallenge $tr
	sipc $tr MESSAGE sip:x@content.ims.test --password wrong
	uas_rc || true
	[ "$RC" = 1 ] && [[ $OUT == *"authentication failed"*"wrong password"* ]] &&
		ok "$tr: challenged again: '$OUT'" || fail "$tr rechallenge: rc $RC: $OUT"
	uas rechallenge $tr
	P2PCD_PASSWORD= sipc $tr MESSAGE sip:x@content.ims.test
	kill "$SIPP_PID" 2>/dev/null || true
	[ "$RC" = 1 ] && [[ $OUT == *"wants authentication"*"--password"* ]] &&
		ok "$tr: challenge without a password: '$OUT'" || fail "$tr no password: rc $RC: $OUT"

	# --- 100 Trying, then 200 after 1.2 s ------------------------------
	uas 100 $tr -d 1200
	sipc $tr MESSAGE sip:x@content.ims.test
	uas_rc || true
	[ "$RC" = 0 ] && [[ $OUT == "SIP/2.0 200 OK"* ]] && [ "$SECS" -ge 1100 ] &&
		ok "$tr: 100 Trying is not final: 200 after ${SECS} ms" ||
		fail "$tr 100: rc $RC after $SECS ms: $OUT"

	# --- no answer: timer F = 64 * 50 ms ---------------------------------
	uas silent $tr -d 6000
	P2PCD_SIP_T1_MS=50 sipc $tr MESSAGE sip:x@content.ims.test
	kill "$SIPP_PID" 2>/dev/null || true
	n=$(requests MESSAGE | sort -u | wc -l)
	copies=$(grep -ac '^MESSAGE ' "$SIPP_LOG" || true)
	[ "$RC" = 1 ] && [[ $OUT == *"timer F"* ]] && [ "$SECS" -ge 3100 ] &&
		[ "$SECS" -lt 4500 ] && [ "$n" = 1 ] ||
		fail "$tr silent: rc $RC after $SECS ms, $n distinct requests: $OUT"
	if [ $tr = udp ]; then
		# 0, 50, 150, 350, 750, 1550, 3150 ms
		[ "$copies" = 7 ] || fail "UDP timer F: $copies copies, want 7"
	else
		[ "$copies" = 1 ] || fail "TCP timer F: $copies copies, want 1"
	fi
	ok "$tr: no answer: '$OUT' after $SECS ms, $copies cop$([ "$copies" = 1 ] && echo y || echo ies)"
done

# --- UDP: the first copy unanswered, the retransmission answered ----------
uas retrans udp -nr
P2PCD_SIP_T1_MS=100 sipc udp MESSAGE sip:x@content.ims.test
uas_rc || fail "retransmission: sipp: $(tail -3 "$SIPP_LOG.out")"
mapfile -t rq < <(requests MESSAGE)
[ "$RC" = 0 ] && [ ${#rq[@]} = 2 ] && [ "${rq[0]}" = "${rq[1]}" ] &&
	ok "UDP: the retransmission (same Call-ID, CSeq, branch, tag) got the 200" ||
	fail "retransmission: rc $RC, requests: ${rq[*]}: $OUT"

# --- a 100 KiB body: AUTO takes TCP ----------------------------------------
cat >"$D/tcp_uas.py" <<'PY'
# A minimal UAS for one large request: TCP and UDP on one port; writes
# "TRANSPORT BODY-BYTES" of what it got to argv[2] and answers 200 over TCP.
import re, select, socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port)); t.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port))
r, _, _ = select.select([t, u], [], [], 15)
if u in r:
    open(out, "w").write("UDP %d\n" % len(u.recv(70000))); sys.exit(0)
if not r:
    sys.exit(1)
c, _ = t.accept(); c.settimeout(10); buf = b""
while b"\r\n\r\n" not in buf:
    buf += c.recv(65536)
head, body = buf.split(b"\r\n\r\n", 1)
n = int(re.search(rb"\r\n(?:Content-Length|l) *: *(\d+)", head, re.I).group(1))
while len(body) < n:
    body += c.recv(65536)
hdr = {}
for line in head.decode().split("\r\n")[1:]:
    k, v = line.split(":", 1); hdr.setdefault(k.strip().lower(), v.strip())
open(out, "w").write("TCP %d %s\n" % (len(body), hdr["via"]))
resp = "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=x\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n" % (
    hdr["via"], hdr["from"], hdr["to"], hdr["call-id"], hdr["cseq"])
c.sendall(resp[:40].encode()); c.sendall(resp[40:].encode())  # in two parts
c.close()
PY
head -c 76800 /dev/urandom | base64 -w 0 >"$D/big.json"
expect_eq "big body size" "$(stat -c %s "$D/big.json")" 102400
SIPP_PORT=$(free_port)
python3 "$D/tcp_uas.py" "$SIPP_PORT" "$D/big.got" &
py=$!
on_exit "kill $py 2>/dev/null"
wait_for 5 sh -c "ss -Htl 'sport = :$SIPP_PORT' | grep -q ." || fail "tcp_uas.py"
sipc auto PUBLISH sip:bob@ims.test --header 'Event: p2pcd-content' \
	--body "$D/big.json" --content-type application/json
wait "$py" || fail "tcp_uas.py failed: $(cat "$D/big.got" 2>/dev/null)"
[ "$RC" = 0 ] && [[ "$(cat "$D/big.got")" == "TCP 102400 SIP/2.0/TCP 127.0.0.1:"* ]] &&
	ok "auto: a 100 KiB body went over TCP, all of it ($(cat "$D/big.got" | cut -d' ' -f1-2))" ||
	fail "auto big body: rc $RC, UAS got: $(cat "$D/big.got" 2>/dev/null): $OUT"
sipc udp PUBLISH sip:bob@ims.test --body "$D/big.json"
[ "$RC" = 1 ] && [[ $OUT == *"does not fit a UDP datagram"* ]] &&
	ok "udp forced: a 100 KiB body refused: '$OUT'" || fail "udp big: rc $RC: $OUT"

# --- the response fuzzer ---------------------------------------------------
if [ -z "${SKIP_FUZZ:-}" ]; then
	make -s -C "$TOP/tests/fuzz/client" all
	make -s -C "$TOP/tests/fuzz/client" run FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
	ok "fuzz_sip_resp: no crash"
fi

# --- the real lab: edge proxy (digest) -> AS ------------------------------
if [ -n "${SKIP_LAB:-}" ]; then
	echo "53-client-sip: PASS (without the lab)"
	exit 0
fi
for tool in kamailio kamcmd psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done
mktemp_dir LAB_DIR lab
export LAB_DIR
LAB_PG_PORT=$(free_port) LAB_AS_PORT=$(free_port) LAB_EDGE_PORT=$(free_port)
LAB_TRACKER_PORT=$(free_port) LAB_TRACKER_ADMIN_PORT=$(free_port)
export LAB_PG_PORT LAB_AS_PORT LAB_EDGE_PORT LAB_TRACKER_PORT LAB_TRACKER_ADMIN_PORT
on_exit "'$TOP/scripts/lab.sh' stop >/dev/null 2>&1"
out=$("$TOP/scripts/lab.sh" start 2>&1) || { echo "$out"; fail "lab start"; }
ok "lab started (edge 127.0.0.2:$LAB_EDGE_PORT)"
lab() { # lab udp|tcp PASSWORD
	set +e
	OUT=$("$P2PCD" sip MESSAGE 'sip:10.9999%2Fnone@content.ims.test' \
		--proxy "127.0.0.2:$LAB_EDGE_PORT" --transport "$1" --user bob \
		--password "$2" --domain ims.test 2>&1)
	RC=$?
	set -e
}
for tr in udp tcp; do
	lab $tr bob
	[ "$RC" = 1 ] && [[ $OUT == "SIP/2.0 404 "* ]] &&
		ok "lab $tr: bob through the edge's digest challenge: the AS answers $(echo "$OUT" | head -1)" ||
		fail "lab $tr: rc $RC: $OUT"
	lab $tr wrong
	[ "$RC" = 1 ] && [[ $OUT == *"authentication failed"* ]] &&
		ok "lab $tr: wrong password refused: '$OUT'" || fail "lab $tr wrong: rc $RC: $OUT"
done
echo "53-client-sip: PASS"
