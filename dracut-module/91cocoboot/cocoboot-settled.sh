#!/bin/sh
# initqueue/settled job (shell initrd), sourced by dracut's main loop on every
# pass: once the network is configured and the volume is present, run
# cocoboot unlock (once). dracut's own root=/dev/mapper/<name> handling then
# finishes the boot.
if [ -e /tmp/cocoboot.active ] && [ ! -e /tmp/cocoboot.done ]; then
    /usr/sbin/cocoboot-dracut try
    case $? in
        0) ;;           # unlocked, or not ready yet: the loop comes back
        2) emergency_shell -n cocoboot "cocoboot: the root volume was not unlocked" ;;
        *) ;;           # the onfail action is under way
    esac
fi
