#!/bin/sh
# cocoboot-broker-hosts URL...: the /etc/hosts lines an initramfs needs for
# the broker URLs it will use (rd.cocoboot.url= values; "rd.cocoboot.url="
# prefixes and other words are ignored). cocoboot does no DNS: it reads
# host names from the initramfs's /etc/hosts only (cocoboot(8)), so every
# builder (dracut module, initramfs-tools hook, make initramfs, mkosi) resolves
# the names here, at build time, with this one script. IP literals need
# nothing. Prints "ADDRESS NAME" lines on stdout.
#
# A name is resolved from, in this order:
#   COCOBOOT_BROKER_ADDR  "NAME=ADDRESS ..." given explicitly (no lookup)
#   COCOBOOT_HOSTS_FILE   a hosts-format file consulted instead of the build
#                         host's resolver (for tests; the machine's /etc/hosts
#                         stays untouched)
#   getent ahostsv4, then getent ahosts (the build host's resolver)
# A name none of them resolves fails the build (exit 1) with the reason: an
# initramfs without the name's address would refuse every boot.
set -u

fail() {
	echo "cocoboot: $*" >&2
	exit 1
}

is_address() {
	case $1 in
	*[!0-9.]* | "") ;;
	*.*.*.*) return 0 ;;
	esac
	case $1 in
	*:*) case $1 in *[!0-9A-Fa-f:.]*) return 1 ;; esac; return 0 ;;
	esac
	return 1
}

# First address for $1 in the hosts-format file $2 (IPv4 lines first).
from_file() {
	awk -v n="$1" 'BEGIN { n = tolower(n) }
		{ sub(/#.*/, "") }
		NF >= 2 { for (i = 2; i <= NF; i++) if (tolower($i) == n) { if ($1 ~ /:/) { if (v6 == "") v6 = $1 } else if (v4 == "") v4 = $1 } }
		END { if (v4 != "") print v4; else if (v6 != "") print v6 }' "$2"
}

# Sets addr to the address of $1, or to "".
resolve() {
	addr=
	for _p in ${COCOBOOT_BROKER_ADDR:-}; do
		if [ "${_p%%=*}" = "$1" ]; then
			addr=${_p#*=}
			is_address "$addr" || fail "COCOBOOT_BROKER_ADDR gives '$addr' for $1, which is not an IP address"
			return 0
		fi
	done
	if [ -n "${COCOBOOT_HOSTS_FILE:-}" ]; then
		[ -r "$COCOBOOT_HOSTS_FILE" ] || fail "COCOBOOT_HOSTS_FILE=$COCOBOOT_HOSTS_FILE is not readable"
		_r=$(from_file "$1" "$COCOBOOT_HOSTS_FILE")
	else
		_r=$(getent ahostsv4 "$1" 2>/dev/null | awk 'NR == 1 { print $1 }')
		[ -n "$_r" ] || _r=$(getent ahosts "$1" 2>/dev/null | awk 'NR == 1 { print $1 }')
	fi
	is_address "$_r" && addr=$_r
}

seen=' '
for arg in "$@"; do
	case $arg in
	rd.cocoboot.url=*) url=${arg#rd.cocoboot.url=} ;;
	https://*) url=$arg ;;
	*) continue ;;
	esac
	host=${url#https://}
	host=${host%%/*}
	case $host in
	\[*) continue ;;            # [IPv6] literal
	*:*) host=${host%:*} ;;     # name:port
	esac
	is_address "$host" && continue
	case $seen in *" $host "*) continue ;; esac
	seen="$seen$host "
	resolve "$host"
	if [ -z "$addr" ]; then
		src=${COCOBOOT_HOSTS_FILE:+COCOBOOT_HOSTS_FILE=$COCOBOOT_HOSTS_FILE}
		fail "broker host $host (from $url) does not resolve at build time (${src:-getent ahosts}): cocoboot does no DNS and would refuse every boot; make the name resolvable here or give its address with COCOBOOT_BROKER_ADDR=$host=ADDRESS"
	fi
	echo "$addr $host"
done
exit 0
