# tsm_sim.ko: the TEST-ONLY simulated configfs-tsm provider (docs/simulated-provider.md).
# Built out of tree against the guest kernel, from a copy of the sources so the
# source tree stays clean.
TSM_SIM_KO   := $(BUILD)/kernel-modules/tsm_sim.ko
TSM_SIM_SRCS := $(wildcard kernel/tsm-sim/*.c kernel/tsm-sim/*.h) kernel/tsm-sim/Kbuild
TSM_SIM_BUILD := $(BUILD)/tsm-sim

$(TSM_SIM_KO): $(TSM_SIM_SRCS) $(KERNEL) kernel/tsm-sim/tsm-sim.mk
	@echo "  MODULE  $@"
	@rm -rf $(TSM_SIM_BUILD) && mkdir -p $(TSM_SIM_BUILD) $(dir $@)
	@cp $(TSM_SIM_SRCS) $(TSM_SIM_BUILD)/
	@$(MAKE) -s -C $(KERNEL_SRC) O=$(KERNEL_OBJ) ARCH=x86_64 M=$(TSM_SIM_BUILD) modules
	@cp $(TSM_SIM_BUILD)/tsm_sim.ko $@

tsm-sim: $(TSM_SIM_KO)
ALL_TARGETS += $(TSM_SIM_KO)
.PHONY: tsm-sim
