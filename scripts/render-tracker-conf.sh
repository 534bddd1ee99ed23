#!/usr/bin/env bash
# Writes a p2pcd-tracker configuration from a template (lab/tracker.conf.in)
# by replacing each @NAME@ placeholder with the VALUE given as NAME=VALUE.
# One implementation for scripts/lab.sh and docker/ (the tracker container's
# entrypoint), so both run the same configuration.
#
# usage: scripts/render-tracker-conf.sh TEMPLATE OUT NAME=VALUE...
#
# Fails, writing nothing, when a placeholder of TEMPLATE is left without a
# value (outside comment lines), when a NAME is not a placeholder of TEMPLATE (a typo), or when a
# VALUE holds a double quote, a backslash or a line break (the values go
# into libconfig strings: no escaping games). OUT is written with mode 0600
# (it holds the tracker's keys) and replaced atomically.
set -euo pipefail

die() {
	echo "render-tracker-conf: $*" >&2
	exit 1
}
[ $# -ge 2 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
tmpl=$1
out=$2
shift 2
[ -r "$tmpl" ] || die "cannot read template $tmpl"

text=$(cat "$tmpl")
text+=$'\n'
# bash 5.2: '&' in a ${x//pat/rep} replacement would stand for the match
shopt -u patsub_replacement 2>/dev/null || true
for kv in "$@"; do
	[[ $kv == *=* ]] || die "'$kv' is not NAME=VALUE"
	name=${kv%%=*}
	value=${kv#*=}
	[[ $name =~ ^[A-Z][A-Z0-9_]*$ ]] || die "'$name': a name is [A-Z][A-Z0-9_]*"
	case $value in
	*'"'* | *'\'* | *$'\n'* | *$'\r'*)
		die "value of $name holds a quote, backslash or line break" ;;
	esac
	[[ $text == *"@$name@"* ]] || die "$tmpl has no placeholder @$name@"
	text=${text//"@$name@"/"$value"}
done
# (comment lines may name placeholders: "the @NAME@ placeholders")
if left=$(grep -Ev '^[[:space:]]*(#|//)' <<<"$text" |
	grep -o '@[A-Z][A-Z0-9_]*@' | sort -u | tr '\n' ' ') &&
	[ -n "$left" ]; then
	die "no value for: $left(give them as NAME=VALUE)"
fi

dir=$(dirname "$out")
tmp=$(mktemp "$dir/.tracker.conf.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 0600 "$tmp"
printf '%s' "$text" >"$tmp"
mv -f "$tmp" "$out"
trap - EXIT
