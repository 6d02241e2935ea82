# The guest kernel: Linux 6.12 LTS with configfs-tsm, the SEV-SNP and TDX
# providers, dm-crypt and virtio, built from the pinned Debian source.
KERNEL_DIR := $(BUILD)/kernel
KERNEL     := $(KERNEL_DIR)/bzImage
# For out-of-tree modules: make -C $(KERNEL_SRC) O=$(KERNEL_OBJ) M=...
KERNEL_SRC := $(KERNEL_DIR)/src
KERNEL_OBJ := $(KERNEL_DIR)/obj
GEN_INIT_CPIO := $(KERNEL_OBJ)/usr/gen_init_cpio

$(KERNEL): kernel/build.sh kernel/check-config.sh kernel/required.txt $(wildcard kernel/config/*.config) mk/pins | $(DEPS_STAMP)
	@echo "  KERNEL  $@"
	@kernel/build.sh $(KERNEL_DIR)

kernel: $(KERNEL)
ALL_TARGETS += $(KERNEL)
.PHONY: kernel
