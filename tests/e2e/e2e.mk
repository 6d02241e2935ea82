# End-to-end: a QEMU guest with cocoboot in its initramfs attests to cocobroker
# on the host and unlocks its LUKS2 root (tests/e2e/run.sh, `make e2e`), the
# demo (`make demo` runs tests/e2e/demo.sh), and the plain initramfs
# (`make initramfs`: cocoboot as /init and the pinned CA, nothing else: cocoboot
# loads the dm-crypt table itself).
E2E_DIR := $(BUILD)/e2e
E2E_ROOT_INIT := $(E2E_DIR)/root-init
INITRAMFS := $(BUILD)/initramfs.cpio.gz
# The CA the plain initramfs (and `make image`) pins. The default is the e2e
# test PKI, which mk/pinned-ca.sh refuses unless COCOBOOT_TEST_BUILD=1 asks for
# a test build; COCOBOOT_CA=/path/to/broker-ca.pem for a real one.
COCOBOOT_CA ?= $(E2E_DIR)/pki/ca.pem
COCOBOOT_TEST_BUILD ?= 0
export COCOBOOT_TEST_BUILD
# `make initramfs COCOBOOT_URL=https://broker.example:8443`: the broker's host
# name goes into the initramfs's /etc/hosts, resolved now (COCOBOOT_BROKER_ADDR=
# NAME=ADDRESS gives it explicitly); without COCOBOOT_URL, IP literals only.
INITRAMFS_URL = $(if $(filter command line environment,$(origin COCOBOOT_URL)),$(COCOBOOT_URL))
# Which CA (path and contents) and URL the last build pinned: a different
# choice rebuilds even when the new CA file is older than the artefact.
CA_CHOICE := $(BUILD)/.pinned-ca
$(CA_CHOICE): FORCE
	@mkdir -p $(dir $@)
	@c="$(abspath $(COCOBOOT_CA)) $$(sha256sum <$(COCOBOOT_CA) 2>/dev/null | cut -c1-64) test=$(COCOBOOT_TEST_BUILD) url=$(INITRAMFS_URL)"; \
		[ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" >$@
FORCE:
.PHONY: FORCE

$(E2E_ROOT_INIT): tests/e2e/root-init.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(MUSL_CC) $(GUEST_CFLAGS) -o $@ $< $(GUEST_LDFLAGS)

# The TEST initramfs's /init: loads the simulated provider, execs cocoboot.
E2E_SIM_INIT := $(E2E_DIR)/sim-init
$(E2E_SIM_INIT): tests/e2e/sim-init.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(MUSL_CC) $(GUEST_CFLAGS) -o $@ $< $(GUEST_LDFLAGS)

# The hostile host's client of the binding tests (proto/ on the host mbedTLS).
E2E_RELAY := $(E2E_DIR)/relay-client
$(E2E_RELAY): tests/e2e/relay-client.c $(PROTO_LIB) $(COMMON_HOST_A) $(wildcard proto/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(HOST_CC) $(HOST_CFLAGS) $(MBEDTLS_HOST_CFLAGS) -o $@ tests/e2e/relay-client.c \
		$(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS)

E2E_DEPS = $(E2E_RELAY) $(COCOBOOT) $(BUILD)/cocobroker $(TSM_SIM_KO) $(KEYS_STAMP) $(KERNEL) \
	$(E2E_ROOT_INIT) $(E2E_SIM_INIT)

$(E2E_DIR)/pki/ca.pem: tests/e2e/lib.sh | $(DEPS_STAMP)
	@mkdir -p $(E2E_DIR)
	@bash -c '. tests/e2e/lib.sh && e2e_pki'

$(INITRAMFS): $(COCOBOOT) $(COCOBOOT_CA) $(CA_CHOICE) tests/e2e/lib.sh tests/qemu/mkinitramfs.sh $(KERNEL)
	@COCOBOOT_TARGET=initramfs mk/pinned-ca.sh $(COCOBOOT_CA)
	@echo "  CPIO    $@"
	@COCOBOOT_URL='$(INITRAMFS_URL)' bash -c '. tests/e2e/lib.sh && e2e_initramfs $@ $(COCOBOOT_CA)'
	@stat -c %s $@ | awk '{ printf "  initramfs: %d bytes gzip (issue 17 target <= 524288: %s)\n", $$1, $$1 <= 524288 ? "met" : "OVER" }'
initramfs: $(INITRAMFS)
.PHONY: initramfs

e2e: $(E2E_DEPS)
	@tests/e2e/run.sh $(E2E_CASES)
# Two full runs green in a row before it joined `make check` (about 90 s).
CHECK_SUITES += e2e
check-e2e: e2e
.PHONY: e2e check-e2e

# First boot from one golden image: fleet enrolment, two clones, two keys (tests/e2e/golden.sh).
e2e-golden: $(E2E_DEPS)
	@tests/e2e/golden.sh
CHECK_SUITES += e2e-golden
check-e2e-golden: e2e-golden
.PHONY: e2e-golden check-e2e-golden

e2e-deps: $(E2E_DEPS)
.PHONY: e2e-deps
