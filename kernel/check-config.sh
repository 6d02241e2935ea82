#!/bin/sh
# check-config.sh CONFIG REQUIRED_LIST: fail when a required option is not =y,
# or when an option listed as !CONFIG_X (must stay out) is set at all.
set -eu
config=$1 list=$2
bad=0
for opt in $(sed -e 's/#.*//' "$list"); do
	case $opt in
	!*)
		if grep -q "^${opt#!}=" "$config"; then
			echo "kernel config: ${opt#!} is set after olddefconfig (something selects it?)" >&2
			bad=1
		fi ;;
	*)
		if ! grep -qx "$opt=y" "$config"; then
			echo "kernel config: $opt is not =y after olddefconfig (an unmet dependency?)" >&2
			bad=1
		fi ;;
	esac
done
exit $bad
