# Side-by-side with clevis + tang (docs/performance.md): unlock time in the
# same QEMU guest, initramfs size cost, key server load. Prints numbers, never
# pass/fail; the table and raw data land in build/compare/. Not part of
# `make bench`: it boots ten QEMU guests (5 per side) and runs two load points per server
# (about five minutes under TCG). COMPARE_ROUNDS / COMPARE_LOADS: see the script.
# Then bench-compare-dracut: the same two tools in the same dracut image
# (dracut-bench.sh; about 15 minutes more: four dracut runs, 2 x COMPARE_ROUNDS
# dracut boots).
# tang, clevis and jose: installed by this target only (tests/compare/packages.txt).
COMPARE_PKGS_STAMP := $(BUILD)/.deps-compare-ok
$(COMPARE_PKGS_STAMP): tests/compare/packages.txt mk/deps.sh | $(DEPS_STAMP)
	@mk/deps.sh tests/compare/packages.txt
	@touch $@

COMPARE_DEPS = $(KERNEL) $(COCOBOOT) $(BUILD)/cocobroker $(TSM_SIM_KO) $(KEYS_STAMP) \
	$(if $(wildcard tests/broker/bootstorm.c),$(BUILD)/tests/broker/bootstorm)

bench-compare: $(COMPARE_DEPS) | $(DEPS_STAMP) $(COMPARE_PKGS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/compare/bench-compare.sh
	@$(MAKE) --no-print-directory bench-compare-dracut
.PHONY: bench-compare

# The Debian kernel, its tsm_sim.ko and the build root are made on the way by
# the scripts (tests/dracut/debian-kernel.sh, mkosi/buildroot.sh).
bench-compare-dracut: $(COCOBOOT) $(BUILD)/cocobroker $(KEYS_STAMP) | $(DEPS_STAMP) $(COMPARE_PKGS_STAMP)
	@BUILD=$(abspath $(BUILD)) tests/compare/dracut-bench.sh
.PHONY: bench-compare-dracut
