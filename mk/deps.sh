#!/bin/sh
# Install the Debian packages listed in a package list (default mk/packages.txt)
# that are missing. As root it runs apt-get itself; otherwise it prints the exact
# command and fails.
#
# A build host must not gain a running service from a build: packages are
# installed with a policy-rc.d that denies every start, each systemd unit the
# new packages ship is disabled and masked afterwards (Debian's tang enables
# tangd.socket, which listens on port 80), and the step fails if a TCP or UDP
# port is listened on afterwards that was not before.
set -eu
list=${1:-$(dirname "$0")/packages.txt}
missing=
for p in $(sed -e 's/#.*//' "$list"); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "cocoboot: missing Debian packages. Run as root:" >&2
	echo "  apt-get install --no-install-recommends$missing" >&2
	exit 1
fi

# Sockets listening beyond the loopback, as "proto local-address" lines,
# sorted (tests start brokers on 127.0.0.1 at any time; a service reachable
# from the network is what must not appear).
listeners() {
	command -v ss >/dev/null || return 0
	ss -lntuH 2>/dev/null | awk '$5 !~ /^(127\.|\[::1\]|::1)/ { print $1, $5 }' | sort -u
}

# policy-rc.d (invoke-rc.d, deb-systemd-invoke): 101 = action forbidden. One
# that is already there (containers ship one) is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# cocoboot mk/deps.sh: no service starts while packages install\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	own_policy=1
fi
before=$(mktemp)
trap '[ -n "$own_policy" ] && rm -f "$policy"; rm -f "$before"' EXIT
listeners >"$before"

echo "cocoboot: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || apt-get update
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

# Every unit the new packages (not their dependencies: those that matter are
# listed) ship: stopped, disabled and masked, so that no boot starts them.
# The tests that need a daemon (tests/compare/tang.sh) run it themselves.
units=
for p in $missing; do
	units="$units $(dpkg -L "$p" |
		grep -E '^(/usr)?/lib/systemd/system/[^/@]+\.(socket|service|timer|path)$' |
		sed -e 's|.*/||' || true)"
done
for u in $units; do
	if [ -d /run/systemd/system ]; then
		systemctl stop "$u" 2>/dev/null || true
	fi
	systemctl --root=/ --quiet disable "$u" 2>/dev/null || true
	systemctl --root=/ --quiet mask "$u"
	echo "cocoboot: masked $u (installed for the build, never run as a service)" >&2
done

new=$(listeners | comm -13 "$before" - || true)
if [ -n "$new" ]; then
	echo "cocoboot: after installing$missing these sockets listen that did not before:" >&2
	echo "$new" | sed -e 's/^/  /' >&2
	echo "cocoboot: stop and mask the service that opened them; refusing to go on" >&2
	exit 1
fi
