# SEV-SNP measured direct boot end to end (tests/e2e-measured/run.sh, about
# 2 minutes; the AmdSev firmware build adds 2-3 minutes once, then cached):
# computed digest -> policy.json -> admitted; one word changed -> refused;
# stale hashes table -> the firmware does not start the kernel. And the
# reproducibility of the direct-boot artefacts (reproducible.sh).
# E2E_DEPS through second expansion: tests/e2e/e2e.mk is read after this.
e2e-measured: $$(E2E_DEPS) $(AMDSEV_FD)
	@tests/e2e-measured/run.sh
CHECK_SUITES += e2e-measured
check-e2e-measured: e2e-measured
.PHONY: e2e-measured check-e2e-measured

# Reproducible direct-boot artefacts: the initramfs, policy.json and
# launch-values.txt from two copies of the tree at different paths (seconds).
check-reproducible: $$(E2E_DEPS) $(AMDSEV_FD)
	@tests/e2e-measured/reproducible.sh
CHECK_SUITES += reproducible
.PHONY: check-reproducible
