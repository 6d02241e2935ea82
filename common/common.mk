# common/: the floor both sides stand on (docs/layout.md): hex text, volume
# UUIDs, secret memory, the strict JSON reader and the one LUKS2 header reader.
# Built here as a static library per flavour that links it:
#   host  (the broker, host tests)   san  (ASan+UBSan tests)
#   fuzz  (libFuzzer targets)         musl (static guest-side test binaries)
# The guest binary compiles COMMON_GUEST_SRCS from source (init/init.mk), as it
# does libtsm/ and proto/.
#
# Independent of include order: when this file is read it uses only its own
# variables and the toolchain of mk/config.mk; the mbedTLS stamps and flags
# (mk/mbedtls.mk) are named through second expansion and in recipes, both
# expanded when make runs. (The top Makefile reads it before the parts, so that
# theirs may name COMMON_* in prerequisites.)

COMMON_SRCS       := $(sort $(wildcard common/*.c))
COMMON_HDRS       := $(sort $(wildcard common/*.h))
# Both sides link all of it (the guest checks the released key against the
# LUKS2 digest with luks2_digest.c, as the broker does in volume confirm).
COMMON_GUEST_SRCS := $(COMMON_SRCS)
COMMON_MUSL_A     := $(BUILD)/common/musl/libcommon.a
COMMON_HOST_A     := $(BUILD)/common/host/libcommon.a
COMMON_SAN_A      := $(BUILD)/common/san/libcommon.a
COMMON_FUZZ_A     := $(BUILD)/common/fuzz/libcommon.a

.SECONDEXPANSION:
# $(1) flavour, $(2) compiler, $(3) flags, $(4) mbedTLS build (HOST or MUSL), $(5) sources
define common_build
$(BUILD)/common/$(1)/%.o: common/%.c $(COMMON_HDRS) common/common.mk $$$$(MBEDTLS_$(4)_STAMP) | $$$$(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$(2) $(3) $$(MBEDTLS_$(4)_CFLAGS) -c $$< -o $$@
$(BUILD)/common/$(1)/libcommon.a: $(patsubst common/%.c,$(BUILD)/common/$(1)/%.o,$(5))
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call common_build,host,$$(HOST_CC),$$(HOST_CFLAGS),HOST,$(COMMON_SRCS)))
$(eval $(call common_build,san,$$(HOST_CC),$$(SAN_CFLAGS),HOST,$(COMMON_SRCS)))
# (a low PBKDF2 bound: a digest with many iterations must not time a fuzz run out)
$(eval $(call common_build,fuzz,$$(CLANG),$$(FUZZ_OBJ_CFLAGS) -DLUKS2_MAX_ITERATIONS=64,HOST,$(COMMON_SRCS)))
$(eval $(call common_build,musl,$$(MUSL_CC),$$(GUEST_CFLAGS),MUSL,$(COMMON_GUEST_SRCS)))

common: $(COMMON_HOST_A)
.PHONY: common

# ---- fuzz: the LUKS2 reader (common/fuzz/fuzz-NAME.c, one compile rule) -------
#   luks2-header   the binary header, both copies and the device (seeds: headers
#                  cryptsetup makes at fuzz time, common/fuzz/seed-luks2-header.sh)
#   luks2-json     the JSON reader and the allowlist (seeds: common/fuzz/seeds-luks2-json)
#   luks2-confirm  the key digest check of `cocobroker volume confirm` (same seeds)
COMMON_FUZZ_DIR := $(BUILD)/fuzz/common
$(COMMON_FUZZ_DIR)/fuzz-%: common/fuzz/fuzz-%.c $(COMMON_FUZZ_A) $(COMMON_HDRS) $$(MBEDTLS_HOST_STAMP) | $$(DEPS_STAMP)
	@$(call fuzz_link,$< $(COMMON_FUZZ_A))
$(COMMON_FUZZ_DIR)/seeds-luks2-header.made: common/fuzz/seed-luks2-header.sh | $$(DEPS_STAMP)
	@rm -rf $(COMMON_FUZZ_DIR)/seeds-luks2-header && common/fuzz/seed-luks2-header.sh $(COMMON_FUZZ_DIR)/seeds-luks2-header
	@touch $@

# $(1) name, $(2) -max_len, $(3) seed directory, $(4) what makes it (or nothing)
define common_fuzz
FUZZ_TARGETS += $(1)
fuzz-$(1): $(COMMON_FUZZ_DIR)/fuzz-$(1) $(4)
	@mkdir -p $(COMMON_FUZZ_DIR)/corpus-$(1)
	@echo "  FUZZ    $(1) ($$(FUZZ_SECONDS) s)"
	@set -o pipefail; $(COMMON_FUZZ_DIR)/fuzz-$(1) -max_total_time=$$(FUZZ_SECONDS) -max_len=$(2) -timeout=10 \
		-artifact_prefix=$(COMMON_FUZZ_DIR)/crash-$(1)- $(COMMON_FUZZ_DIR)/corpus-$(1) $(3) 2>&1 \
		| grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-$(1)
endef
$(eval $(call common_fuzz,luks2-header,65536,$(COMMON_FUZZ_DIR)/seeds-luks2-header,$(COMMON_FUZZ_DIR)/seeds-luks2-header.made))
$(eval $(call common_fuzz,luks2-json,16384,common/fuzz/seeds-luks2-json,))
$(eval $(call common_fuzz,luks2-confirm,16384,common/fuzz/seeds-luks2-json,))
