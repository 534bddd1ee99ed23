#!/usr/bin/env bash
# Installs every Debian package p2pcd needs to build, test and run its lab,
# and the deb-src entry that `apt-get source kamailio` needs. Idempotent:
# a second run with everything present touches nothing.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

PKGS=(
	# toolchain and build
	build-essential pkg-config clang clang-format libclang-rt-14-dev dpkg-dev bison flex
	# libraries
	libssl-dev libsodium-dev libcmocka-dev libpq-dev libmicrohttpd-dev
	libconfig-dev libjansson-dev libcurl4-openssl-dev libosip2-dev
	# runtime parts
	postgresql-15 postgresql-client-15
	kamailio kamailio-postgres-modules
	sip-tester aria2 opentracker wrk mktorrent transmission-cli
	# test tooling
	iproute2 procps psmisc curl python3 python3-cryptography xxd openssl
	# the content index page test (headless) and the docker-compose lab check
	chromium docker-compose
	# media: cenc encrypt/decrypt of MP4 (p2pcd encrypt/decrypt), test media
	ffmpeg
)

need_update=
# deb-src for the Kamailio source the module is built against.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	! grep -qs '^deb-src' /etc/apt/sources.list 2>/dev/null; then
	cat >/etc/apt/sources.list.d/p2pcd-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
export DEBIAN_FRONTEND=noninteractive
if [ -n "$need_update" ] || [ ${#missing[@]} -gt 0 ]; then
	apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's packages start system services; p2pcd runs its own instances on
# its own ports, so the packaged ones are stopped to keep ports free.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	for svc in kamailio opentracker; do
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	done
fi
exit 0
