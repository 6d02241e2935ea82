# cocoboot in a Debian initramfs-tools initramfs, end to end with Debian's
# cloud kernel (tests/initramfs-tools/run.sh, docs/initramfs-tools.md):
# apt installs initramfs-tools and the built cocoboot package into a scratch
# trixie root, update-initramfs builds the image, two QEMU boots (success,
# refusal) against the e2e broker. ~4 min.
CHECK_SUITES += e2e-initramfs-tools
e2e-initramfs-tools: deb $(KERNEL) | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(E2E_DEPS)
	@tests/initramfs-tools/run.sh
check-e2e-initramfs-tools: e2e-initramfs-tools
.PHONY: e2e-initramfs-tools check-e2e-initramfs-tools
