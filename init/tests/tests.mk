# Host unit tests of the cocoboot guest binary's parts (`make check-init`),
# each built twice: plain and under ASan+UBSan.
INIT_TEST_DIR := $(BUILD)/tests/init
LUKS2_FIXTURES := $(INIT_TEST_DIR)/luks2-fixtures

# test name -> init/ and proto/ sources it needs; every test links common/
# (the host or the sanitizer flavour of its library, common/common.mk).
INIT_TEST_cmdline := init/cmdline.c init/url.c init/errors.c proto/key_commit.c proto/request.c
INIT_TEST_keycommit := proto/key_commit.c
INIT_TEST_json    :=
INIT_TEST_luks2   := init/errors.c
INIT_TEST_secret  :=
INIT_TEST_backoff := init/backoff.c
INIT_TEST_verdict := init/verdict.c init/errors.c proto/http_client.c proto/answer.c proto/request.c
INIT_TEST_errors  := init/errors.c
INIT_TEST_certtime := init/certtime.c
INIT_TEST_check-volume := init/check_volume.c init/luks2_digest.c init/errors.c
INIT_TEST_luks2-digest := init/luks2_digest.c init/errors.c
INIT_TEST_dm-crypt := init/dm_crypt.c init/luks2_digest.c init/errors.c init/log.c
INIT_TEST_event-log := init/event_log.c init/errors.c
# format: the host build checks the expectations against the host libc; the
# musl build below is the guest's own vfprintf (init/format.c)
INIT_TEST_format  :=
INIT_TESTS := cmdline keycommit json luks2 check-volume secret backoff verdict errors certtime luks2-digest dm-crypt event-log format
INIT_TEST_HDRS := $(wildcard init/*.h proto/*.h) $(COMMON_HDRS) tests/lib/check.h

$(INIT_TEST_DIR)/test-format-musl: init/tests/test-format.c init/format.c tests/lib/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(MUSL_CC) $(GUEST_CFLAGS) -DCOCOBOOT_FORMAT -o $@ init/tests/test-format.c init/format.c $(GUEST_LDFLAGS)

define init_test
$(INIT_TEST_DIR)/test-$(1): init/tests/test-$(1).c $$(INIT_TEST_$(1)) $(INIT_TEST_HDRS) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@$(HOST_CC) $(HOST_CFLAGS) $(MBEDTLS_HOST_CFLAGS) -o $$@ init/tests/test-$(1).c $$(INIT_TEST_$(1)) \
		$(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS)
$(INIT_TEST_DIR)/test-$(1)-asan: init/tests/test-$(1).c $$(INIT_TEST_$(1)) $(INIT_TEST_HDRS) $(COMMON_SAN_A) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@$(HOST_CC) $(SAN_CFLAGS) $(MBEDTLS_HOST_CFLAGS) -o $$@ init/tests/test-$(1).c $$(INIT_TEST_$(1)) \
		$(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS)
endef
$(foreach t,$(INIT_TESTS),$(eval $(call init_test,$(t))))

$(LUKS2_FIXTURES)/.made: init/tests/make-luks2-fixtures.sh init/tests/luks2-rewrite.py | $(DEPS_STAMP)
	@init/tests/make-luks2-fixtures.sh $(LUKS2_FIXTURES)
	@touch $@

INIT_TEST_BINS := $(foreach t,$(INIT_TESTS),$(INIT_TEST_DIR)/test-$(t) $(INIT_TEST_DIR)/test-$(t)-asan) \
	$(INIT_TEST_DIR)/test-format-musl
# cryptsetup's own test headers, when ../shared has them (test-luks2 skips them, with a reason, otherwise).
CRYPTSETUP_PEER_VECTORS ?= $(abspath $(TOP)/../shared/peer-vectors/cryptsetup)
# (notdir: the worktree's own path may contain "luks2")
init_test_cmd = $(if $(or $(findstring luks2-digest,$(notdir $(1))),$(findstring dm-crypt,$(notdir $(1)))),$(1) $(LUKS2_FIXTURES),$(call init_test_cmd_old,$(1)))
init_test_cmd_old = $(if $(findstring luks2,$(notdir $(1))),$(1) $(LUKS2_FIXTURES) $(CRYPTSETUP_PEER_VECTORS),$(if $(findstring check-volume,$(notdir $(1))),$(1) $(LUKS2_FIXTURES),$(if $(findstring errors,$(notdir $(1))),$(1) docs/cocoboot.cmdline.7,$(1))))

CHECK_SUITES += init
check-init: $(INIT_TEST_BINS) $(LUKS2_FIXTURES)/.made docs/cocoboot.cmdline.7
	@tests/lib/run-unit.sh $(foreach b,$(INIT_TEST_BINS),"$(call init_test_cmd,$(b))")
.PHONY: check-init

# Fuzz target (libFuzzer): the kernel command line. (The LUKS2 header and its
# JSON allowlist are fuzzed beside their module: common/common.mk.)
INIT_FUZZ_DIR := $(BUILD)/fuzz/init
INIT_FUZZ_cmdline    := init/cmdline.c init/url.c init/errors.c proto/key_commit.c
define init_fuzz
$(INIT_FUZZ_DIR)/fuzz-$(1): init/fuzz/fuzz-$(1).c $$(INIT_FUZZ_$(1)) $(wildcard init/*.h proto/*.h) $(COMMON_HDRS) $(COMMON_FUZZ_A) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@$$(call fuzz_link,init/fuzz/fuzz-$(1).c $$(INIT_FUZZ_$(1)) $(COMMON_FUZZ_A))
FUZZ_TARGETS += $(1)
fuzz-$(1): $(INIT_FUZZ_DIR)/fuzz-$(1)
	@mkdir -p $(INIT_FUZZ_DIR)/corpus-$(1)
	@set -o pipefail; $$< -max_total_time=$$(FUZZ_SECONDS) -max_len=16384 -artifact_prefix=$(INIT_FUZZ_DIR)/crash-$(1)- $(INIT_FUZZ_DIR)/corpus-$(1) init/fuzz/seeds-$(1) 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-$(1)
endef
$(foreach f,cmdline,$(eval $(call init_fuzz,$(f))))
