# Unit tests of common/ (`make check-common`): plain and under ASan+UBSan.
TC := $(BUILD)/tests/common

$(TC)/test-common: common/tests/test-common.c $(COMMON_HOST_A) $(COMMON_HDRS) tests/lib/check.h $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS)
$(TC)/test-common-asan: common/tests/test-common.c $(COMMON_SAN_A) $(COMMON_HDRS) tests/lib/check.h $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS)

CHECK_SUITES += common
check-common: $(TC)/test-common $(TC)/test-common-asan
	@tests/lib/run-unit.sh $(TC)/test-common $(TC)/test-common-asan
.PHONY: check-common
