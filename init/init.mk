# build/cocoboot: the static musl guest binary. libtsm/, the guest's half of
# proto/ (proto/proto.mk, included before this) and common/ are compiled in
# from source: one LTO compile, and --gc-sections keeps only what the guest calls.
COCOBOOT      := $(BUILD)/cocoboot
COCOBOOT_SRCS := $(wildcard init/*.c) libtsm/tsm_report.c libtsm/configfs_io.c $(PROTO_GUEST_SRCS) $(COMMON_GUEST_SRCS)
COCOBOOT_HDRS := $(wildcard init/*.h libtsm/*.h proto/*.h) $(COMMON_HDRS)
COCOBOOT_INCS :=
# Certificates that expired before this commit are never accepted, whatever
# the (host-controlled) guest clock says: see init/broker.c.
COCOBOOT_TIME_FLOOR := $(shell git -C $(TOP) log -1 --format=%ct 2>/dev/null || echo 0)
COCOBOOT_DEFS := -DCOCOBOOT_VERSION='"$(VERSION)"' -DCOCOBOOT_TIME_FLOOR=$(COCOBOOT_TIME_FLOOR)
# No unwind tables (plain C, no exceptions, no backtraces; the guest mbedTLS is
# built the same way, see mk/mbedtls.mk): .eh_frame was ~55 KB. LTO across
# cocoboot's own sources and the guest mbedTLS (built with -flto) in one
# partition: the whole program is optimised as one unit (-7.7 KB).
COCOBOOT_DEFS += -fno-asynchronous-unwind-tables -fno-unwind-tables -flto -flto-partition=one

$(COCOBOOT): $(COCOBOOT_SRCS) $(COCOBOOT_HDRS) $(MBEDTLS_MUSL_STAMP) $(VERSION_STAMP) | $(DEPS_STAMP)
	@echo "  CC      $@"
	@$(MUSL_CC) $(GUEST_CFLAGS) $(COCOBOOT_INCS) $(MBEDTLS_MUSL_CFLAGS) $(COCOBOOT_DEFS) \
		-o $@ $(COCOBOOT_SRCS) $(GUEST_LDFLAGS) $(MBEDTLS_MUSL_LIBS)

# The same, unstripped, one object per source and without LTO (so the map can
# name each source; mbedTLS's fat LTO objects carry plain code for this), to
# see what the size is made of (`make cocoboot-size`): the parts add up to a
# few KB more than the LTO binary.
COCOBOOT_SIZE_DIR := $(BUILD)/cocoboot-size
$(COCOBOOT).unstripped: $(COCOBOOT_SRCS) $(COCOBOOT_HDRS) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@rm -rf $(COCOBOOT_SIZE_DIR) && mkdir -p $(COCOBOOT_SIZE_DIR)
	@for src in $(COCOBOOT_SRCS); do \
		$(MUSL_CC) $(GUEST_CFLAGS) $(COCOBOOT_INCS) $(MBEDTLS_MUSL_CFLAGS) $(filter-out -flto,$(COCOBOOT_DEFS)) -c $$src \
			-o $(COCOBOOT_SIZE_DIR)/$$(echo $$src | tr / _ | sed 's/\.c$$/.o/') || exit 1; done
	@$(MUSL_CC) -fno-lto -fno-use-linker-plugin -o $@ $(COCOBOOT_SIZE_DIR)/*.o $(filter-out -s,$(GUEST_LDFLAGS)) -Wl,-Map=$@.map $(MBEDTLS_MUSL_LIBS)
cocoboot-size: $(COCOBOOT) $(COCOBOOT).unstripped
	@init/size-report.sh $(COCOBOOT) $(COCOBOOT).unstripped $(COCOBOOT).unstripped.map

cocoboot: $(COCOBOOT)
ALL_TARGETS += $(COCOBOOT)
.PHONY: cocoboot cocoboot-size

# The command-line contract of the binary itself.
CHECK_SUITES += cli
check-cli: $(COCOBOOT)
	@tests/cli/test-cli.sh $(COCOBOOT)
.PHONY: check-cli
