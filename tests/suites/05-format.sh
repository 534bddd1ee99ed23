#!/usr/bin/env bash
# Project C code follows the tree's .clang-format (Kamailio's style: tabs,
# 80 columns). Fix with `make format`.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
cd "$TOP"
mapfile -d '' files < <(find lib tracker client tests/unit tests/fuzz \
	modules/p2pcd -name '*.[ch]' -print0 2>/dev/null)
[ ${#files[@]} -gt 0 ] || fail "no C files found"
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "  not formatted: $f"
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] || fail "$bad file(s) differ from .clang-format (run: make format)"
ok "${#files[@]} C files match .clang-format"
