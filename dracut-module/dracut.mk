# The dracut module (dracut-module/91cocoboot, docs/dracut.md).
#   make install-dracut DESTDIR=/ [DRACUT_MODDIR=/usr/lib/dracut/modules.d]
# installs the module and, when built, the static cocoboot as /usr/sbin/cocoboot.
# `make install` (packaging/packaging.mk) installs the module the same way.
DRACUT_MODDIR ?= /usr/lib/dracut/modules.d
DRACUT_MODULE_FILES := $(wildcard dracut-module/91cocoboot/*)

install-dracut-module:
	install -d $(DESTDIR)$(DRACUT_MODDIR)/91cocoboot
	install -m 0755 dracut-module/91cocoboot/*.sh $(DESTDIR)$(DRACUT_MODDIR)/91cocoboot/
	install -m 0644 dracut-module/91cocoboot/*.service dracut-module/91cocoboot/*.conf $(DESTDIR)$(DRACUT_MODDIR)/91cocoboot/

install-dracut:
	@[ -n "$(DESTDIR)" ] || { echo "install-dracut: set DESTDIR (/ for this system)"; exit 2; }
	@$(MAKE) --no-print-directory install-dracut-module
	@if [ -x $(COCOBOOT) ]; then install -D -m 0755 $(COCOBOOT) $(DESTDIR)/usr/sbin/cocoboot; \
	else echo "install-dracut: $(COCOBOOT) not built, not installed (make cocoboot)"; fi
.PHONY: install-dracut install-dracut-module
