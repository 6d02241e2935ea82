#!/bin/sh
# cmdline hook 31 (both flavours), after crypt's parse-crypt (30) wrote
# /etc/udev/rules.d/70-luks.rules: take cocoboot's own volume, and only it,
# out of dracut's crypt handling, so that no passphrase prompt (shell:
# cryptroot-ask; systemd: systemd-cryptsetup@) races cocoboot for it when the
# command line lists it in rd.luks.uuid= or sets rd.auto. Every other LUKS
# device is still handled by dracut as the command line and the initramfs's
# crypttab say (no global rd.luks=0).
command -v getarg > /dev/null || . /lib/dracut-lib.sh

_cb_rules=/etc/udev/rules.d/70-luks.rules
_cb_vol=$(getarg rd.cocoboot.volume=)
case $_cb_vol in
    UUID=*) _cb_uuid=${_cb_vol#UUID=} ;;
    /dev/*) _cb_uuid= ;;
    *) _cb_uuid=$_cb_vol ;;
esac
if [ ! -e /tmp/cocoboot.active ]; then
    : # cocoboot does not run in this boot: dracut's rules as they are
elif [ -z "$_cb_uuid" ]; then
    # Without a UUID there is nothing to match before udev probes; dracut only
    # acts on LUKS devices it is told about, so warn if it was told to look.
    if [ -s "$_cb_rules" ] && grep -q 'crypto_LUKS\|ID_PART_ENTRY_UUID\|ID_SERIAL_SHORT' "$_cb_rules"; then
        warn "cocoboot: rd.cocoboot.volume is not a UUID; dracut's crypt may also ask for its passphrase (set rd.cocoboot.volume=UUID=...)"
    fi
elif [ -s "$_cb_rules" ]; then
    # The first two lines of parse-crypt's file are its SUBSYSTEM/ACTION
    # guards; the skip goes right after them, before any RUN+= rule.
    {
        sed -n '1,2p' "$_cb_rules"
        printf 'ENV{ID_FS_UUID}=="%s", GOTO="luks_end"\n' "$_cb_uuid"
        sed -n '3,$p' "$_cb_rules"
    } > "$_cb_rules.cocoboot" && mv "$_cb_rules.cocoboot" "$_cb_rules"
    info "cocoboot: $_cb_uuid left out of dracut's crypt rules (cocoboot unlocks it)"
fi
# systemd's cryptsetup generator reads rd.luks.uuid= itself (before any
# hook): a unit for cocoboot's own volume would ask for its passphrase.
if [ -n "$_cb_uuid" ] && [ -d /run/systemd/system ]; then
    for _cb_l in $(getargs rd.luks.uuid=); do
        [ "${_cb_l#luks-}" = "$_cb_uuid" ] &&
            warn "cocoboot: rd.luks.uuid=$_cb_l names cocoboot's own volume: systemd-cryptsetup will ask for its passphrase too; remove it from the command line"
    done
fi
unset _cb_rules _cb_vol _cb_uuid _cb_l
