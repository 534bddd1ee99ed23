#!/usr/bin/env bash
# The lab's p2pcd clients (the CLI, client/), through the edge proxy with
# the SIP identity of P2PCD_USER/P2PCD_PASSWORD/P2PCD_DOMAIN and the proxy
# P2PCD_PROXY (the CLI reads them from the environment).
#
# usage: client-entrypoint.sh seed   publish a generated file, then seed it
#        client-entrypoint.sh buy    buy what the seeder published, check it
#        client-entrypoint.sh p2pcd ARGS...   run the CLI
#
# seed: makes $DATA/lab-demo.bin ($DEMO_SIZE_KIB KiB of random bytes, once),
#   `p2pcd publish` it (the content key sealed to $PUBLIC/license-x25519.pub,
#   grant/index over HTTPS checked with $PUBLIC/index-cert.pem), writes the
#   content's SIP URI (from its --json result) to $SHARED/content.uri and
#   the file's SHA-256 to $SHARED/content.sha256, and seeds (publish goes
#   on seeding in the foreground: the container stays up).
# buy: waits for $SHARED/content.uri, `p2pcd buy` it into
#   $DATA/$P2PCD_USER.out and compares the SHA-256 with the seeder's.
set -euo pipefail

TOP=${P2PCD_TOP:-/src}
BIN=${P2PCD_BIN:-$TOP/build/release/bin}
RUN_USER=${P2PCD_RUN_USER:-p2pcd}
PUBLIC=${PUBLIC:-/public}
SHARED=${SHARED:-/shared}
DATA=${DATA:-/data}
P="$BIN/p2pcd"
export P2PCD_KEYSTORE=${P2PCD_KEYSTORE:-$DATA/keystore}

# as root (the container's start): fix owners, then again as RUN_USER
if [ "$(id -u)" -eq 0 ] && [ "$RUN_USER" != root ]; then
	mkdir -p "$DATA" "$SHARED"
	chown "$RUN_USER:" "$DATA"
	[ "${1:-}" = seed ] && chown "$RUN_USER:" "$SHARED"
	exec setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- \
		env HOME="$DATA" "$0" "$@"
fi
cd "$DATA"

# retry N CMD...: CMD until it succeeds, N tries 3 s apart (the AS answers
# 503 until a tracker has registered as live)
retry() {
	local n=$1 i
	shift
	for ((i = 1; ; i++)); do
		"$@" && return 0
		[ "$i" -lt "$n" ] || return 1
		echo "client: try $i of $n failed, again in 3 s" >&2
		sleep 3
	done
}

case ${1:-} in
seed)
	: "${P2PCD_USER:?P2PCD_USER (the publisher) is required}"
	f=$DATA/lab-demo.bin
	[ -s "$f" ] || head -c "$((${DEMO_SIZE_KIB:-4096} * 1024))" /dev/urandom >"$f"
	out=$DATA/publish.json
	# p2pcd publish prints its result (--json) once the AS accepted the
	# PUBLISH, then goes on seeding in the foreground; it fails at once
	# (e.g. 503 until a tracker is live), and is then tried again
	pid=
	trap '[ -n "$pid" ] && kill -INT "$pid"' TERM INT
	for ((try = 1; try <= ${PUBLISH_TRIES:-10}; try++)); do
		rm -f "$out"
		"$P" publish "$f" --title "${DEMO_TITLE:-Lab demo}" \
			--price-cents "${DEMO_PRICE_CENTS:-99}" \
			--license-key "$PUBLIC/license-x25519.pub" \
			--ca-file "$PUBLIC/index-cert.pem" --dir "$DATA" --force \
			--state "$DATA/publish.state" --json >"$out" &
		pid=$!
		while kill -0 "$pid" 2>/dev/null && [ ! -s "$out" ]; do sleep 0.2; done
		[ -s "$out" ] && break
		wait "$pid" || true
		pid=
		echo "client: publish try $try failed, again in 3 s" >&2
		sleep 3
	done
	[ -s "$out" ] || { echo "client: publish failed" >&2; exit 1; }
	uri=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["content_uri"])' "$out")
	sha256sum "$f" | cut -d' ' -f1 >"$SHARED/.content.sha256"
	mv -f "$SHARED/.content.sha256" "$SHARED/content.sha256"
	echo "$uri" >"$SHARED/.content.uri"
	mv -f "$SHARED/.content.uri" "$SHARED/content.uri"
	echo "client: published $uri; seeding (docker stop ends it gracefully)"
	wait "$pid"
	;;
buy)
	: "${P2PCD_USER:?P2PCD_USER (the buyer) is required}"
	for ((i = 0; i < 300; i++)); do
		[ -s "$SHARED/content.uri" ] && break
		sleep 1
	done
	[ -s "$SHARED/content.uri" ] || { echo "client: no $SHARED/content.uri (seeder)" >&2; exit 1; }
	uri=$(cat "$SHARED/content.uri")
	out=$DATA/$P2PCD_USER.out
	echo "client: $P2PCD_USER buys $uri"
	retry "${BUY_TRIES:-3}" "$P" buy "$uri" --ca-file "$PUBLIC/index-cert.pem" \
		--dir "$DATA" --out "$out" --seed-time "${BUY_SEED_TIME:-30}"
	want=$(cat "$SHARED/content.sha256")
	got=$(sha256sum "$out" | cut -d' ' -f1)
	[ "$got" = "$want" ] ||
		{ echo "client: $out has SHA-256 $got, the seeder's file $want" >&2; exit 1; }
	echo "client: $P2PCD_USER got the content, SHA-256 $got (same as the seeder's)"
	;;
p2pcd)
	shift
	exec "$P" "$@"
	;;
*)
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
