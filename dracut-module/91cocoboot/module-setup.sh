#!/bin/bash
# dracut module "cocoboot": unlock the LUKS2 root with a volume key released by
# a cocobroker against an attestation report (SEV-SNP / TDX via configfs-tsm).
# See docs/dracut.md. Build-time settings (dracut.conf.d or the environment):
#   cocoboot_binary=PATH   the static cocoboot (default: /usr/sbin/cocoboot,
#                          then /usr/lib/cocoboot/cocoboot, then $PATH)
#   cocoboot_ca=PATH       the broker CA to pin (default /etc/cocoboot/ca.pem)
#   cocoboot_cmdline=PATH  optional rd.cocoboot.* defaults baked into the
#                          initramfs (default /etc/cocoboot/cmdline.conf)
#   cocoboot_url="URL..."  broker URLs given only on the kernel command line
#                          (also $COCOBOOT_URL): their host names go into the
#                          initramfs's /etc/hosts like those of cmdline.conf
#                          (cocoboot-broker-hosts.sh)
#   cocoboot_broker_addr="NAME=ADDRESS..."  addresses given explicitly instead
#                          of resolving (also $COCOBOOT_BROKER_ADDR)
#   cocoboot_hosts_file=PATH  a hosts file read instead of the build host's
#                          resolver, for tests (also $COCOBOOT_HOSTS_FILE)

# The binary this initramfs will carry.
cocoboot_find_binary() {
    local _b
    for _b in ${cocoboot_binary:-} "$dracutsysrootdir"/usr/sbin/cocoboot \
        "$dracutsysrootdir"/usr/lib/cocoboot/cocoboot; do
        [[ -x $_b ]] && { echo "$_b"; return 0; }
    done
    command -v cocoboot
}

# A confidential guest: the TSM report interface or a provider device exists.
cocoboot_is_cvm() {
    [[ -d /sys/kernel/config/tsm/report || -e /dev/sev-guest || -e /dev/tdx_guest ]] && return 0
    grep -qwE 'sev_snp|tdx_guest' /proc/cpuinfo 2> /dev/null
}

# called by dracut
check() {
    cocoboot_find_binary > /dev/null || {
        derror "cocoboot: no cocoboot binary (set cocoboot_binary=)"
        return 1
    }
    # Not configured (no broker CA to pin): 1, not 255. dracut stops with
    # "Module 'cocoboot' cannot be installed" when it was asked for (--add,
    # add_dracutmodules, --modules) and leaves it out otherwise, instead of
    # building an initramfs that can never unlock anything.
    local _ca=${cocoboot_ca:-$dracutsysrootdir/etc/cocoboot/ca.pem} _why
    [[ -s $_ca ]] || {
        derror "cocoboot: not configured: no broker CA at $_ca (install it there or set cocoboot_ca=)"
        return 1
    }
    # A CA the guest cannot verify with (it takes ECDSA P-256 only) is the
    # same: here, not in install(), whose failure dracut does not stop for.
    _why=$("$(cocoboot_find_binary)" check-ca "$_ca" 2>&1) || {
        derror "cocoboot: $_why"
        return 1
    }
    # A broker name the build cannot resolve: an image that refuses every boot.
    _why=$(cocoboot_hosts_lines 2>&1 > /dev/null) || {
        derror "${_why:-cocoboot: broker host names do not resolve}"
        return 1
    }
    require_binaries cryptsetup blkid || return 1
    # Host-only images of a confidential guest get the module on their own;
    # everything else only when asked for (--add cocoboot / add_dracutmodules).
    [[ $hostonly ]] && cocoboot_is_cvm && return 0
    return 255
}

# called by dracut
depends() {
    # crypt brings dm-crypt, cryptsetup and its udev rules; network brings up
    # the link the broker is reached over (network-legacy or systemd-networkd).
    echo network crypt
    return 0
}

# called by dracut
installkernel() {
    # configfs (the report ABI lives there), the TSM report core, both
    # providers and dm-crypt. Not host-only: the same image must boot as an
    # SEV-SNP or a TDX guest. Modules built into a kernel are simply skipped.
    hostonly='' instmods configfs tsm sev-guest tdx-guest dm_crypt
}

# No shell on the console, whichever way the boot fails (docs/dracut.md, "No
# shell after unlock"). The host owns that console, and after a successful
# unlock the root volume is open: a root filesystem that does not mount (one
# flipped ciphertext block is enough) must not become a root shell.
cocoboot_no_shell() {
    local _u
    # dracut's own switch, in both flavours: emergency_shell powers off
    # instead of opening a shell, die() does not open one. The kernel command
    # line still wins over it, hence the hooks and drop-ins below; the
    # cmdline hook turns it back on only for rd.cocoboot.onfail=shell.
    mkdir -p "$initdir/etc/cmdline.d"
    echo "rd.shell=0" > "$initdir/etc/cmdline.d/01-cocoboot-noshell.conf"
    # Sourced by every emergency_shell (before its shell) and by die():
    # perform rd.cocoboot.onfail there.
    inst_hook emergency 00 "$moddir/cocoboot-emergency.sh"
    inst_hook shutdown-emergency 00 "$moddir/cocoboot-emergency.sh"
    dracut_module_included "systemd" || return 0
    # systemd flavour: emergency.target and rescue.target (every unit's
    # OnFailure= path ends there) and dracut's own dracut-emergency.service run
    # cocoboot-dracut instead of dracut-emergency/sulogin.
    for _u in emergency.service rescue.service dracut-emergency.service; do
        inst_simple "$moddir/cocoboot-emergency.conf" "$systemdsystemconfdir/$_u.d/99-cocoboot.conf"
    done
    # Everything else that puts a shell or a login on a console:
    # rd.systemd.debug_shell (debug-shell.service), gettys pulled in with
    # rd.systemd.wants=, and rd.systemd.run= (a command of the host's choice
    # as kernel-command-line.service). Masked, so no command line option can
    # start them.
    for _u in debug-shell.service kernel-command-line.service getty@.service \
        serial-getty@.service console-getty.service container-getty@.service autovt@.service; do
        mkdir -p "$initdir$systemdsystemconfdir"
        ln -sfn /dev/null "$initdir$systemdsystemconfdir/$_u"
    done
}

# cocoboot does no DNS: the broker names of the URLs this build knows
# (cmdline.conf, cocoboot_url / COCOBOOT_URL) are resolved at build time and
# written to the initramfs's /etc/hosts, which cocoboot reads. Prints the
# lines; fails (with the helper's reason on stderr) for a name that does not
# resolve. Called in check(), whose failure stops dracut (install()'s does
# not), and again in install() to write the lines.
cocoboot_hosts_lines() {
    local _cl=${cocoboot_cmdline:-$dracutsysrootdir/etc/cocoboot/cmdline.conf}
    local _urls="${cocoboot_url:-} ${COCOBOOT_URL:-}"
    [[ -s $_cl ]] && _urls="$_urls $(sed -e 's/#.*//' "$_cl")"
    # shellcheck disable=SC2086  # a list of words
    COCOBOOT_BROKER_ADDR=${cocoboot_broker_addr:-${COCOBOOT_BROKER_ADDR:-}} \
        COCOBOOT_HOSTS_FILE=${cocoboot_hosts_file:-${COCOBOOT_HOSTS_FILE:-}} \
        "$moddir/cocoboot-broker-hosts.sh" $_urls
}

# called by dracut
install() {
    local _bin _ca _cl
    _bin=$(cocoboot_find_binary) || return 1
    _ca=${cocoboot_ca:-$dracutsysrootdir/etc/cocoboot/ca.pem}
    _cl=${cocoboot_cmdline:-$dracutsysrootdir/etc/cocoboot/cmdline.conf}

    # Static binary: nothing to resolve. Fail the build rather than produce
    # an initramfs that can never unlock anything.
    inst_simple "$_bin" /usr/sbin/cocoboot || return 1
    if [[ ! -s $_ca ]]; then
        dfatal "cocoboot: no broker CA at $_ca (set cocoboot_ca=)"
        return 1
    fi
    inst_simple "$_ca" /etc/cocoboot/ca.pem || return 1
    # Defaults such as rd.cocoboot.url= in dracut's own cmdline.d format;
    # `cocoboot unlock --defaults` reads the file, so it is there (empty)
    # when there are none.
    if [[ -s $_cl ]]; then
        inst_simple "$_cl" /etc/cmdline.d/91-cocoboot.conf || return 1
    else
        mkdir -p "$initdir/etc/cmdline.d" && : > "$initdir/etc/cmdline.d/91-cocoboot.conf"
    fi
    # dm-crypt is certain to be needed: loaded by dracut-pre-udev, before the
    # network is up, instead of on demand inside the unlock (kmod's modprobe
    # for dm_mod and dm_crypt took 0.5 s of the unlock under TCG).
    mkdir -p "$initdir/etc/cmdline.d"
    echo "rd.driver.pre=dm_crypt" > "$initdir/etc/cmdline.d/90-cocoboot-modules.conf"
    local _hosts
    _hosts=$(cocoboot_hosts_lines) || return 1
    if [[ $_hosts ]]; then
        mkdir -p "$initdir/etc"
        printf '%s\n' "$_hosts" >> "$initdir/etc/hosts"
        dinfo "cocoboot: broker names in /etc/hosts: $(echo "$_hosts" | tr '\n' ' ')"
    fi

    inst_multiple blkid modprobe mountpoint cryptsetup
    inst_multiple -o poweroff reboot halt
    inst_script "$moddir/cocoboot-dracut.sh" /usr/sbin/cocoboot-dracut

    # Both flavours: decide on rd.neednet before network and crypt
    # read them (under systemd the hooks run in dracut-cmdline.service).
    inst_hook cmdline 05 "$moddir/cocoboot-cmdline.sh"
    # After crypt's parse-crypt (30): cocoboot's volume out of its udev rules.
    inst_hook cmdline 31 "$moddir/cocoboot-luks.sh"
    cocoboot_no_shell
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/cocoboot.service" "$systemdsystemunitdir/cocoboot.service"
        inst_simple "$moddir/cocoboot-onfail.service" "$systemdsystemunitdir/cocoboot-onfail.service"
        $SYSTEMCTL -q --root "$initdir" enable cocoboot.service
    else
        inst_hook initqueue/settled 90 "$moddir/cocoboot-settled.sh"
        inst_hook initqueue/timeout 90 "$moddir/cocoboot-timeout.sh"
    fi
}
