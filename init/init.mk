# build/cocoboot: the static musl guest binary. libtsm/, proto/ and common/
# are compiled in from source (one compile: -ffunction-sections and
# --gc-sections keep only what the guest calls).
COCOBOOT      := $(BUILD)/cocoboot
COCOBOOT_SRCS := $(wildcard init/*.c) libtsm/tsm_report.c libtsm/configfs_io.c \
	proto/binding.c proto/client_cert.c proto/key_commit.c proto/request.c proto/response.c $(COMMON_GUEST_SRCS)
COCOBOOT_HDRS := $(wildcard init/*.h libtsm/*.h proto/*.h) $(COMMON_HDRS)
COCOBOOT_INCS := -Iinit -Ilibtsm -Iproto
# Certificates that expired before this commit are never accepted, whatever
# the (host-controlled) guest clock says: see init/broker.c.
COCOBOOT_TIME_FLOOR := $(shell git -C $(TOP) log -1 --format=%ct 2>/dev/null || echo 0)
COCOBOOT_DEFS := -DCOCOBOOT_VERSION='"$(VERSION)"' -DCOCOBOOT_TIME_FLOOR=$(COCOBOOT_TIME_FLOOR)
# No unwind tables for cocoboot's own objects: plain C, no exceptions, no
# backtraces; .eh_frame was ~30 KB of a 256 KB budget.
COCOBOOT_DEFS += -fno-asynchronous-unwind-tables -fno-unwind-tables

$(COCOBOOT): $(COCOBOOT_SRCS) $(COCOBOOT_HDRS) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@echo "  CC      $@"
	@$(MUSL_CC) $(GUEST_CFLAGS) $(COCOBOOT_INCS) $(MBEDTLS_MUSL_CFLAGS) $(COCOBOOT_DEFS) \
		-o $@ $(COCOBOOT_SRCS) $(GUEST_LDFLAGS) $(MBEDTLS_MUSL_LIBS)

# The same, unstripped and one object per source, to see what the size is
# made of (`make cocoboot-size`).
COCOBOOT_SIZE_DIR := $(BUILD)/cocoboot-size
$(COCOBOOT).unstripped: $(COCOBOOT_SRCS) $(COCOBOOT_HDRS) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@rm -rf $(COCOBOOT_SIZE_DIR) && mkdir -p $(COCOBOOT_SIZE_DIR)
	@for src in $(COCOBOOT_SRCS); do \
		$(MUSL_CC) $(GUEST_CFLAGS) $(COCOBOOT_INCS) $(MBEDTLS_MUSL_CFLAGS) $(COCOBOOT_DEFS) -c $$src \
			-o $(COCOBOOT_SIZE_DIR)/$$(echo $$src | tr / _ | sed 's/\.c$$/.o/') || exit 1; done
	@$(MUSL_CC) -o $@ $(COCOBOOT_SIZE_DIR)/*.o $(filter-out -s,$(GUEST_LDFLAGS)) -Wl,-Map=$@.map $(MBEDTLS_MUSL_LIBS)
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
