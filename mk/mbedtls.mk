# mbedTLS 3.6 LTS, built twice from the pinned Debian source tarball:
#  - host:  default configuration, for the broker and the tests;
#  - musl:  static, -Os, trimmed by init/mbedtls_config_guest.h, for the guest.
# Each build exports <PREFIX>_CFLAGS and <PREFIX>_LIBS and a stamp to depend on.

MBEDTLS_VERSION := 3.6.6

# $(1) = build name, $(2) = CC, $(3) = CFLAGS
define mbedtls_build
$(BUILD)/mbedtls-$(1)/.built: mk/mbedtls.mk mk/pins $(4) | $(DEPS_STAMP)
	@echo "  MBEDTLS $(1)"
	@rm -rf $(BUILD)/mbedtls-$(1) && mkdir -p $(BUILD)/mbedtls-$(1)
	@tar -xjf "$$$$(mk/fetch.sh mbedtls)" -C $(BUILD)/mbedtls-$(1) --strip-components=1
	@$(MAKE) -s -C $(BUILD)/mbedtls-$(1)/library CC="$(2)" CFLAGS="$(3)" static >$(BUILD)/mbedtls-$(1)/build.log 2>&1 \
		|| { tail -n 30 $(BUILD)/mbedtls-$(1)/build.log; exit 1; }
	@touch $$@
endef

MBEDTLS_HOST_DIR    := $(BUILD)/mbedtls-host
MBEDTLS_HOST_STAMP  := $(MBEDTLS_HOST_DIR)/.built
MBEDTLS_HOST_CFLAGS := -I$(MBEDTLS_HOST_DIR)/include
MBEDTLS_HOST_LIBS   := $(MBEDTLS_HOST_DIR)/library/libmbedtls.a $(MBEDTLS_HOST_DIR)/library/libmbedx509.a $(MBEDTLS_HOST_DIR)/library/libmbedcrypto.a
$(eval $(call mbedtls_build,host,$(HOST_CC),-O2 -g -fPIC))

MBEDTLS_GUEST_CONFIG := $(TOP)/init/mbedtls_config_guest.h
MBEDTLS_MUSL_DIR    := $(BUILD)/mbedtls-musl
MBEDTLS_MUSL_STAMP  := $(MBEDTLS_MUSL_DIR)/.built
MBEDTLS_MUSL_CFLAGS := -I$(MBEDTLS_MUSL_DIR)/include -DMBEDTLS_CONFIG_FILE='"$(MBEDTLS_GUEST_CONFIG)"'
MBEDTLS_MUSL_LIBS   := $(MBEDTLS_MUSL_DIR)/library/libmbedtls.a $(MBEDTLS_MUSL_DIR)/library/libmbedx509.a $(MBEDTLS_MUSL_DIR)/library/libmbedcrypto.a
$(eval $(call mbedtls_build,musl,$(MUSL_CC),-Os -ffunction-sections -fdata-sections -DMBEDTLS_CONFIG_FILE='\"$(MBEDTLS_GUEST_CONFIG)\"',$(MBEDTLS_GUEST_CONFIG)))

mbedtls-host: $(MBEDTLS_HOST_STAMP)
mbedtls-musl: $(MBEDTLS_MUSL_STAMP)
.PHONY: mbedtls-host mbedtls-musl
