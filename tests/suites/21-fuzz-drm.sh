#!/usr/bin/env bash
# libFuzzer targets of the content-protection parsers: the container
# reader (raw containers, and encrypt-corrupt-decrypt round trips) for
# FUZZ_SECONDS (default 30); the client's MP4 'tenc' reader, the key file
# parser, and license tokens and ClearKey answers as the client reads them
# for a third of that (at least 5 s) each; each on a temporary copy of its
# seed corpus. A crash fails the suite and leaves the input in
# build/fuzz/tests/fuzz/drm/artifacts/.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

make -s -j2 -C "$TOP/tests/fuzz/drm" all
make -s -C "$TOP/tests/fuzz/drm" run FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
