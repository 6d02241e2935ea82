# cocobroker measure: launch measurements computed offline (broker/measure),
# the subcommand, its tests (tests/measure) and the firmware-metadata fuzz
# target.

MEASURE_DIR   := broker/measure
MEASURE_SRCS  := $(sort $(wildcard $(MEASURE_DIR)/*.c))
MEASURE_HDRS  := $(wildcard $(MEASURE_DIR)/*.h) $(COMMON_HDRS)
MEASURE_CFLAGS = $(MBEDTLS_HOST_CFLAGS)
MEASURE_OBJS      := $(patsubst $(MEASURE_DIR)/%.c,$(BUILD)/measure/%.o,$(MEASURE_SRCS))
MEASURE_OBJS_SAN  := $(patsubst $(MEASURE_DIR)/%.c,$(BUILD)/measure-san/%.o,$(MEASURE_SRCS))
MEASURE_OBJS_FUZZ := $(patsubst $(MEASURE_DIR)/%.c,$(BUILD)/measure-fuzz/%.o,$(MEASURE_SRCS))
# The firmware fixtures (virtee/sev-snp-measure's OVMF tails), never committed.
SNP_MEASURE_DIR ?= $(abspath $(TOP)/../shared/snp-measure)

$(BUILD)/measure/%.o: $(MEASURE_DIR)/%.c $(MEASURE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(MEASURE_CFLAGS) -c $< -o $@
$(BUILD)/measure-san/%.o: $(MEASURE_DIR)/%.c $(MEASURE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(MEASURE_CFLAGS) -c $< -o $@
$(BUILD)/measure-fuzz/%.o: $(MEASURE_DIR)/%.c $(MEASURE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CLANG) $(FUZZ_OBJ_CFLAGS) $(MEASURE_CFLAGS) -c $< -o $@

$(BUILD)/broker/cmd_measure.o: $(MEASURE_HDRS)
COCOBROKER_OBJS += $(BUILD)/broker/cmd_measure.o $(MEASURE_OBJS)

# ---- tests -----------------------------------------------------------------
TM := $(BUILD)/tests/measure
TM_CFLAGS = $(MEASURE_CFLAGS) -DSNP_MEASURE_DIR='"$(SNP_MEASURE_DIR)"'

$(TM)/test-measure: broker/measure/tests/test-measure.c $(MEASURE_OBJS) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TM_CFLAGS) -o $@ $< $(MEASURE_OBJS) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS)
$(TM)/test-measure-san: broker/measure/tests/test-measure.c $(MEASURE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(TM_CFLAGS) -o $@ $< $(MEASURE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS)

CHECK_SUITES += measure
check-measure: $(TM)/test-measure $(TM)/test-measure-san $(BUILD)/cocobroker
	@tests/lib/sum.sh "$(TM)/test-measure" "$(TM)/test-measure-san" \
		"tests/measure/cli.sh $(BUILD)/cocobroker $(SNP_MEASURE_DIR)" "tests/measure/tdx.sh $(BUILD)/cocobroker"
.PHONY: check-measure

# ---- fuzz (libFuzzer) ---------------------------------------------------------
# ovmf-metadata: the footer table, SEV metadata and TDVF descriptor (seeds: the
# firmware fixtures); pe-authenticode: the PE parser (seed: a synthetic PE).
MEASURE_FUZZ_DIR := $(BUILD)/fuzz/measure
$(MEASURE_FUZZ_DIR)/fuzz-ovmf-metadata: broker/measure/fuzz/fuzz-ovmf-metadata.c
$(MEASURE_FUZZ_DIR)/fuzz-pe-authenticode: broker/measure/fuzz/fuzz-pe-authenticode.c
$(MEASURE_FUZZ_DIR)/fuzz-ovmf-metadata $(MEASURE_FUZZ_DIR)/fuzz-pe-authenticode: $(MEASURE_OBJS_FUZZ) $(COMMON_FUZZ_A) $(MEASURE_HDRS)
	@$(call fuzz_link,$(firstword $(filter %.c,$^)) $(MEASURE_OBJS_FUZZ) $(COMMON_FUZZ_A),$(MEASURE_CFLAGS))

$(MEASURE_FUZZ_DIR)/seeds-ovmf-metadata:
	@rm -rf $@ && mkdir -p $@
	@for f in $(SNP_MEASURE_DIR)/ovmf_*_suffix.bin; do [ -f "$$f" ] && cp "$$f" $@/; done; true
	@t=$$(mktemp -d) && python3 tests/measure/make-tdx-inputs.py $$t >/dev/null && cp $$t/tdvf.fd $@/ && rm -rf $$t
$(MEASURE_FUZZ_DIR)/seeds-pe-authenticode:
	@rm -rf $@ && mkdir -p $@
	@t=$$(mktemp -d) && python3 tests/measure/make-tdx-inputs.py $$t >/dev/null && cp $$t/pe.efi $@/ && rm -rf $$t
.PHONY: $(MEASURE_FUZZ_DIR)/seeds-ovmf-metadata $(MEASURE_FUZZ_DIR)/seeds-pe-authenticode

define measure_fuzz
FUZZ_TARGETS += measure-$(1)
fuzz-measure-$(1): $(MEASURE_FUZZ_DIR)/fuzz-$(1) $(MEASURE_FUZZ_DIR)/seeds-$(1)
	@mkdir -p $(MEASURE_FUZZ_DIR)/corpus-$(1)
	@echo "  FUZZ    measure-$(1) ($$(FUZZ_SECONDS) s)"
	@set -o pipefail; $(MEASURE_FUZZ_DIR)/fuzz-$(1) -max_total_time=$$(FUZZ_SECONDS) -max_len=$(2) -timeout=10 \
		-artifact_prefix=$(MEASURE_FUZZ_DIR)/crash-$(1)- $(MEASURE_FUZZ_DIR)/corpus-$(1) $(MEASURE_FUZZ_DIR)/seeds-$(1) 2>&1 \
		| grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-measure-$(1)
endef
$(eval $(call measure_fuzz,ovmf-metadata,70000))
$(eval $(call measure_fuzz,pe-authenticode,16384))
