# The mkosi image (mkosi/, docs/mkosi.md).
#   make image [COCOBOOT_URL=https://broker:8443] [COCOBOOT_CA=ca.pem]
#              [MEASURE_VCPUS="1 2 4"] [MEASURE_VCPU_TYPES="EPYC-v4 ..."]
#              [MEASURE_FIRMWARE=OVMF.amdsev.fd] [TDX_FIRMWARE=OVMF.fd]
#              [VOLUME_UUID=uuid]   (default: a fresh one; it is on the command
#                                    line, so a rebuild that must give the same
#                                    policy passes the first build's volume-uuid)
#       build/mkosi/image/cocoboot-guest.raw: Debian trixie, systemd-boot, the
#       Debian cloud kernel, dracut + cocoboot; root partition still plain —
#       encrypt and enrol it with mkosi/enrol.sh against your broker.
#       Next to it the direct-boot artefacts (cocoboot-guest.vmlinuz,
#       cocoboot-guest.initrd, kernel-cmdline) and, in measured/, policy.json
#       pinning the SEV-SNP launch digest of each vCPU count x type with
#       MEASURE_FIRMWARE (default: the AmdSev OVMF, `make firmware`), and
#       launch-values.txt (firmware sha256, TDX values for TDX_FIRMWARE).
#   make e2e-mkosi
#       the TEST variant, enrolled at a loopback broker, booted under
#       QEMU/OVMF to an unlocked root; policy refusal; SEV-SNP measured direct
#       boot with the AmdSev OVMF, admitted by mkosi/policy.sh's policy, and
#       refused with one word of the command line changed (~10 min)
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
	@mkosi/build-image.sh --out $(MKOSI_IMAGE_DIR) --ca $(COCOBOOT_CA) $(addprefix --url ,$(COCOBOOT_URL)) \
		$(addprefix --uuid ,$(VOLUME_UUID))
MEASURE_VCPUS ?= 1 2 4
MEASURE_VCPU_TYPES ?= EPYC-v4 EPYC-Milan EPYC-Genoa
MEASURE_FIRMWARE ?= $(AMDSEV_FD)
TDX_FIRMWARE ?= /usr/share/ovmf/OVMF.fd
# The policy is recomputed on every `make image` (well under a second): it
# depends on the make variables above as much as on the files.
image: $(MKOSI_IMAGE_DIR)/cocoboot-guest.raw $(BUILD)/cocobroker $(filter $(AMDSEV_FD),$(MEASURE_FIRMWARE))
	@mkosi/policy.sh --broker $(BUILD)/cocobroker --firmware $(MEASURE_FIRMWARE) \
		--kernel $(MKOSI_IMAGE_DIR)/cocoboot-guest.vmlinuz --initrd $(MKOSI_IMAGE_DIR)/cocoboot-guest.initrd \
		--cmdline $(MKOSI_IMAGE_DIR)/kernel-cmdline --vcpus "$(MEASURE_VCPUS)" --vcpu-types "$(MEASURE_VCPU_TYPES)" \
		$(if $(wildcard $(TDX_FIRMWARE)),--tdx-firmware $(TDX_FIRMWARE)) --out $(MKOSI_IMAGE_DIR)/measured
	@echo "  image:  $(MKOSI_IMAGE_DIR)/cocoboot-guest.raw"
	@echo "  direct boot: cocoboot-guest.vmlinuz, cocoboot-guest.initrd, kernel-cmdline (same directory)"
	@echo "  policy.json: $(MKOSI_IMAGE_DIR)/measured/policy.json (values: measured/launch-values.txt)"
.PHONY: image

# Part of `make check` (and so of CI), about 5 minutes; `make check
# COCOBOOT_CHECK_MKOSI=0` leaves it out for a quicker everyday run.
COCOBOOT_CHECK_MKOSI ?= 1
ifeq ($(COCOBOOT_CHECK_MKOSI),1)
CHECK_SUITES += e2e-mkosi
endif
e2e-mkosi: $(MKOSI_FILES) $(DRACUT_MODULE_FILES) | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(E2E_DEPS) $(AMDSEV_FD)
	@mkosi/e2e.sh
check-e2e-mkosi: e2e-mkosi
.PHONY: e2e-mkosi check-e2e-mkosi
