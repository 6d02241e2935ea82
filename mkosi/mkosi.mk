# The mkosi image (mkosi/, docs/mkosi.md).
#   make image [COCOBOOT_URL=https://broker:8443] [COCOBOOT_CA=ca.pem]
#       build/mkosi/image/cocoboot-guest.raw: Debian trixie, systemd-boot, the
#       Debian cloud kernel, dracut + cocoboot; root partition still plain —
#       encrypt and enrol it with mkosi/enrol.sh against your broker.
#   make e2e-mkosi
#       the TEST variant, enrolled at a loopback broker, booted under
#       QEMU/OVMF to an unlocked root; policy refusal (~6 min)
# mkosi runs inside the debootstrapped trixie build root (mkosi/buildroot.sh,
# cached in $(COCOBOOT_CACHE)/trixie-root) in a private mount namespace.
MKOSI_IMAGE_DIR := $(BUILD)/mkosi/image
COCOBOOT_URL ?= https://10.0.2.2:8443
MKOSI_FILES := $(wildcard mkosi/mkosi.conf mkosi/mkosi.repart/* mkosi/mkosi.postinst.chroot mkosi/*.sh \
	mkosi/buildroot-packages.txt mkosi/test/*)

# COCOBOOT_CA and E2E_DEPS come from tests/e2e/e2e.mk, read after this file:
# they are built from the recipes.
$(MKOSI_IMAGE_DIR)/cocoboot-guest.raw: $(COCOBOOT) $(MKOSI_FILES) $(DRACUT_MODULE_FILES) $(BUILD)/.pinned-ca | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(COCOBOOT_CA)
	@COCOBOOT_TARGET=image mk/pinned-ca.sh $(COCOBOOT_CA)
	@echo "  MKOSI   $@"
	@mkosi/build-image.sh --out $(MKOSI_IMAGE_DIR) --ca $(COCOBOOT_CA) $(addprefix --url ,$(COCOBOOT_URL))
image: $(MKOSI_IMAGE_DIR)/cocoboot-guest.raw
.PHONY: image

# Part of `make check` (and so of CI), about 5 minutes; `make check
# COCOBOOT_CHECK_MKOSI=0` leaves it out for a quicker everyday run.
COCOBOOT_CHECK_MKOSI ?= 1
ifeq ($(COCOBOOT_CHECK_MKOSI),1)
CHECK_SUITES += e2e-mkosi
endif
e2e-mkosi: $(MKOSI_FILES) $(DRACUT_MODULE_FILES) | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(E2E_DEPS)
	@mkosi/e2e.sh
check-e2e-mkosi: e2e-mkosi
.PHONY: e2e-mkosi check-e2e-mkosi
