#!/usr/bin/env bash
# The lab's one-shot "init" service: makes every secret once into the
# volumes mounted under $SECRETS (default /secrets), one directory (volume)
# per consumer, so each container holds only what it needs (DESIGN.md 3: a
# tracker holds its own derived keys, never the AS's master secret):
#
#   as/       master.hex (the AS's token master secret), db.password
#   tracker/  tracker.key, license.key (keys derived for the audiences
#             $TRACKER_ID and "license"), license-x25519.key (p2pcd keygen),
#             license-kek.key, index-key.pem + index-cert.pem (self-signed,
#             SAN DNS:$TRACKER_ID), admin.token, db.password
#   edge/     db.password
#   postgres/ db.password (the password of the database role postgres)
#   public/   index-cert.pem (clients: --ca-file), license-x25519.pub
#             (publishers: --license-key)
#
# A file that exists is kept: restarting the lab keeps its keys. Runs as
# root; the files daemons read after dropping privileges belong to p2pcd.
set -euo pipefail

S=${SECRETS:-/secrets}
TRACKER_ID=${TRACKER_ID:-tracker-1}
RUN_USER=${P2PCD_RUN_USER:-p2pcd}
BIN=${P2PCD_BIN:-/src/build/release/bin}
umask 077

mkdir -p "$S"
chmod 0755 "$S" # each directory below guards its own files
for d in as tracker edge postgres public; do
	mkdir -p "$S/$d"
done
hex() { head -c "$1" /dev/urandom | xxd -p -c 256; }
# put FILE CMD...: FILE from CMD's stdout, unless it exists
put() {
	local f=$1
	shift
	[ -s "$f" ] && return 0
	"$@" >"$f.tmp"
	[ -s "$f.tmp" ] || { echo "init: $f: empty" >&2; exit 1; }
	mv -f "$f.tmp" "$f"
	echo "init: made $f"
}

put "$S/as/master.hex" hex 32
put "$S/postgres/db.password" hex 24
for d in as tracker edge; do
	put "$S/$d/db.password" cat "$S/postgres/db.password"
done
put "$S/tracker/admin.token" hex 24
master=$(cat "$S/as/master.hex")
put "$S/tracker/tracker.key" "$BIN/p2pcd-mint-token" derive \
	--master "$master" --aud "$TRACKER_ID" --version 1
put "$S/tracker/license.key" "$BIN/p2pcd-mint-token" derive \
	--master "$master" --aud license --version 1
unset master
put "$S/tracker/license-kek.key" printf 'kek=%s\n' "$(hex 32)"
if [ ! -s "$S/tracker/license-x25519.key" ]; then
	rm -f "$S/tracker/license-x25519.pub"
	"$BIN/p2pcd" keygen --secret "$S/tracker/license-x25519.key" \
		--public "$S/tracker/license-x25519.pub" >/dev/null
	echo "init: made $S/tracker/license-x25519.key"
fi
if [ ! -s "$S/tracker/index-key.pem" ] || [ ! -s "$S/tracker/index-cert.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 825 -subj "/CN=$TRACKER_ID" \
		-addext "subjectAltName=DNS:$TRACKER_ID" \
		-keyout "$S/tracker/index-key.pem" -out "$S/tracker/index-cert.pem" \
		2>/dev/null
	echo "init: made $S/tracker/index-cert.pem (SAN DNS:$TRACKER_ID)"
fi
cp "$S/tracker/index-cert.pem" "$S/public/index-cert.pem"
cp "$S/tracker/license-x25519.pub" "$S/public/license-x25519.pub"

# owners and modes: secrets 0600, public files 0644
if [ "$(id -u)" -eq 0 ] && id "$RUN_USER" >/dev/null 2>&1; then
	chown -R "$RUN_USER:" "$S/as" "$S/tracker" "$S/public"
	chown -R root:root "$S/edge" "$S/postgres" # read by root entrypoints
fi
chmod 0700 "$S/as" "$S/tracker" "$S/edge" "$S/postgres"
chmod 0755 "$S/public"
chmod 0600 "$S"/as/* "$S"/tracker/* "$S"/edge/* "$S"/postgres/*
chmod 0644 "$S/tracker/index-cert.pem" "$S/tracker/license-x25519.pub" "$S"/public/*
echo "init: secrets ready in $S"
