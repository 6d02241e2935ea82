#!/bin/sh
# cocoboot-dracut: the glue between dracut and `cocoboot unlock`, shared by the
# shell and systemd flavours.
#   try            shell initrd: unlock if the network and the volume are
#                  ready; exit 0 when unlocked or not ready yet (the initqueue
#                  comes back), otherwise apply rd.cocoboot.onfail
#   wait           systemd initrd: wait for the volume, unlock; exit non-zero
#                  on failure (the unit's OnFailure= applies the action)
#   onfail REASON  print REASON and perform rd.cocoboot.onfail
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

onfail() {
    _act=$(getarg rd.cocoboot.onfail=)
    case $_act in
        poweroff | reboot | halt | shell) ;;
        "") _act=poweroff ;;
        *)
            say "unknown rd.cocoboot.onfail=$_act, using poweroff"
            _act=poweroff
            ;;
    esac
    say "root volume not unlocked ($1); onfail=$_act"
    if is_systemd; then
        case $_act in
            shell) systemctl --no-block emergency ;;
            *) systemctl --no-block "$_act" ;;
        esac
        return 0
    fi
    [ "$_act" = shell ] && return 2
    # No init to ask: -ff does the reboot(2) call itself. Fail closed even if
    # that is missing.
    "$_act" -ff 2> /dev/null || "$_act" -f 2> /dev/null
    echo o > /proc/sysrq-trigger 2> /dev/null
    sleep 5
    echo c > /proc/sysrq-trigger 2> /dev/null
    return 1
}

# The TSM report ABI must be there before cocoboot asks for evidence.
prepare_tsm() {
    modprobe -q configfs 2> /dev/null
    mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config 2> /dev/null
    modprobe -q tsm 2> /dev/null
    # Providers usually load from their modalias; this covers the rest. The
    # one that does not match the hardware just fails to probe.
    modprobe -q sev-guest 2> /dev/null
    modprobe -q tdx-guest 2> /dev/null
}

# Run cocoboot unlock with the settings dracut sees (the kernel command line
# and /etc/cmdline.d, including the module's baked-in defaults).
unlock() {
    set --
    for _u in $(getargs rd.cocoboot.url=); do set -- "$@" --url "$_u"; done
    _v=$(getarg rd.cocoboot.volume=) && [ -n "$_v" ] && set -- "$@" --volume "$_v"
    _n=$(getarg rd.cocoboot.name=) && [ -n "$_n" ] && set -- "$@" --name "$_n"
    prepare_tsm
    : > /tmp/cocoboot.ran
    say "running cocoboot unlock $*"
    /usr/sbin/cocoboot unlock "$@"
    _rc=$?
    if [ $_rc -eq 0 ]; then
        : > /tmp/cocoboot.done
        say "unlocked /dev/mapper/$(getarg rd.cocoboot.name=)"
    fi
    return $_rc
}

cmd=${1:-}
case $cmd in
    try)
        [ -e /tmp/cocoboot.done ] && exit 0
        [ "$(missing)" = nothing ] || exit 0
        unlock && exit 0
        onfail "cocoboot unlock exited with status $?"
        exit $?
        ;;
    wait)
        [ -n "$(getargs rd.cocoboot.url=)" ] || {
            say "no rd.cocoboot.url= given: nothing to do"
            exit 0
        }
        _t=$(getarg rd.cocoboot.timeout=)
        _t=${_t:-300}
        _i=0
        while ! volume_present; do
            [ $_i -ge $((_t * 2)) ] && {
                say "timed out after ${_t}s waiting for volume $(getarg rd.cocoboot.volume=)"
                exit 1
            }
            [ $_i -eq 0 ] && say "waiting for volume $(getarg rd.cocoboot.volume=)"
            sleep 0.5
            _i=$((_i + 1))
        done
        unlock
        exit $?
        ;;
    onfail)
        onfail "${2:-failure}"
        exit $?
        ;;
    missing)
        missing
        ;;
    *)
        echo "usage: cocoboot-dracut try|wait|onfail REASON|missing" >&2
        exit 2
        ;;
esac
