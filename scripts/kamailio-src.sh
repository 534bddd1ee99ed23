#!/usr/bin/env bash
# Prints (last line of stdout) the path of a Kamailio source tree prepared
# for building out-of-tree modules that the INSTALLED Debian kamailio
# package (/usr/sbin/kamailio) accepts: the exact Debian source version,
# `make cfg` run with the flags debian/rules uses. Progress goes to stderr.
#
# Cache: ${P2PCD_CACHE:-TOP/.cache/kamailio}/DEBIAN-VERSION/ (the tree
# itself, containing src/). A tree is complete when its stamp file exists;
# then this script only checks the stamp. Otherwise it fetches the source
# with `apt-get source kamailio=DEBIAN-VERSION` (needs a deb-src entry, see
# scripts/install-deps.sh) into a temporary directory next to the cache,
# runs `make cfg`, checks that the compile-flags line and the version it
# gives equal those of /usr/sbin/kamailio, writes the stamp, and renames
# the tree into place. An interrupted run leaves only a temporary directory,
# removed by the next run. Concurrent runs serialize on a lock file.
#
# Kamailio itself is not built (modules only need its headers and
# Makefiles).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${P2PCD_CACHE:-$TOP/.cache/kamailio}
STAMP=.p2pcd-prepared
KAMAILIO_BIN=${KAMAILIO_BIN:-/usr/sbin/kamailio}

die() {
	echo "kamailio-src: $*" >&2
	exit 1
}

version=$(dpkg-query -W -f='${Version}' kamailio 2>/dev/null) ||
	die "the Debian package kamailio is not installed (scripts/install-deps.sh)"
[ -n "$version" ] || die "cannot read the installed kamailio version"
dest=$CACHE/${version//:/_}

# Fast path: a complete tree for the installed version.
if [ -f "$dest/$STAMP" ]; then
	echo "$dest"
	exit 0
fi

for tool in apt-get dpkg-source dpkg-buildflags make gcc pkg-config flock; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found (scripts/install-deps.sh installs it)"
done
# Without pkg-config and libssl-dev, Makefile.defs drops
# -DKSR_PTHREAD_MUTEX_SHARED and the loader refuses every module with
# "module compile flags mismatch".
pkg-config --exists libssl ||
	die "pkg-config cannot find libssl: install libssl-dev"
[ -x "$KAMAILIO_BIN" ] || die "$KAMAILIO_BIN not found"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "timed out waiting for $CACHE/.lock"
# Another run may have finished while we waited.
if [ -f "$dest/$STAMP" ]; then
	echo "$dest"
	exit 0
fi

# Leftovers of interrupted runs (we hold the lock: nobody else is working).
rm -rf "$CACHE"/.tmp.* "$dest"

tmp=$(mktemp -d "$CACHE/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "kamailio-src: fetching kamailio=$version source into $CACHE" >&2
(cd "$tmp" && apt-get source -q kamailio="$version") >&2 ||
	die "apt-get source kamailio=$version failed (deb-src entry and apt-get update needed: scripts/install-deps.sh)"

src=
for d in "$tmp"/kamailio-*/; do
	[ -f "$d/src/Makefile.defs" ] && src=${d%/}
done
[ -n "$src" ] || die "no Kamailio tree in the unpacked source"
rm -f "$tmp"/*.dsc "$tmp"/*.tar.* "$tmp"/*.diff.gz

# `make cfg` with the arguments of debian/rules (configure-stamp). What the
# loader compares is the version string and the compile-flags line: both
# come from C_DEFS and CC_PMUTEX_OPTS in src/config.mak, i.e. FLAVOUR and
# the default feature set of Makefile.defs plus the libssl detection. The
# rest (prefix, dirs, hardening flags, LIBDIR) makes the module compile
# the same way Debian's modules were compiled. -ffile-prefix-map names
# the tree's final path, not this temporary one.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cc_extra="$(cd "$src" && dpkg-buildflags --get CPPFLAGS) $(cd "$src" && dpkg-buildflags --get CFLAGS) -DVERSION_NODATE"
cc_extra=${cc_extra//"$src"/"$dest"}
ld_extra=$(dpkg-buildflags --get LDFLAGS)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
skip="bdb dbtext dnssec iptrtpproxy java mi_xmlrpc oracle pa purple mono secsipid"

echo "kamailio-src: make cfg in $dest" >&2
make -C "$src" cfg \
	prefix=/usr \
	cfg_target=/etc/kamailio/ \
	FLAVOUR=kamailio \
	LIBDIR="lib/$multiarch" \
	CC_EXTRA_OPTS="$cc_extra" \
	LD_EXTRA_OPTS="$ld_extra" \
	skip_modules="$skip" \
	group_include="kstandard" >&2 ||
	die "make cfg failed"

cfgmak=$src/src/config.mak
grep -q -- '-DKSR_PTHREAD_MUTEX_SHARED' "$cfgmak" ||
	die "$cfgmak lacks -DKSR_PTHREAD_MUTEX_SHARED: modules would be refused with 'module compile flags mismatch' (install pkg-config and libssl-dev, then remove $CACHE)"

# Check what the loader compares: the version string and the compile-flags
# line a module gets from this config must equal those of the packaged
# binary (`kamailio -v`).
defs=$(make -s --no-print-directory -C "$src/src" -f - p2pcd-defs <<'MK'
include config.mak
p2pcd-defs:
	$(info $(C_DEFS) $(CC_PMUTEX_OPTS))
	@:
MK
) || die "cannot read C_DEFS from $cfgmak"
cat >"$tmp/verflags.c" <<'C'
#include <stdio.h>
#include "core/ver_defs.h"
int main(void)
{
	printf("version: %s\nflags: %s\n", SER_FULL_VERSION, SER_COMPILE_FLAGS);
	return 0;
}
C
eval "set -- $defs"
gcc "$@" -I"$src/src" -o "$tmp/verflags" "$tmp/verflags.c" ||
	die "cannot compile the version check"
ours=$("$tmp/verflags")
theirs=$("$KAMAILIO_BIN" -v)
our_ver=$(sed -n 's/^version: //p' <<<"$ours")
our_flags=$(sed -n 's/^flags: //p' <<<"$ours")
their_ver=$(sed -n 's/^version: //p' <<<"$theirs")
their_flags=$(sed -n 's/^flags: //p' <<<"$theirs")
case "$their_ver" in
"$our_ver" | "$our_ver "*) ;;
*) die "version mismatch: $KAMAILIO_BIN says '$their_ver', the tree gives '$our_ver'" ;;
esac
[ "$our_flags" = "$their_flags" ] ||
	die "compile flags mismatch:
  $KAMAILIO_BIN: $their_flags
  tree:          $our_flags"
rm -f "$tmp/verflags" "$tmp/verflags.c"

printf 'debian-version %s\nversion %s\nflags %s\n' \
	"$version" "$our_ver" "$our_flags" >"$src/$STAMP"
mv -T "$src" "$dest"
echo "kamailio-src: ready: $dest" >&2
echo "$dest"
