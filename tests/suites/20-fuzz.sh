#!/usr/bin/env bash
# libFuzzer targets of lib/ (bencode parser, JWS verify/sign): each runs
# FUZZ_SECONDS (default 30) on a temporary copy of its seed corpus. A crash
# fails the suite and leaves the input in build/fuzz/tests/fuzz/artifacts/.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

make -s -j2 -C "$TOP/tests/fuzz" all
make -s -C "$TOP/tests/fuzz" run FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
