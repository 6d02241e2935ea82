#!/bin/sh
# version.sh: the Debian package version, from `git describe`.
#   tag v1.2 at HEAD          -> 1.2
#   3 commits after v1.2      -> 1.2+git3.gabc1234
#   no tag yet                -> 0~git20261202.abc1234 (commit date, so versions sort)
#   uncommitted changes       -> ...+dirty
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(git -C "$top" describe --tags --long --always --dirty 2>/dev/null) || { echo 0~unknown; exit 0; }
dirty=
case $d in *-dirty) dirty=+dirty; d=${d%-dirty} ;; esac
case $d in
v[0-9]*-*-g* | [0-9]*-*-g*)
	d=${d#v}
	n=${d%-g*}; n=${n##*-}; tag=${d%-*-g*}; hash=${d##*-}
	if [ "$n" = 0 ]; then v=$tag; else v=$tag+git$n.$hash; fi ;;
*)
	v=0~git$(git -C "$top" log -1 --format=%cd --date=format:%Y%m%d).$d ;;
esac
echo "$v$dirty" | tr -c 'A-Za-z0-9.+~\n' '.'
