# Test key chains for the simulated configfs-tsm provider (see keys/README.md).
# Generated fresh into build/keys/ by the openssl CLI; never committed.
KEYS_DIR   := $(BUILD)/keys
KEYS_STAMP := $(KEYS_DIR)/.generated
# Key material files for tsm_sim.ko (material=PATH)
SNP_SIM_MATERIAL := $(KEYS_DIR)/snp/tsm-sim.material
TDX_SIM_MATERIAL := $(KEYS_DIR)/tdx/tsm-sim.material

$(KEYS_STAMP): keys/gen-test-keys.sh keys/test-identity.sh | $(DEPS_STAMP)
	@echo "  KEYS    $(KEYS_DIR)"
	@keys/gen-test-keys.sh $(KEYS_DIR)
	@touch $@

keys: $(KEYS_STAMP)
ALL_TARGETS += $(KEYS_STAMP)
.PHONY: keys
