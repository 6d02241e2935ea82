# Toolchains and flags shared by every part of the build.
HOST_CC  ?= gcc
MUSL_CC  ?= musl-gcc
CLANG    ?= clang

WARN       := -Wall -Wextra -Werror
HOST_CFLAGS ?= -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE
# Sanitizer flavour of the host build, used by the *-asan test binaries.
SAN_CFLAGS := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
GUEST_CFLAGS ?= -std=gnu11 -Os $(WARN) -D_GNU_SOURCE -ffunction-sections -fdata-sections
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
