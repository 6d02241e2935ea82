# Toolchains and flags shared by every part of the build.
HOST_CC  ?= gcc
MUSL_CC  ?= musl-gcc
CLANG    ?= clang

WARN       := -Wall -Wextra -Werror
# Headers are named from the repository root ("common/hex.h"), or bare in their own
# directory: every compile, host, sanitizer, fuzz and the musl guest, sees the root.
TREE_INC   := -I$(TOP)
HOST_CFLAGS ?= -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE $(TREE_INC)
# Sanitizer flavour of the host build, used by the *-asan test binaries.
SAN_CFLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all $(TREE_INC)
# libFuzzer (clang, ASan+UBSan): FUZZ_OBJ_CFLAGS for objects and libraries
# that go into a fuzz target, and one compile-and-link line for every target:
#   $(call fuzz_link,SOURCES AND ARCHIVES[,EXTRA CFLAGS[,EXTRA LIBS]])
FUZZ_OBJ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE $(TREE_INC) -fsanitize=fuzzer-no-link,address,undefined
fuzz_link = mkdir -p $(@D) && echo "  FUZZCC  $@" && \
	$(CLANG) $(subst fuzzer-no-link,fuzzer,$(FUZZ_OBJ_CFLAGS)) $(MBEDTLS_HOST_CFLAGS) $(2) -o $@ $(1) $(MBEDTLS_HOST_LIBS) $(3)
GUEST_CFLAGS ?= -std=gnu11 -Os $(WARN) -D_GNU_SOURCE -ffunction-sections -fdata-sections $(TREE_INC)
# noseparate-code and norelro: one R+X segment and no page-aligned RELRO gap
# (~16 KB of padding in a 200 KB file). A static musl binary never applies
# RELRO itself, so norelro gives nothing away. common-page-size=64: the
# data segment starts on the file byte after the text (its own page in
# memory) instead of on the next 4 KiB file boundary, which ld chooses
# whenever that saves a page of memory (up to 4 KB of zeros in the file).
GUEST_LDFLAGS ?= -static -Wl,--gc-sections -s -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=64

VERSION := $(shell git -C $(TOP) describe --always --dirty 2>/dev/null || echo unknown)
# Rewritten only when VERSION changes, so what prints the version is rebuilt
# then (and only then).
VERSION_STAMP := $(BUILD)/.version
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(VERSION_STAMP) 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" >$(VERSION_STAMP); })
