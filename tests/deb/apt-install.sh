#!/bin/sh
# apt-install.sh DIR PACKAGE|./FILE.deb...: apt-get install into the scratch
# system DIR (tests/deb/scratch-root.sh), downloads cached in
# $COCOBOOT_CACHE/deb-archives. The build root's package lists date from its
# creation: when the mirror has moved on (a point release removed a version),
# the lists are refreshed in the scratch layer and the install tried again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: apt-install.sh DIR PACKAGE...}
shift
install() {
	"$here/scratch-root.sh" "$dir" apt-get install -y -q --no-install-recommends \
		-o Dir::Cache::Archives=/cache/deb-archives "$@"
}
install "$@" || {
	echo "apt-install: refreshing the package lists and trying again" >&2
	"$here/scratch-root.sh" "$dir" apt-get update -q && install "$@"
}
