#!/bin/sh
# cmdline hook (both flavours): decide whether cocoboot runs in this boot and
# prepare the rest of dracut for it. Runs before crypt's parse-crypt (30) and
# the network parsers, which read what is written to /etc/cmdline.d here.
command -v getarg > /dev/null || . /lib/dracut-lib.sh

if [ -n "$(getargs rd.cocoboot.url=)" ]; then
    : > /tmp/cocoboot.active
    # The broker is only reachable over the network.
    getargbool 0 rd.neednet || echo "rd.neednet=1" > /etc/cmdline.d/90-cocoboot-net.conf
    # dracut's crypt handling stays on for every other LUKS device (rd.luks.uuid=,
    # rd.auto, the initramfs's crypttab): only cocoboot's own volume is taken
    # out of its udev rules, by cocoboot-luks.sh after parse-crypt wrote them.
    info "cocoboot: will unlock $(getarg rd.cocoboot.volume=) as /dev/mapper/$(getarg rd.cocoboot.name=)"
fi

# The module bakes in rd.shell=0 (/etc/cmdline.d/01-cocoboot-noshell.conf):
# dracut opens no shell anywhere. An operator who asked for a shell on
# failure gets dracut's again.
if [ "$(getarg rd.cocoboot.onfail=)" = shell ]; then
    echo "rd.shell=1" > /etc/cmdline.d/99-cocoboot-shell.conf
fi
