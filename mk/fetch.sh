#!/bin/sh
# fetch.sh NAME: download the pinned file NAME (see mk/pins) into the download
# cache, check its sha256 and print its path. The mirror is the Debian mirror of
# the system's apt configuration (override with COCOBOOT_MIRROR); nothing of the
# system's apt state is changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: fetch.sh NAME}
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
line=$(awk -v n="$name" '$1 == n { print $2, $3 }' "$here/pins")
[ -n "$line" ] || { echo "fetch: no pin named '$name' in mk/pins" >&2; exit 2; }
set -- $line
path=$1 sha=$2
file=$cache/dl/$(basename "$path")

verify() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha" ]; }

if [ -f "$file" ] && verify "$file"; then echo "$file"; exit 0; fi

mirror=${COCOBOOT_MIRROR:-}
if [ -z "$mirror" ]; then
	# First Debian archive URI of the system's sources (deb822 or one-line style),
	# skipping the security archive, which has no ordinary pool.
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' |
		grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
fi
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" || $1 == "deb-src" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' |
		grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
fi
[ -n "$mirror" ] || { echo "fetch: no Debian mirror found in the apt configuration; set COCOBOOT_MIRROR" >&2; exit 2; }
mirror=${mirror%/}

mkdir -p "$cache/dl"
url=$mirror/$path
echo "fetch: $url" >&2
if ! curl -fsSL --retry 3 -o "$file.part" "$url"; then
	rm -f "$file.part"
	echo "fetch: cannot download $url" >&2
	echo "fetch: the pin '$name' may have been superseded on the mirror; update its pool path and sha256 in mk/pins" >&2
	exit 1
fi
if ! verify "$file.part"; then
	got=$(sha256sum "$file.part" | cut -d' ' -f1)
	rm -f "$file.part"
	echo "fetch: sha256 mismatch for $name: expected $sha, got $got (update mk/pins only after checking the new file)" >&2
	exit 1
fi
mv "$file.part" "$file"
echo "$file"
