# Safe build host (issue 16 item 6, tests/buildhost/run.sh): the build's package
# list holds nothing only the comparison needs, the units of packages installed
# for a target are masked, nothing listens beyond the loopback, and `make
# initramfs` refuses the TEST CA unless COCOBOOT_TEST_BUILD=1. ~20 s.
CHECK_SUITES += build-host
check-build-host: $(COCOBOOT) $(KERNEL) | $(DEPS_STAMP)
	@tests/buildhost/run.sh
.PHONY: check-build-host
