#!/bin/sh
# initqueue/timeout hook (shell initrd): dracut is about to give up waiting.
# If cocoboot never ran (no network, no volume), fail the way the operator
# asked for instead of dropping to dracut's emergency shell.
if [ -e /tmp/cocoboot.active ] && [ ! -e /tmp/cocoboot.done ] && [ ! -e /tmp/cocoboot.ran ]; then
    /usr/sbin/cocoboot-dracut onfail "timed out waiting for $(/usr/sbin/cocoboot-dracut missing)"
    [ $? -eq 2 ] && emergency_shell -n cocoboot "cocoboot: the root volume was not unlocked"
fi
