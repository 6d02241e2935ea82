# `cocobroker collateral fetch|status` and the refresher in `serve`
# (broker/collateral/): AMD KDS and Intel PCS endorsements over HTTPS with
# libcurl, verified against the pinned roots, stored where the verifiers read
# them; its test suite (a loopback HTTPS server replaying real recorded
# answers) and the fuzz target of its header parser.
#
# (fragments are included in sorted order: this one comes first, so
# service.mk adds COLLATERAL_SRCS and COLLATERAL_LIBS to its sanitizer build)

COLLATERAL_SRCS := $(sort $(wildcard broker/collateral/*.c))
COLLATERAL_HDRS := $(wildcard broker/collateral/*.h)
COLLATERAL_OBJS := $(patsubst %.c,$(BUILD)/service/%.o,$(COLLATERAL_SRCS))
COLLATERAL_LIBS := -lcurl

$(COLLATERAL_OBJS) $(patsubst %.c,$(BUILD)/service-san/%.o,$(COLLATERAL_SRCS) broker/cmd_collateral.c): $(COLLATERAL_HDRS)
$(BUILD)/broker/cmd_collateral.o: $(COLLATERAL_HDRS) broker/server/config.h
COCOBROKER_OBJS += $(BUILD)/broker/cmd_collateral.o $(COLLATERAL_OBJS)
COCOBROKER_LIBS += $(COLLATERAL_LIBS)

# ---- tests: tests/collateral/test-collateral.sh against a loopback HTTPS server,
# with the plain broker and the one built with ASan+UBSan (service.mk)
CHECK_SUITES += collateral
check-collateral: $(BUILD)/cocobroker $(BUILD)/tests/broker/cocobroker-san
	@ev=$$($(DEBIAN_EVIDENCE_SH)) || { echo "FAIL cannot fetch the Debian evidence (mk/pins: go-sev-guest, go-tdx-guest)"; \
		echo "0 passed, 1 failed"; exit 1; }; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/lib/sum.sh \
		"tests/collateral/test-collateral.sh $(BUILD)/cocobroker $$ev $(TESTDATA_DIR) $(BUILD)/tests/collateral/plain" \
		"tests/collateral/test-collateral.sh $(BUILD)/tests/broker/cocobroker-san $$ev $(TESTDATA_DIR) $(BUILD)/tests/collateral/san"
.PHONY: check-collateral

# ---- fuzz: the issuer-chain header line and its URL-decoding
COLLATERAL_FUZZ := $(BUILD)/fuzz/collateral/fuzz-issuer-chain
$(COLLATERAL_FUZZ): broker/collateral/fuzz/fuzz-issuer-chain.c broker/collateral/issuer_chain.c broker/collateral/issuer_chain.h
	@$(call fuzz_link,broker/collateral/fuzz/fuzz-issuer-chain.c broker/collateral/issuer_chain.c)
FUZZ_TARGETS += collateral-issuer-chain
fuzz-collateral-issuer-chain: $(COLLATERAL_FUZZ)
	@rm -rf $(BUILD)/fuzz/collateral/seeds-issuer-chain; mkdir -p $(BUILD)/fuzz/collateral/seeds-issuer-chain $(BUILD)/fuzz/collateral/corpus-issuer-chain
	@ev=$$($(DEBIAN_EVIDENCE_SH)) && python3 -c 'import sys, urllib.parse; \
		open(sys.argv[2], "w").write("TCB-Info-Issuer-Chain: " + urllib.parse.quote(open(sys.argv[1]).read()) + "\r\n")' \
		$$ev/tdx/collateral/tcb-signing-chain.pem $(BUILD)/fuzz/collateral/seeds-issuer-chain/tcb-info
	@echo "  FUZZ    collateral-issuer-chain ($(FUZZ_SECONDS) s)"
	@set -o pipefail; $(COLLATERAL_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-artifact_prefix=$(BUILD)/fuzz/collateral/crash- $(BUILD)/fuzz/collateral/corpus-issuer-chain \
		$(BUILD)/fuzz/collateral/seeds-issuer-chain 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-collateral-issuer-chain
