#!/usr/bin/env bash
# lib/ unit tests (cmocka), release build: builds lib and the tests, runs
# every test binary; fails if any test fails.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

make -s -j2 -C "$TOP/tests/unit" BUILD=release all
make -s -C "$TOP/tests/unit" BUILD=release run
