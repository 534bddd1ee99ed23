# Helpers for the p2pcd-tracker suites (tests/suites/6*-tracker-*.sh).
# shellcheck shell=bash
# Requires tests/lib/common.sh (and tests/lib/pg.sh for the DB parts).

TRK_BUILD=${TRK_BUILD:-release}
TRK_BIN=$TOP/build/$TRK_BUILD/bin
# a fixed test master secret: the AS side; the tracker gets only its key
TRK_MASTER=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
TRK_ADMIN_TOKEN=admin-token-0123456789

trk_build() {
	make -s -C "$TOP/tracker" BUILD="$TRK_BUILD" >/dev/null ||
		fail "build of p2pcd-tracker ($TRK_BUILD)"
	ok "p2pcd-tracker and p2pcd-mint-token built ($TRK_BUILD)"
}

# trk_key AUD [VERSION]: the key the AS derives for a tracker audience
trk_key() {
	"$TRK_BIN/p2pcd-mint-token" derive --master "$TRK_MASTER" \
		--aud "$1" --version "${2:-1}"
}

# mint IH [extra p2pcd-mint-token options]: a token from the AS master
mint() {
	local ih=$1
	shift
	"$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud "$TRK_ID" \
		--ih "$ih" "$@"
}

# trk_config FILE: a config for tracker $TRK_ID on $TRK_PORT/$TRK_ADMIN
# (extra libconfig lines from $TRK_EXTRA)
trk_config() {
	cat >"$1" <<CONF
tracker_id = "$TRK_ID";
announce_url = "http://127.0.0.1:$TRK_PORT/announce";
listen = { address = "127.0.0.1"; port = $TRK_PORT; threads = 2; };
admin = { address = "127.0.0.1"; port = $TRK_ADMIN;
          bearer_token = "$TRK_ADMIN_TOKEN"; };
tokens = { key = "$(trk_key "$TRK_ID")"; key_version = 1; skew = 5; };
announce = { interval = ${TRK_INTERVAL:-60}; min_interval = 5;
             peer_timeout = ${TRK_PEER_TIMEOUT:-120}; };
database = { enabled = ${TRK_DB:-true}; flush_interval = 1;
             register_interval = 1; reconnect_interval = 1; };
log = { level = "${TRK_LOG_LEVEL:-info}"; };
${TRK_EXTRA:-}
CONF
}

# trk_port: a free TCP port below the ephemeral range (32768+), so no
# outgoing connection of a busy machine can hold it when the tracker binds
trk_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port"
}

# trk_start DIR: start the tracker with DIR/tracker.conf, PID in TRK_PID.
# A port taken meanwhile by someone else: new ports, up to 3 tries.
trk_start() {
	local dir=$1 try np na
	for try in 1 2 3; do
		"$TRK_BIN/p2pcd-tracker" -c "$dir/tracker.conf" \
			>>"$dir/tracker.log" 2>&1 &
		TRK_PID=$!
		on_exit "trk_stop $TRK_PID"
		if wait_for 10 curl -fsS "http://127.0.0.1:$TRK_ADMIN/health"; then
			return 0
		fi
		if kill -0 "$TRK_PID" 2>/dev/null ||
			! tail -5 "$dir/tracker.log" | grep -q "cannot listen"; then
			break
		fi
		np=$(trk_port)
		na=$(trk_port)
		sed -i "s/\b$TRK_PORT\b/$np/g; s/\b$TRK_ADMIN\b/$na/g" "$dir/tracker.conf"
		echo "  (port taken, retrying on $np/$na)"
		TRK_PORT=$np
		TRK_ADMIN=$na
	done
	cat "$dir/tracker.log" >&2
	fail "tracker did not start"
}

# stop_pid PID [SIGNAL]: signal (default TERM), wait up to 10 s, then KILL
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
trk_stop() { stop_pid "$1" TERM; }

# pct HEX: percent-encode the bytes of a hex string (info_hash, peer_id)
pct() { sed 's/../%&/g' <<<"$1"; }

# announce TOKEN IH [QUERY-EXTRA]: raw reply of one announce
announce() {
	local tok=$1 ih=$2 extra=${3:-}
	curl -sS --max-time 5 "http://127.0.0.1:$TRK_PORT/announce/$tok?info_hash=$(pct "$ih")&peer_id=$(pct 2d5032303030302d${PEER_ID_HEX:-313233343536373839303132})&port=${PEER_PORT:-6881}&uploaded=${UP:-0}&downloaded=${DOWN:-0}&left=${LEFT:-100}&compact=1$extra"
}

# admin METHOD PATH: admin API call with the bearer token
admin() {
	curl -sS --max-time 5 -X "$1" -H "Authorization: Bearer $TRK_ADMIN_TOKEN" \
		"http://127.0.0.1:$TRK_ADMIN$2"
}

# metric NAME: one value from /metrics (NAME may include labels)
metric() {
	admin GET /metrics | awk -v n="$1" '$1 == n { print $2 }'
}

# sql_content DOI IH [STATE]: register content for $TRK_ID
sql_content() {
	q "INSERT INTO trackers (id, announce_url) VALUES ('$TRK_ID', 'http://127.0.0.1:$TRK_PORT/announce') ON CONFLICT DO NOTHING;
	   INSERT INTO publishers (impu) VALUES ('sip:pub@test') ON CONFLICT DO NOTHING;
	   INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
	   tracker_id, publisher) VALUES ('$1', 'test $1', decode('$2', 'hex'),
	   decode(md5('$1'), 'hex'), 1, '${3:-active}', '$TRK_ID', 'sip:pub@test')" >/dev/null
}
