#!/usr/bin/env bash
# lib/ unit tests under ASan+UBSan (clang): any leak, memory error or
# undefined behaviour aborts the test binary and fails the suite.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
make -s -j2 -C "$TOP/tests/unit" BUILD=asan all
make -s -C "$TOP/tests/unit" BUILD=asan run
