# The QEMU rig (tests/qemu/README.md) and its smoke test: the built kernel
# boots under TCG and exposes configfs-tsm.
SMOKE_INITRD := $(BUILD)/qemu/smoke.cpio.gz

$(SMOKE_INITRD): tests/qemu/smoke-init.sh tests/qemu/mkinitramfs.sh $(KERNEL)
	@tests/qemu/mkinitramfs.sh -o $@ --busybox --init tests/qemu/smoke-init.sh

CHECK_SUITES += qemu-smoke
check-qemu-smoke: $(KERNEL) $(SMOKE_INITRD)
	@tests/qemu/smoke-test.sh $(KERNEL) $(SMOKE_INITRD) $(BUILD)/qemu/smoke.log
.PHONY: check-qemu-smoke
