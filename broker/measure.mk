# cocobroker measure: launch measurements computed offline (broker/measure),
# the subcommand, its tests (tests/measure) and the firmware-metadata fuzz
# target.

MEASURE_DIR   := broker/measure
MEASURE_SRCS  := $(sort $(wildcard $(MEASURE_DIR)/*.c))
MEASURE_HDRS  := $(wildcard $(MEASURE_DIR)/*.h)
MEASURE_CFLAGS = $(MBEDTLS_HOST_CFLAGS) -I$(MEASURE_DIR)
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
	@$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined $(MEASURE_CFLAGS) -c $< -o $@

$(BUILD)/broker/cmd_measure.o: $(MEASURE_HDRS)
COCOBROKER_OBJS += $(BUILD)/broker/cmd_measure.o $(MEASURE_OBJS)

# ---- tests -----------------------------------------------------------------
TM := $(BUILD)/tests/measure
TM_CFLAGS = $(MEASURE_CFLAGS) -Itests/lib -DSNP_MEASURE_DIR='"$(SNP_MEASURE_DIR)"'

$(TM)/test-measure: tests/measure/test_measure.c $(MEASURE_OBJS) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TM_CFLAGS) -o $@ $< $(MEASURE_OBJS) $(MBEDTLS_HOST_LIBS)
$(TM)/test-measure-san: tests/measure/test_measure.c $(MEASURE_OBJS_SAN) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(TM_CFLAGS) -o $@ $< $(MEASURE_OBJS_SAN) $(MBEDTLS_HOST_LIBS)

CHECK_SUITES += measure
check-measure: $(TM)/test-measure $(TM)/test-measure-san $(BUILD)/cocobroker
	@tests/measure/run.sh "$(TM)/test-measure" "$(TM)/test-measure-san" \
		"tests/measure/cli.sh $(BUILD)/cocobroker $(SNP_MEASURE_DIR)"
.PHONY: check-measure

# ---- fuzz (libFuzzer) ---------------------------------------------------------
MEASURE_FUZZ_DIR := $(BUILD)/fuzz/measure
$(MEASURE_FUZZ_DIR)/fuzz-ovmf-metadata: broker/fuzz/fuzz_ovmf_metadata.c $(MEASURE_OBJS_FUZZ) $(MEASURE_HDRS)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	@$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined $(MEASURE_CFLAGS) \
		-o $@ $< $(MEASURE_OBJS_FUZZ) $(MBEDTLS_HOST_LIBS)

FUZZ_TARGETS += measure-ovmf-metadata
fuzz-measure-ovmf-metadata: $(MEASURE_FUZZ_DIR)/fuzz-ovmf-metadata
	@rm -rf $(MEASURE_FUZZ_DIR)/seeds && mkdir -p $(MEASURE_FUZZ_DIR)/seeds $(MEASURE_FUZZ_DIR)/corpus
	@for f in $(SNP_MEASURE_DIR)/ovmf_*_suffix.bin; do [ -f "$$f" ] && cp "$$f" $(MEASURE_FUZZ_DIR)/seeds/; done; true
	@echo "  FUZZ    measure-ovmf-metadata ($(FUZZ_SECONDS) s)"
	@set -o pipefail; $(MEASURE_FUZZ_DIR)/fuzz-ovmf-metadata -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-artifact_prefix=$(MEASURE_FUZZ_DIR)/crash- $(MEASURE_FUZZ_DIR)/corpus $(MEASURE_FUZZ_DIR)/seeds 2>&1 \
		| grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-measure-ovmf-metadata
