# Key hygiene (issue 7 part 4): after a successful and a refused boot the
# volume key must appear nowhere outside the guest's locked memory and the
# broker's store (tests/hygiene/run.sh, docs/testing.md). 20-40 s: two boots.
#
# It found that the broker could write core dumps; `cocobroker serve` now
# makes itself undumpable (PR_SET_DUMPABLE 0, RLIMIT_CORE 0) at start.
CHECK_SUITES += hygiene
check-hygiene: $(E2E_DEPS) $(BUILD)/tests/init/test-secret
	@tests/hygiene/run.sh
.PHONY: check-hygiene
