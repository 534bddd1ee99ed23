# Shared build settings for project C code (not the Kamailio module, which
# uses Kamailio's own build files). Included by each component's Makefile.
#
# BUILD selects a variant and its output tree:
#   release  (default)  build/release/...
#   asan     ASan+UBSan build/asan/...   (clang)
#   fuzz     libFuzzer + ASan/UBSan      build/fuzz/... (clang)

TOP ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
BUILD ?= release
OUT := $(TOP)/build/$(BUILD)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes
BASE_CFLAGS := -std=gnu11 -g -fPIC -D_GNU_SOURCE $(WARN) \
	-I$(TOP)/lib/include

ifeq ($(BUILD),release)
CC ?= cc
OPT := -O2
SAN :=
else ifeq ($(BUILD),asan)
CC := clang
OPT := -O1 -fno-omit-frame-pointer
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(BUILD),fuzz)
CC := clang
OPT := -O1 -fno-omit-frame-pointer
SAN := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
else
$(error unknown BUILD=$(BUILD): use release, asan or fuzz)
endif

CFLAGS := $(BASE_CFLAGS) $(OPT) $(SAN) $(EXTRA_CFLAGS)
LDFLAGS_SAN := $(filter-out -fsanitize=fuzzer-no-link%,$(SAN))

# Libraries lib/ depends on (one place, used by every linker line).
LIB_DEPS := $(shell pkg-config --libs libsodium libcrypto jansson 2>/dev/null)
P2PCD_LIB := $(OUT)/lib/libp2pcd.a
