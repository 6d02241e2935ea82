# The `tsm` check suite: libtsm + tsm_sim.ko under QEMU, reports verified on
# the host by an independent checker (tests/tsm/check-evidence.py), plus the
# host unit test of libtsm's error paths (also under ASan+UBSan).
TSM_GUEST := $(BUILD)/tsm/tsm-guest
TSM_UNIT  := $(BUILD)/tsm/libtsm-unit
TSM_UNIT_SAN := $(BUILD)/tsm/libtsm-unit-san

$(TSM_GUEST): tests/tsm/tsm-guest.c $(LIBTSM_MUSL_A) libtsm/libtsm.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(MUSL_CC) $(GUEST_CFLAGS) $(LIBTSM_CFLAGS) $< $(LIBTSM_MUSL_A) -pthread $(GUEST_LDFLAGS) -o $@

$(TSM_UNIT): libtsm/tests/test-libtsm.c $(LIBTSM_HOST_A) libtsm/libtsm.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(HOST_CC) $(HOST_CFLAGS) $(LIBTSM_CFLAGS) $< $(LIBTSM_HOST_A) -o $@

$(TSM_UNIT_SAN): libtsm/tests/test-libtsm.c $(LIBTSM_SAN_A) libtsm/libtsm.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(HOST_CC) $(SAN_CFLAGS) $(LIBTSM_CFLAGS) $< $(LIBTSM_SAN_A) -o $@

CHECK_SUITES += libtsm tsm
check-libtsm: $(TSM_UNIT) $(TSM_UNIT_SAN)
	@$(TSM_UNIT) >$(BUILD)/tsm/unit.log; rc1=$$?; \
	 $(TSM_UNIT_SAN) >$(BUILD)/tsm/unit-san.log; rc2=$$?; \
	 cat $(BUILD)/tsm/unit.log; grep FAIL $(BUILD)/tsm/unit-san.log; \
	 tail -n 1 $(BUILD)/tsm/unit-san.log | sed 's/^/asan: /'; \
	 p=$$(sed -snE '$$s/^([0-9]+) passed.*/\1/p' $(BUILD)/tsm/unit.log $(BUILD)/tsm/unit-san.log | paste -sd+ | bc); \
	 f=$$(sed -snE '$$s/.* ([0-9]+) failed.*/\1/p' $(BUILD)/tsm/unit.log $(BUILD)/tsm/unit-san.log | paste -sd+ | bc); \
	 [ $$rc1 -eq 0 ] && [ $$rc2 -eq 0 ] || f=$$((f + 1)); \
	 echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

check-tsm: $(KERNEL) $(TSM_SIM_KO) $(TSM_GUEST) $(KEYS_STAMP)
	@KERNEL=$(KERNEL) TSM_SIM_KO=$(TSM_SIM_KO) TSM_GUEST=$(TSM_GUEST) KEYS_DIR=$(KEYS_DIR) \
	  WORK=$(BUILD)/tsm/run tests/tsm/run.sh

ALL_TARGETS += $(TSM_GUEST)
.PHONY: check-libtsm check-tsm
