# Side-by-side with clevis + tang (docs/performance.md): unlock time in the
# same QEMU guest, initramfs size cost, key server load. Prints numbers, never
# pass/fail; the table and raw data land in build/compare/. Not part of
# `make bench`: it boots ten QEMU guests (5 per side) and runs two load points per server
# (about five minutes under TCG). COMPARE_ROUNDS / COMPARE_LOADS: see the script.
COMPARE_DEPS = $(KERNEL) $(COCOBOOT) $(BUILD)/cocobroker $(TSM_SIM_KO) $(KEYS_STAMP) \
	$(if $(wildcard tests/broker/bootstorm.c),$(BUILD)/tests/broker/bootstorm)

bench-compare: $(COMPARE_DEPS) | $(DEPS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/compare/bench-compare.sh
.PHONY: bench-compare
