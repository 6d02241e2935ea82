# libtsm: the configfs-tsm report ABI as a static library, built twice:
# musl (linked into the static guest binaries) and glibc (host tests), plus an
# ASan+UBSan flavour for the host tests. docs/libtsm.md describes the API.
LIBTSM_SRCS   := libtsm/tsm_report.c libtsm/configfs_io.c
LIBTSM_HDRS   := libtsm/libtsm.h libtsm/configfs_io.h
LIBTSM_CFLAGS :=
LIBTSM_MUSL_A := $(BUILD)/libtsm/musl/libtsm.a
LIBTSM_HOST_A := $(BUILD)/libtsm/host/libtsm.a
LIBTSM_SAN_A  := $(BUILD)/libtsm/san/libtsm.a

# $(1) = flavour, $(2) = CC, $(3) = CFLAGS
define libtsm_build
$(BUILD)/libtsm/$(1)/%.o: libtsm/%.c $(LIBTSM_HDRS) libtsm/libtsm.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@$(2) $(3) -c $$< -o $$@
$(BUILD)/libtsm/$(1)/libtsm.a: $(patsubst libtsm/%.c,$(BUILD)/libtsm/$(1)/%.o,$(LIBTSM_SRCS))
	@echo "  AR      $$@"
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call libtsm_build,musl,$(MUSL_CC),$(GUEST_CFLAGS)))
$(eval $(call libtsm_build,host,$(HOST_CC),$(HOST_CFLAGS)))
$(eval $(call libtsm_build,san,$(HOST_CC),$(SAN_CFLAGS)))

libtsm: $(LIBTSM_MUSL_A) $(LIBTSM_HOST_A)
ALL_TARGETS += $(LIBTSM_MUSL_A) $(LIBTSM_HOST_A)
.PHONY: libtsm
