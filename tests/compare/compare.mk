# Side-by-side with clevis + tang (docs/performance.md): unlock time in the
# same QEMU guest, initramfs size cost, key server throughput. Prints numbers;
# output and raw data in build/compare/. Not in `make bench` by default: it
# boots QEMU guests (about two minutes under TCG).
COMPARE_DEPS = $(KERNEL) $(COCOBOOT) $(BUILD)/cocobroker $(TSM_SIM_KO) $(KEYS_STAMP)

bench-compare: $(COMPARE_DEPS)
	@BUILD=$(abspath $(BUILD)) tests/compare/bench-compare.sh
.PHONY: bench-compare
