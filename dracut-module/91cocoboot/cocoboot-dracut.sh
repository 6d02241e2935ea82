#!/bin/sh
# cocoboot-dracut: what dracut's side of a failure needs, shared by the shell
# and systemd flavours. The unlock itself is `cocoboot unlock --wait` run
# directly (cocoboot.service, cocoboot-settled.sh): no shell before it.
#   onfail REASON  print REASON and perform rd.cocoboot.onfail
#   emergency WHERE
#                  one of dracut's or systemd's emergency paths was taken
#                  (root mount or fsck failed, dracut gave up waiting, die,
#                  rd.break, emergency/rescue target): unless the operator
#                  asked for rd.cocoboot.onfail=shell, perform the action now,
#                  forced, and never return. In a systemd unit (WHERE ends in
#                  .service) a shell is dracut's own dracut-emergency.
#   missing        print what is still missing (network, volume)
# Exit 2 means "the operator asked for a shell": the caller, which owns the
# console (dracut's init loop), opens it. Not `set -eu`: dracut-lib.sh is not
# written for it and every status here is checked by hand.

command -v getarg > /dev/null || . /lib/dracut-lib.sh

say() {
    # The console is what operators and tests watch; uptime gives the timeline.
    read -r _up _ < /proc/uptime
    echo "cocoboot-dracut: [$_up] $*" > /dev/console 2> /dev/null || echo "cocoboot-dracut: [$_up] $*"
}

is_systemd() { [ -d /run/systemd/system ]; }

# Is the volume named by rd.cocoboot.volume (or, by default, some LUKS
# device) present yet?
volume_present() {
    _v=$(getarg rd.cocoboot.volume=)
    case $_v in
        "") blkid -t TYPE=crypto_LUKS -o device 2> /dev/null | grep -q . ;;
        UUID=*) [ -b "/dev/disk/by-uuid/${_v#UUID=}" ] || blkid -U "${_v#UUID=}" > /dev/null 2>&1 ;;
        /dev/*) [ -b "$_v" ] ;;
        *) [ -b "/dev/disk/by-uuid/$_v" ] || blkid -U "$_v" > /dev/null 2>&1 ;;
    esac
}

# Shell flavour only: has the network module configured an interface? (The
# systemd flavour orders the unit after network-online.target instead.)
network_up() {
    for _f in /tmp/net.*.did-setup; do
        [ -e "$_f" ] && return 0
    done
    ip -4 route show default 2> /dev/null | grep -q .
}

missing() {
    _m=
    is_systemd || network_up || _m="network"
    volume_present || _m="${_m:+$_m and }volume $(getarg rd.cocoboot.volume=)"
    echo "${_m:-nothing}"
}

# The rd.cocoboot.onfail action (the module's defaults in /etc/cmdline.d
# count; the kernel command line wins). Anything unknown is poweroff.
onfail_action() {
    _act=$(getarg rd.cocoboot.onfail=)
    case $_act in
        poweroff | reboot | halt | shell) ;;
        "") _act=poweroff ;;
        *)
            say "unknown rd.cocoboot.onfail=$_act, using poweroff"
            _act=poweroff
            ;;
    esac
}

# Power off, reboot or halt now, without asking init: -ff makes the
# reboot(2) call itself. Fail closed even if that is missing: sysrq, then a
# crash, then never return.
force_action() {
    "$1" -ff 2> /dev/null || "$1" -f 2> /dev/null
    echo o > /proc/sysrq-trigger 2> /dev/null
    sleep 5
    echo c > /proc/sysrq-trigger 2> /dev/null
}

onfail() {
    onfail_action
    say "root volume not unlocked ($1); onfail=$_act"
    if is_systemd; then
        case $_act in
            # Not `systemctl emergency`: isolating would stop this unit,
            # whose start job is irreversible (OnFailureJobMode), so systemd
            # refuses the whole transaction and no shell ever comes.
            shell) systemctl --no-block start emergency.service ;;
            *) systemctl --no-block "$_act" ;;
        esac
        return 0
    fi
    [ "$_act" = shell ] && return 2
    force_action "$_act"
    return 1
}

# An emergency path was taken. The volume may be open by now (a root that
# does not mount after a successful unlock) and the console belongs to the
# host: nobody gets a shell there unless the operator asked for one.
emergency() {
    onfail_action
    if [ "$_act" = shell ]; then
        say "emergency path: $1; rd.cocoboot.onfail=shell: opening the emergency shell"
        case $1 in
            *.service) emergency_unit_shell "$1" ;;
        esac
        return 2
    fi
    say "emergency path: $1; no shell in a cocoboot initrd: onfail=$_act"
    if is_systemd; then
        # PID 1 stops everything and calls reboot(2) itself (no shutdown
        # transaction that could be refused or wait on a unit).
        systemctl --no-block --force "$_act" 2> /dev/null && sleep 30
    fi
    force_action "$_act"
    while :; do sleep 3600; done
}

# rd.cocoboot.onfail=shell under systemd: what emergency.service,
# rescue.service and dracut-emergency.service would have run without the
# module's drop-ins (dracut's dracut-emergency), then dracut's way out of it.
emergency_unit_shell() {
    for _e in /usr/bin/dracut-emergency /bin/dracut-emergency; do
        [ -x "$_e" ] && break
    done
    "$_e"
    case $1 in
        emergency.service | rescue.service) systemctl --fail --no-block default ;;
    esac
    exit 0
}

cmd=${1:-}
case $cmd in
    onfail)
        onfail "${2:-failure}"
        exit $?
        ;;
    emergency)
        emergency "${2:-unknown}"
        exit $?
        ;;
    missing)
        missing
        ;;
    *)
        echo "usage: cocoboot-dracut onfail REASON|emergency WHERE|missing" >&2
        exit 2
        ;;
esac
