# One mbedTLS build into $(DIR), run under a lock by mk/mbedtls.mk so that
# concurrent makes never build the same tree twice at once. CONFIG, when set,
# replaces the default mbedtls_config.h (the guest's trimmed configuration).
$(DIR)/.built: mk/mbedtls.mk mk/mbedtls-build.mk mk/pins $(CONFIG)
	@echo "  MBEDTLS $(notdir $(DIR))"
	@rm -rf $(DIR) && mkdir -p $(DIR)
	@tar -xjf "$$(mk/fetch.sh mbedtls)" -C $(DIR) --strip-components=1
	@$(if $(CONFIG),cp $(CONFIG) $(DIR)/include/mbedtls/mbedtls_config.h)
	@$(MAKE) -s -C $(DIR)/library CC="$(BUILD_CC)" CFLAGS="$(BUILD_CFLAGS)" static >$(DIR)/build.log 2>&1 \
		|| { tail -n 30 $(DIR)/build.log; exit 1; }
	@touch $@
