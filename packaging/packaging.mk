# Installation and Debian packages (docs/packages.md).
#   make install [DESTDIR=/stage] [PREFIX=/usr/local]
#       cocoboot (static binary, dracut module, initramfs-tools hooks, man
#       pages, the crypttab generator and unit) and cocobroker (binary, systemd unit, sysusers.d, tmpfiles.d,
#       man page, example configuration); install-cocoboot / install-cocobroker
#       for one of them. dracut and initramfs-tools read their directories
#       only under /usr, whatever PREFIX says (DRACUT_MODDIR, INITRAMFS_TOOLS_DIR).
#   make deb
#       build/deb/cocoboot_<version>_<arch>.deb and cocobroker_..., made with
#       dpkg-deb from `make install PREFIX=/usr` (packaging/build-deb.sh);
#       version from `git describe` (packaging/version.sh).
#   make check-deb
#       lintian, contents, installation into a scratch root (tests/deb/run.sh).
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
DOCDIR = $(PREFIX)/share/doc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSTEMDGENERATORDIR ?= $(PREFIX)/lib/systemd/system-generators
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
INITRAMFS_TOOLS_DIR ?= /usr/share/initramfs-tools
INITRAMFS_TOOLS_FILES := $(wildcard initramfs-tools/hooks/* initramfs-tools/scripts/*/*)

install-cocoboot: $(COCOBOOT) install-dracut-module
	install -D -m 0755 $(COCOBOOT) $(DESTDIR)$(SBINDIR)/cocoboot
	install -D -m 0644 docs/cocoboot.8 $(DESTDIR)$(MANDIR)/man8/cocoboot.8
	install -D -m 0644 docs/cocoboot.cmdline.7 $(DESTDIR)$(MANDIR)/man7/cocoboot.cmdline.7
	$(foreach f,$(INITRAMFS_TOOLS_FILES),install -D -m 0755 $(f) $(DESTDIR)$(INITRAMFS_TOOLS_DIR)/$(f:initramfs-tools/%=%);)
	@# data volumes of /etc/crypttab (docs/crypttab.md): the script, its
	@# generator name, the template unit (paths follow PREFIX)
	install -D -m 0755 crypttab/cocoboot-crypttab $(DESTDIR)$(PREFIX)/lib/cocoboot/cocoboot-crypttab
	install -d $(DESTDIR)$(SYSTEMDGENERATORDIR)
	ln -sfr $(DESTDIR)$(PREFIX)/lib/cocoboot/cocoboot-crypttab $(DESTDIR)$(SYSTEMDGENERATORDIR)/cocoboot-crypttab-generator
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|/usr/lib/cocoboot/|$(PREFIX)/lib/cocoboot/|' crypttab/cocoboot-unlock@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/cocoboot-unlock@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/cocoboot-unlock@.service

install-cocobroker: $(BUILD)/cocobroker
	install -D -m 0755 $(BUILD)/cocobroker $(DESTDIR)$(BINDIR)/cocobroker
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|/usr/bin/cocobroker|$(BINDIR)/cocobroker|' broker/cocobroker.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/cocobroker.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/cocobroker.service
	install -D -m 0644 packaging/cocobroker.sysusers $(DESTDIR)$(SYSUSERSDIR)/cocobroker.conf
	install -D -m 0644 packaging/cocobroker.tmpfiles $(DESTDIR)$(TMPFILESDIR)/cocobroker.conf
	install -D -m 0644 docs/cocobroker.8 $(DESTDIR)$(MANDIR)/man8/cocobroker.8
	install -D -m 0644 broker/cocobroker.example.json $(DESTDIR)$(DOCDIR)/cocobroker/examples/cocobroker.json

install: install-cocoboot install-cocobroker
.PHONY: install install-cocoboot install-cocobroker

DEB_DIR := $(BUILD)/deb
deb: $(COCOBOOT) $(BUILD)/cocobroker
	@BUILD=$(BUILD) packaging/build-deb.sh $(DEB_DIR)
.PHONY: deb

# lintian comes with this suite only (tests/deb/packages.txt).
DEB_PKGS_STAMP := $(BUILD)/.deps-deb-ok
$(DEB_PKGS_STAMP): tests/deb/packages.txt mk/deps.sh | $(DEPS_STAMP)
	@mk/deps.sh tests/deb/packages.txt
	@touch $@
CHECK_SUITES += deb
check-deb: deb | $(DEB_PKGS_STAMP)
	@tests/deb/run.sh $(DEB_DIR)
.PHONY: check-deb
