#!/usr/bin/env bash
# The packaged Kamailio of the lab, as the AS or as the edge proxy, with
# the repository's configuration files and the same -A defines
# scripts/lab.sh gives them; in the foreground as $P2PCD_RUN_USER.
#
# usage: kamailio-entrypoint.sh as|edge
#
# Every define of kamailio-cfg/as.cfg (P2PCD_*) or kamailio-cfg/edge.cfg
# (EDGE_*) listed below that is set in the environment becomes -A NAME=VALUE
# (quoted for strings). The database URL (P2PCD_DB_URL / EDGE_DB_URL) is
# made here from DB_HOST and $SECRETS/db.password unless given.
set -euo pipefail
cd /

TOP=${P2PCD_TOP:-/src}
S=${SECRETS:-/secrets}
RUN_USER=${P2PCD_RUN_USER:-p2pcd}
RUN_DIR=${RUN_DIR:-/run/p2pcd}
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
role=${1:-}

db_url() {
	[ -s "$S/db.password" ] || { echo "kamailio: $S/db.password missing (init service)" >&2; exit 1; }
	echo "postgres://postgres:$(cat "$S/db.password")@${DB_HOST:-postgres}:${DB_PORT:-5432}/p2pcd"
}
case $role in
as)
	cfg=as.cfg
	: "${P2PCD_SO:=$TOP/build/module/p2pcd.so}"
	: "${P2PCD_CTL:=unix:$RUN_DIR/ctl.sock}"
	: "${P2PCD_MASTER_KEY_FILE:=$S/master.hex}"
	[ -n "${P2PCD_DB_URL:-}" ] || P2PCD_DB_URL=$(db_url)
	[ -n "${P2PCD_TRUSTED:-}" ] ||
		{ echo "kamailio: P2PCD_TRUSTED (the edge's address) is required" >&2; exit 1; }
	[ -s "$P2PCD_MASTER_KEY_FILE" ] ||
		{ echo "kamailio: $P2PCD_MASTER_KEY_FILE missing (init service)" >&2; exit 1; }
	strings=(P2PCD_SO P2PCD_CTL P2PCD_ADDR P2PCD_ADDR6 P2PCD_DB_URL P2PCD_TRUSTED
		P2PCD_ACCESS P2PCD_DOMAIN P2PCD_MASTER_KEY_FILE P2PCD_KEMI_JS)
	numbers=(P2PCD_PORT P2PCD_CHILDREN P2PCD_ASYNC P2PCD_DEBUG P2PCD_RETRY_AFTER
		P2PCD_TRACKER_MAX_AGE P2PCD_MAX_PUBLISH_BODY P2PCD_BATCH)
	;;
edge)
	cfg=edge.cfg
	: "${EDGE_CTL:=unix:$RUN_DIR/ctl.sock}"
	[ -n "${EDGE_DB_URL:-}" ] || EDGE_DB_URL=$(db_url)
	[ -n "${EDGE_AS:-}" ] || { echo "kamailio: EDGE_AS (the AS's SIP URI) is required" >&2; exit 1; }
	strings=(EDGE_ADDR EDGE_DOMAIN EDGE_DB_URL EDGE_AS EDGE_CTL)
	numbers=(EDGE_PORT EDGE_CHILDREN)
	;;
*)
	echo "usage: kamailio-entrypoint.sh as|edge" >&2
	exit 2
	;;
esac

defs=()
for n in "${strings[@]}"; do
	[ -n "${!n:-}" ] || continue
	case ${!n} in *'"'*) echo "kamailio: $n holds a double quote" >&2; exit 1 ;; esac
	defs+=(-A "$n=\"${!n}\"")
done
for n in "${numbers[@]}"; do
	[ -n "${!n:-}" ] || continue
	[[ ${!n} =~ ^[0-9]+$ ]] || { echo "kamailio: $n must be a number" >&2; exit 1; }
	defs+=(-A "$n=${!n}")
done
# P2PCD_SYNC is a flag define (async off) when set to anything
[ "$role" = as ] && [ -n "${P2PCD_SYNC:-}" ] && defs+=(-A P2PCD_SYNC)

mkdir -p "$RUN_DIR"
chown "$RUN_USER:" "$RUN_DIR"
exec setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups -- \
	"$KAMAILIO" -f "$TOP/kamailio-cfg/$cfg" -Y "$RUN_DIR" -P "$RUN_DIR/kamailio.pid" \
	-m "${KAMAILIO_SHM_MB:-256}" -M "${KAMAILIO_PKG_MB:-16}" "${defs[@]}" -DD -E
