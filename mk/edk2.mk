# The AmdSev OVMF for SEV-SNP measured direct boot (mk/edk2-build.sh): built
# from Debian trixie's pinned edk2 source, cached in $(COCOBOOT_CACHE)/edk2
# (about 2-3 minutes on 2 cores once; 4 MiB).
#   make firmware   ->  build/edk2/OVMF.amdsev.fd
AMDSEV_FD := $(BUILD)/edk2/OVMF.amdsev.fd

$(AMDSEV_FD): mk/edk2-build.sh mk/pins | $(DEPS_STAMP)
	@echo "  EDK2    $@"
	@nice -n 10 mk/edk2-build.sh $(dir $@)

firmware: $(AMDSEV_FD)
.PHONY: firmware
