#!/usr/bin/env bash
# p2pcd-tracker in the lab: renders its configuration from the lab template
# (lab/tracker.conf.in, the one scripts/lab.sh uses) with
# scripts/render-tracker-conf.sh, checks it (--check-config), then runs the
# tracker in the foreground as $P2PCD_RUN_USER. Roles: announce (+ license
# service) on $ANNOUNCE_PORT, index (HTTPS) on $INDEX_PORT, admin on
# $ADMIN_ADDR:$ADMIN_PORT (loopback of the container: docker exec/compose
# exec reaches it, the lab network does not). Keys and certificates come
# from the init service's tracker volume at $SECRETS.
set -euo pipefail
cd /

TOP=${P2PCD_TOP:-/src}
BIN=${P2PCD_BIN:-$TOP/build/release/bin}
S=${SECRETS:-/secrets}
RUN_USER=${P2PCD_RUN_USER:-p2pcd}
CONF_DIR=${CONF_DIR:-/run/p2pcd}
TRACKER_ID=${TRACKER_ID:-tracker-1}
PUBLIC_HOST=${PUBLIC_HOST:-$TRACKER_ID}
DB_HOST=${DB_HOST:-postgres}
DB_PORT=${DB_PORT:-5432}

for f in tracker.key license.key admin.token db.password license-x25519.key \
	license-kek.key index-cert.pem index-key.pem; do
	[ -s "$S/$f" ] || { echo "tracker: $S/$f missing (init service)" >&2; exit 1; }
done
mkdir -p "$CONF_DIR"
conf=$CONF_DIR/tracker.conf
"$TOP/scripts/render-tracker-conf.sh" "$TOP/lab/tracker.conf.in" "$conf" \
	TRACKER_ID="$TRACKER_ID" \
	PUBLIC_HOST="$PUBLIC_HOST" \
	LISTEN_ADDR="${LISTEN_ADDR:-0.0.0.0}" \
	ANNOUNCE_PORT="${ANNOUNCE_PORT:-6969}" \
	ADMIN_ADDR="${ADMIN_ADDR:-127.0.0.1}" \
	ADMIN_PORT="${ADMIN_PORT:-6970}" \
	ADMIN_TOKEN="$(cat "$S/admin.token")" \
	TRACKER_KEY="$(cat "$S/tracker.key")" \
	DB_CONNINFO="host=$DB_HOST port=$DB_PORT dbname=p2pcd user=postgres password=$(cat "$S/db.password")" \
	LICENSE_ENABLED=true \
	LICENSE_KEY="$(cat "$S/license.key")" \
	SECRETS="$S" \
	INDEX_ENABLED=true \
	INDEX_PORT="${INDEX_PORT:-6443}" \
	CONTENT_DOMAIN="${CONTENT_DOMAIN:-content.ims.test}"
chown "$RUN_USER:" "$CONF_DIR" "$conf"

run_as() { setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- "$@"; }
run_as "$BIN/p2pcd-tracker" --check-config -c "$conf"
# TRACKER_CHECK_ONLY=1: stop here (tests/suites/95-docker-config.sh)
[ -z "${TRACKER_CHECK_ONLY:-}" ] || exit 0
exec setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- \
	"$BIN/p2pcd-tracker" -c "$conf"
