# Sourced by every test suite: project paths, cleanup on exit, small checks.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TOP

# Cleanup actions run in reverse order on exit, also when a test fails or
# is interrupted, so nothing a test started outlives it.
_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local rc=$? i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" || true
	done
	return $rc
}
trap _run_cleanups EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mktemp_dir VAR [NAME]: a temporary directory, removed at exit, in $VAR.
# (Not "$(...)": a subshell would lose the cleanup registration.)
mktemp_dir() {
	local d
	d=$(mktemp -d "/tmp/p2pcd-${2:-test}.XXXXXX")
	on_exit "rm -rf '$d'"
	printf -v "$1" '%s' "$d"
}

# Checks that count: each prints ok/FAIL and a failure ends the suite.
ok() { echo "  ok: $*"; }
fail() { echo "  FAIL: $*" >&2; exit 1; }
expect_eq() { # expect_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# A free TCP/UDP port on loopback.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000)) # below the ephemeral range
		if ! ss -Htuln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port"
}

# Waits up to $1 seconds for command "${@:2}" to succeed.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# grant_token GID adm|lic: the grant's admission or license token, as the
# content index serves it: stored whole (grants made before migration
# 0011) or rebuilt from the row's parts (lib/grant_token.c).
grant_token() {
	local toks
	make -s -C "$TOP/tests/tools" >/dev/null || return 1
	toks=$(psql -X -qAt -F $'\t' -v ON_ERROR_STOP=1 -c "SELECT g.id, g.doi, g.role,
		extract(epoch FROM g.expires)::bigint, encode(c.info_hash, 'hex'),
		encode(c.kid, 'hex'), g.subject, g.tok_iss, g.tok_aud, g.tok_iat,
		g.tok_key_version, coalesce(g.tok_rights, c.rights::text),
		coalesce(g.icid, ''), encode(g.tok_macs, 'hex'),
		coalesce(g.adm_token, ''), coalesce(g.lic_token, '')
		FROM grants g JOIN content c ON c.doi = g.doi WHERE g.id = '$1'" |
		"$TOP/build/release/bin/p2pcd-mint-token" grant-tokens) ||
		return 1
	case $2 in
	adm) sed -n 1p <<<"$toks" ;;
	lic) sed -n 2p <<<"$toks" ;;
	*) return 2 ;;
	esac
}
