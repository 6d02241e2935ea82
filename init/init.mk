# build/cocoboot: the static musl guest binary.
COCOBOOT      := $(BUILD)/cocoboot
COCOBOOT_SRCS := $(wildcard init/*.c)

$(COCOBOOT): $(COCOBOOT_SRCS) $(wildcard init/*.h) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@echo "  CC      $@"
	@$(MUSL_CC) $(GUEST_CFLAGS) $(MBEDTLS_MUSL_CFLAGS) -DCOCOBOOT_VERSION='"$(VERSION)"' \
		-o $@ $(COCOBOOT_SRCS) $(GUEST_LDFLAGS) $(MBEDTLS_MUSL_LIBS)

cocoboot: $(COCOBOOT)
ALL_TARGETS += $(COCOBOOT)
.PHONY: cocoboot

# The command-line contract of the binary itself.
CHECK_SUITES += cli
check-cli: $(COCOBOOT)
	@tests/cli/test-cli.sh $(COCOBOOT)
.PHONY: check-cli
