# Tests of the dracut module (tests/dracut, docs/dracut.md).
#   check-dracut-module  the module on its own: install layout, initramfs
#                        contents and size cost, the onfail mapping in both
#                        flavours
#                        (~3 min: 6 dracut runs + 3 boots, no broker)
#   e2e-dracut           attest + unlock + switch root through dracut against
#                        the e2e broker: project and Debian kernels, shell and
#                        systemd flavours, success and policy refusal (~5 min)
DRACUT_TEST_DEPS = $(COCOBOOT) $(KERNEL) $(TSM_SIM_KO) tests/dracut/mkinitrd.sh \
	tests/dracut/kmoddir.sh tests/dracut/debian-kernel.sh mkosi/buildroot.sh $(DRACUT_MODULE_FILES)

CHECK_SUITES += dracut-module
check-dracut-module: $(DRACUT_TEST_DEPS) | $(DEPS_STAMP)
	@tests/dracut/module-test.sh

# DRACUT_CONFIGS: a subset of project-shell project-systemd debian-shell
# debian-systemd (default: all four).
CHECK_SUITES += e2e-dracut
# E2E_DEPS comes from tests/e2e/e2e.mk, read after this file: build it from
# the recipe, where it is known.
e2e-dracut: $(DRACUT_TEST_DEPS) | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(E2E_DEPS)
	@tests/dracut/e2e.sh $(DRACUT_CONFIGS)
check-e2e-dracut: e2e-dracut
.PHONY: check-dracut-module e2e-dracut check-e2e-dracut
