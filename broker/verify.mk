# Evidence verification library (broker/verify), `cocobroker` and its tests,
# fuzz targets and benchmark.
#
# Other broker fragments add to the cocobroker link with
#   COCOBROKER_OBJS += $(BUILD)/broker/foo.o      (built by the pattern rule
#                                                 below from broker/foo.c, or their own rule)
#   COCOBROKER_LIBS += -lsqlite3
# and may add compile flags for broker/*.c with BROKER_CFLAGS += ...

VERIFY_DIR      := broker/verify
VERIFY_SRCS     := $(sort $(wildcard $(VERIFY_DIR)/*.c))
VERIFY_HDRS     := $(wildcard $(VERIFY_DIR)/*.h) $(COMMON_HDRS)
VERIFY_CFLAGS    = $(MBEDTLS_HOST_CFLAGS) -DCOCOBOOT_VENDOR_DIR='"$(TOP)/keys/vendor"'
VERIFY_LDLIBS   := -lcjson -lcrypto -lpthread
VERIFY_LIB      := $(BUILD)/broker/libcbverify.a
VERIFY_LIB_SAN  := $(BUILD)/broker/libcbverify-san.a
VERIFY_OBJS     := $(patsubst $(VERIFY_DIR)/%.c,$(BUILD)/broker/verify/%.o,$(VERIFY_SRCS))
VERIFY_OBJS_SAN := $(patsubst $(VERIFY_DIR)/%.c,$(BUILD)/broker/verify-san/%.o,$(VERIFY_SRCS))
VERIFY_OBJS_FUZZ := $(patsubst $(VERIFY_DIR)/%.c,$(BUILD)/broker/verify-fuzz/%.o,$(VERIFY_SRCS))

$(BUILD)/broker/verify/%.o: $(VERIFY_DIR)/%.c $(VERIFY_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(VERIFY_CFLAGS) -c $< -o $@
$(BUILD)/broker/verify-san/%.o: $(VERIFY_DIR)/%.c $(VERIFY_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(VERIFY_CFLAGS) -c $< -o $@
$(BUILD)/broker/verify-fuzz/%.o: $(VERIFY_DIR)/%.c $(VERIFY_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CLANG) $(FUZZ_OBJ_CFLAGS) $(VERIFY_CFLAGS) -c $< -o $@

$(VERIFY_LIB): $(VERIFY_OBJS)
	@rm -f $@ && ar rcs $@ $^
$(VERIFY_LIB_SAN): $(VERIFY_OBJS_SAN)
	@rm -f $@ && ar rcs $@ $^
$(BUILD)/broker/libcbverify-fuzz.a: $(VERIFY_OBJS_FUZZ)
	@rm -f $@ && ar rcs $@ $^

# ---- cocobroker -----------------------------------------------------------
BROKER_CFLAGS   += $(MBEDTLS_HOST_CFLAGS)
COCOBROKER_OBJS += $(BUILD)/broker/main.o $(BUILD)/broker/cmd_verify.o
# common/ after the libraries that use it (verify, and the objects of every fragment), mbedTLS after all
COCOBROKER_LIBS += $(VERIFY_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS) $(VERIFY_LDLIBS)

$(BUILD)/broker/%.o: broker/%.c broker/commands.h $(VERIFY_HDRS) $(COMMON_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(BROKER_CFLAGS) -c $< -o $@

$(BUILD)/broker/main.o: $(VERSION_STAMP)
$(BUILD)/broker/main.o: BROKER_CFLAGS += -DCOCOBROKER_VERSION='"$(VERSION)"'

# Second expansion so objects appended by fragments included after this one
# still become prerequisites.
.SECONDEXPANSION:
$(BUILD)/cocobroker: $$(COCOBROKER_OBJS) $(VERIFY_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) -o $@ $(COCOBROKER_OBJS) $(COCOBROKER_LIBS)

cocobroker: $(BUILD)/cocobroker
.PHONY: cocobroker
ALL_TARGETS += $(BUILD)/cocobroker

# ---- tests -----------------------------------------------------------------
# Each test program is built twice: plain and with ASan+UBSan.
TV            := $(BUILD)/tests/verify
VERIFY_TESTS  := vectors adversarial policy debian cache ccel
# The larger real-evidence set: COCOBOOT_TESTDATA, else ../shared/testdata
# beside the clone; optional (its checks are skipped with the reason when it
# is absent).  The Debian one (tests/verify/debian-evidence.sh) is always there.
TESTDATA_DIR  ?= $(abspath $(or $(COCOBOOT_TESTDATA),$(TOP)/../shared/testdata))
DEBIAN_EVIDENCE_SH := tests/verify/debian-evidence.sh
TV_CFLAGS      = $(VERIFY_CFLAGS) -DCOCOBOOT_TESTDATA='"$(TESTDATA_DIR)"' \
                 -DCOCOBOOT_TEST_KEYS='"$(BUILD)/keys"' -DCOCOBOOT_TEST_SRC='"$(TOP)/tests/verify"'
TV_SRCS_COMMON := broker/verify/tests/testutil.c
TV_HDRS       := $(VERIFY_HDRS) broker/verify/tests/testutil.h tests/lib/check.h

$(TV)/test-%: broker/verify/tests/test-%.c $(TV_SRCS_COMMON) $(TV_HDRS) $(VERIFY_LIB) $(COMMON_HOST_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TV_CFLAGS) -o $@ $< $(TV_SRCS_COMMON) $(VERIFY_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS) \
		$(VERIFY_LDLIBS)
$(TV)/test-%-san: broker/verify/tests/test-%.c $(TV_SRCS_COMMON) $(TV_HDRS) $(VERIFY_LIB_SAN) $(COMMON_SAN_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(TV_CFLAGS) -o $@ $< $(TV_SRCS_COMMON) $(VERIFY_LIB_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) \
		$(VERIFY_LDLIBS)

# the event-log test signs quotes with the simulated provider (TEST keys)
TV_SIM_TDX := tests/broker/sim_tdx.c
$(TV)/test-ccel: broker/verify/tests/test-ccel.c $(TV_SIM_TDX) tests/broker/sim_tdx.h $(TV_SRCS_COMMON) $(TV_HDRS) $(VERIFY_LIB) $(COMMON_HOST_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TV_CFLAGS) -o $@ $< $(TV_SIM_TDX) $(TV_SRCS_COMMON) $(VERIFY_LIB) $(COMMON_HOST_A) \
		$(MBEDTLS_HOST_LIBS) $(VERIFY_LDLIBS)
$(TV)/test-ccel-san: broker/verify/tests/test-ccel.c $(TV_SIM_TDX) tests/broker/sim_tdx.h $(TV_SRCS_COMMON) $(TV_HDRS) $(VERIFY_LIB_SAN) $(COMMON_SAN_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(TV_CFLAGS) -o $@ $< $(TV_SIM_TDX) $(TV_SRCS_COMMON) $(VERIFY_LIB_SAN) $(COMMON_SAN_A) \
		$(MBEDTLS_HOST_LIBS) $(VERIFY_LDLIBS)

VERIFY_TEST_BINS := $(foreach t,$(VERIFY_TESTS),$(TV)/test-$(t) $(TV)/test-$(t)-san)

CHECK_SUITES += verify
check-verify: $(VERIFY_TEST_BINS) $(BUILD)/cocobroker $$(KEYS_STAMP)
	@ev=$$($(DEBIAN_EVIDENCE_SH)) || { echo "FAIL cannot fetch the Debian evidence (mk/pins: go-sev-guest, go-tdx-guest)"; \
		echo "0 passed, 1 failed"; exit 1; }; \
	COCOBOOT_DEBIAN_EVIDENCE=$$ev tests/lib/sum.sh $(VERIFY_TEST_BINS) "tests/verify/cli.sh $(BUILD)/cocobroker $(TESTDATA_DIR)" \
		"tests/verify/collateral.sh $(BUILD)/cocobroker $(BUILD)/keys"
.PHONY: check-verify

# ---- fuzz (libFuzzer) ---------------------------------------------------------
# One target per parser plus the whole verifier; seeds come from the real
# evidence (broker/verify/fuzz/seed.sh: the Debian set always, the shared set when
# present), the growing corpus stays under build/.
VERIFY_FUZZ      := snp-report snp-certtable snp-crl tdx-quote x509-ext policy verify tdx-collateral ccel
VERIFY_FUZZ_DIR  := $(BUILD)/fuzz/verify
VERIFY_FUZZ_LIB  := $(BUILD)/broker/libcbverify-fuzz.a

$(VERIFY_FUZZ_DIR)/fuzz-%: broker/verify/fuzz/fuzz-$$*.c $(VERIFY_FUZZ_LIB) $(COMMON_FUZZ_A) $(VERIFY_HDRS)
	@$(call fuzz_link,$< $(VERIFY_FUZZ_LIB) $(COMMON_FUZZ_A),$(VERIFY_CFLAGS) -DCOCOBOOT_TESTDATA='"$(TESTDATA_DIR)"',$(VERIFY_LDLIBS))

define verify_fuzz
FUZZ_TARGETS += verify-$(1)
fuzz-verify-$(1): $(VERIFY_FUZZ_DIR)/fuzz-$(1)
	@rm -rf $(VERIFY_FUZZ_DIR)/seeds-$(1) && ev=$$$$($(DEBIAN_EVIDENCE_SH)) && \
		broker/verify/fuzz/seed.sh $(1) $(VERIFY_FUZZ_DIR)/seeds-$(1) $(TESTDATA_DIR) $$$$ev
	@mkdir -p $(VERIFY_FUZZ_DIR)/corpus-$(1)
	@echo "  FUZZ    verify-$(1) ($$(FUZZ_SECONDS) s)"
	@set -o pipefail; COCOBOOT_DEBIAN_EVIDENCE=$$$$($(DEBIAN_EVIDENCE_SH)) $(VERIFY_FUZZ_DIR)/fuzz-$(1) -max_total_time=$$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-artifact_prefix=$(VERIFY_FUZZ_DIR)/crash-$(1)- $(VERIFY_FUZZ_DIR)/corpus-$(1) $(VERIFY_FUZZ_DIR)/seeds-$(1) 2>&1 \
		| grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-verify-$(1)
endef
$(foreach f,$(VERIFY_FUZZ),$(eval $(call verify_fuzz,$(f))))

# ---- benchmark ----------------------------------------------------------------
BENCH_TARGETS += verify
$(TV)/bench-verify: tests/verify/bench-verify.c $(TV_SRCS_COMMON) $(TV_HDRS) $(VERIFY_LIB) $(COMMON_HOST_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TV_CFLAGS) -o $@ $< $(TV_SRCS_COMMON) $(VERIFY_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS) \
		$(VERIFY_LDLIBS)
bench-verify: $(TV)/bench-verify
	@$(TV)/bench-verify $(VERIFY_BENCH_SECONDS)
VERIFY_BENCH_SECONDS ?= 2
.PHONY: bench-verify
