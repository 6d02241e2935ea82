#!/bin/sh
# Install the Debian packages listed in mk/packages.txt that are missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails.
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
echo "cocoboot: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || apt-get update
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
