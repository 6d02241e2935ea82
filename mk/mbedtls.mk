# mbedTLS 3.6 LTS, built twice from the pinned Debian source tarball:
#  - host:  default configuration, for the broker and the tests;
#  - musl:  static, -Os, for the guest; init/mbedtls_config_guest.h replaces
#           the default mbedtls_config.h in that tree. -flto: cocoboot's link
#           optimises it with the guest's own code (init/init.mk);
#           -ffat-lto-objects keeps plain code beside it for the size map
#           and for the musl test binaries.
# Each build exports <PREFIX>_CFLAGS and <PREFIX>_LIBS and a stamp to depend on.

MBEDTLS_VERSION := 3.6.6

# $(1) = build name, $(2) = CC, $(3) = CFLAGS
define mbedtls_build
$(BUILD)/mbedtls-$(1)/.built: mk/mbedtls.mk mk/mbedtls-build.mk mk/pins $(4) | $(DEPS_STAMP)
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.mbedtls-$(1).lock $(MAKE) -s --no-print-directory -f mk/mbedtls-build.mk \
		DIR=$(BUILD)/mbedtls-$(1) BUILD_CC="$(2)" BUILD_CFLAGS="$(3)" CONFIG="$(4)"
endef

MBEDTLS_HOST_DIR    := $(BUILD)/mbedtls-host
MBEDTLS_HOST_STAMP  := $(MBEDTLS_HOST_DIR)/.built
MBEDTLS_HOST_CFLAGS := -I$(MBEDTLS_HOST_DIR)/include
MBEDTLS_HOST_LIBS   := $(MBEDTLS_HOST_DIR)/library/libmbedtls.a $(MBEDTLS_HOST_DIR)/library/libmbedx509.a $(MBEDTLS_HOST_DIR)/library/libmbedcrypto.a
$(eval $(call mbedtls_build,host,$(HOST_CC),-O2 -g -fPIC))

MBEDTLS_GUEST_CONFIG := $(TOP)/init/mbedtls_config_guest.h
MBEDTLS_MUSL_DIR    := $(BUILD)/mbedtls-musl
MBEDTLS_MUSL_STAMP  := $(MBEDTLS_MUSL_DIR)/.built
MBEDTLS_MUSL_CFLAGS := -I$(MBEDTLS_MUSL_DIR)/include
MBEDTLS_MUSL_LIBS   := $(MBEDTLS_MUSL_DIR)/library/libmbedtls.a $(MBEDTLS_MUSL_DIR)/library/libmbedx509.a $(MBEDTLS_MUSL_DIR)/library/libmbedcrypto.a
$(eval $(call mbedtls_build,musl,$(MUSL_CC),-Os -flto -ffat-lto-objects -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables,$(MBEDTLS_GUEST_CONFIG)))

mbedtls-host: $(MBEDTLS_HOST_STAMP)
mbedtls-musl: $(MBEDTLS_MUSL_STAMP)
.PHONY: mbedtls-host mbedtls-musl
