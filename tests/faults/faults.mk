# Fault injection (issue 7 part 3): tests/faults/run.sh, `make faults`
# (FAULTS_CASES="..." for a subset). It reuses the e2e rig and the broker's
# test clients, so it needs what both build. Six QEMU boots, about 65 s;
# three full runs in a row green before it joined `make check`. Needs root
# (a tmpfs mount in a private mount namespace).
FAULTS_DEPS = $(E2E_DEPS) $(TB)/unlock-client $(TB)/bootstorm
faults: $(FAULTS_DEPS)
	@tests/faults/run.sh $(FAULTS_CASES)
CHECK_SUITES += faults
check-faults: faults
.PHONY: faults check-faults
