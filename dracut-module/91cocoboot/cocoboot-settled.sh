#!/bin/sh
# initqueue/settled job (shell initrd), sourced by dracut's main loop on every
# pass: once the network is configured, run cocoboot unlock (once). cocoboot
# reads the command line and the baked-in defaults, waits for its volume and
# mounts configfs itself; dracut's own root=/dev/mapper/<name> handling then
# finishes the boot. Builtins only until cocoboot starts.
if [ -e /tmp/cocoboot.active ] && [ ! -e /tmp/cocoboot.ran ]; then
    for _cocoboot_net in /tmp/net.*.did-setup; do
        [ -e "$_cocoboot_net" ] && break
    done
    # (no did-setup file: a network brought up otherwise, with a default route)
    if [ -e "$_cocoboot_net" ] || ip -4 route show default 2> /dev/null | grep -q .; then
        : > /tmp/cocoboot.ran
        if /usr/sbin/cocoboot unlock --wait --defaults /etc/cmdline.d/91-cocoboot.conf; then
            : > /tmp/cocoboot.done
        else
            /usr/sbin/cocoboot-dracut onfail "cocoboot unlock exited with status $?"
            # 2: the operator asked for a shell; otherwise the action is under way
            [ $? -eq 2 ] && emergency_shell -n cocoboot "cocoboot: the root volume was not unlocked"
        fi
    fi
    unset _cocoboot_net
fi
