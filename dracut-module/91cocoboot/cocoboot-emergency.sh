#!/bin/sh
# emergency and shutdown-emergency hook (both flavours), sourced by dracut's
# emergency_shell (every "drop to a shell" in dracut: the root that does not
# mount, a failed fsck, the initqueue timeout, rd.break=...) and by die(),
# before any shell is opened. The host owns the console and the root volume
# may already be open: perform rd.cocoboot.onfail instead (poweroff by
# default). Only rd.cocoboot.onfail=shell lets dracut go on to its shell.
# Sourced, not run: _rdshell_name is emergency_shell's; die() leaves
# /run/initramfs/.die.
if [ -e /run/initramfs/.die ]; then
    _cocoboot_where="dracut die"
else
    _cocoboot_where="dracut emergency_shell${_rdshell_name:+ ($_rdshell_name)}"
fi
/usr/sbin/cocoboot-dracut emergency "$_cocoboot_where"
# 2: the operator asked for the shell. Anything else means the action did
# not even start (the helper never returns once it has): fail closed here.
if [ $? -ne 2 ]; then
    echo o > /proc/sysrq-trigger 2> /dev/null
    while :; do sleep 3600; done
fi
unset _cocoboot_where
