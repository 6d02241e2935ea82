#!/bin/sh
# check-config.sh CONFIG REQUIRED_LIST: fail when a required option is not =y.
set -eu
config=$1 list=$2
bad=0
for opt in $(sed -e 's/#.*//' "$list"); do
	if ! grep -qx "$opt=y" "$config"; then
		echo "kernel config: $opt is not =y after olddefconfig (an unmet dependency?)" >&2
		bad=1
	fi
done
exit $bad
