# testdata.sh: sourced by the test scripts that use the larger real-evidence
# set (../shared/testdata beside the clone, or COCOBOOT_TESTDATA=DIR). A clone
# alone does not have it: its checks then are skipped with the reason, never
# failed. Only when COCOBOOT_TESTDATA names a directory without the set is that
# a failure (it was asked for).
#
# testdata_state DIR  prints present | absent | missing (for DIR/vectors.json)
# testdata_why DIR    the reason to print with a skip
testdata_state() {
	if [ -r "$1/vectors.json" ]; then echo present
	elif [ -n "${COCOBOOT_TESTDATA:-}" ]; then echo missing
	else echo absent
	fi
}
testdata_why() {
	if [ -n "${COCOBOOT_TESTDATA:-}" ]; then
		echo "COCOBOOT_TESTDATA=$COCOBOOT_TESTDATA has no readable vectors.json"
	else
		echo "no $1/vectors.json (the shared real-evidence set runs when it is there or COCOBOOT_TESTDATA=DIR names it)"
	fi
}
