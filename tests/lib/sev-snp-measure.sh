# Sourced: find the independent SEV-SNP launch-digest tool (virtee/sev-snp-measure;
# not in Debian, and PyPI is unreachable here) for the suites that compare
# `cocobroker measure snp` with it (tests/measure/cli.sh, tests/e2e-measured).
# SEV_SNP_MEASURE names it (a command, possibly with arguments, e.g.
# "python3 /src/sev-snp-measure/sev-snp-measure.py"), else sev-snp-measure on
# PATH. Sets the array ssm (empty when there is none) and ssm_why (the reason
# to print with the skips); returns 1 when SEV_SNP_MEASURE is set but is not
# a command (a broken setup: the caller counts it as a failure).
ssm_find() {
	ssm=() ssm_why="sev-snp-measure not installed (not in Debian, PyPI unreachable here)"
	if [ -n "${SEV_SNP_MEASURE:-}" ]; then
		read -r -a ssm <<<"$SEV_SNP_MEASURE"
		if ! command -v "${ssm[0]}" >/dev/null; then
			ssm=() ssm_why="SEV_SNP_MEASURE=$SEV_SNP_MEASURE is not a command"
			return 1
		fi
	elif command -v sev-snp-measure >/dev/null; then
		ssm=(sev-snp-measure)
	fi
	return 0
}
