#!/bin/bash
# A crash at each step of the store's admin commands leaves the store as it
# was or fully done (issue 15, "Bad input"). Real crashes, no hooks in the
# code: strace kills cocobroker (SIGKILL) on entry to its Nth write, pwrite64,
# fsync, fdatasync, rename or unlink, for every N the command makes of each,
# then the next command (`volume list`, which settles an interrupted rotation)
# must find one of the two states:
#  - volume add / import: the volume absent, or pending (never active: a key
#    nobody may hold is never released);
#  - rotate-master-key: the old key file and the old store, or the new key and
#    the rewrapped store, and no PATH.new left; either way the audit chain
#    verifies and the volume's key is the one enrolled (volume confirm
#    --key-file checks it against the store);
#  - restore: no store (and a new restore then works), or the whole backup in
#    place with its restore audited.
# usage: test-crash.sh COCOBROKER WORKDIR
set -u
BROKER=$(realpath "$1") W=$2
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
trap finish EXIT

if ! command -v strace >/dev/null || ! strace -e inject=write:error=EIO:when=9999 true 2>/dev/null; then
	skip=$((skip + 1)); echo "skip crash injection: strace with -e inject is not installed"; exit 0
fi
CALLS=(write pwrite64 fsync fdatasync rename unlink)
U=5a1e2f3c-4d5e-4f60-8172-839405a6b7c8
printf '{"snp": {"measurements": ["%s"]}}\n' "$(printf 'a5%.0s' $(seq 48))" > "$W/p.json"

# how many of each call CMD... makes: "write 7 pwrite64 31 ..."
count_calls() {
	strace -f -qq -o "$W/count.trace" -e trace="$(IFS=,; echo "${CALLS[*]}")" "$@" >/dev/null 2>&1 <"${STDIN:-/dev/null}"
	for c in "${CALLS[@]}"; do echo "$c $(grep -c " $c(" "$W/count.trace")"; done
}
# run CMD... killed at the Nth call C (stdin from $STDIN)
crash_at() {
	local c=$1 n=$2; shift 2
	# (the shell's "Killed" notice is the expected outcome: not shown)
	{ strace -f -qq -o /dev/null -e trace="$c" -e inject="$c":signal=KILL:when="$n" "$@" <"${STDIN:-/dev/null}" \
		>"$W/crash.out" 2>&1; } 2>/dev/null
}
store() { echo --database "$1/keys.db" --master-key "$1/master.key"; }
# state of volume U in store dir D: absent | pending | active | error
state_of() {
	local out
	# shellcheck disable=SC2046
	out=$("$BROKER" volume list $(store "$1") 2>"$1/list.err") || { echo error; return; }
	case $out in
	*"\"uuid\":\"$U\""*) echo "$out" | sed -n "s/.*\"state\":\"\([a-z]*\)\".*/\1/p" ;;
	*) echo absent ;;
	esac
}
# the audit verifies (no database yet, as a crash before the first write leaves it, is an empty store)
# shellcheck disable=SC2046
chain_ok() { [ ! -e "$1/keys.db" ] || "$BROKER" audit verify $(store "$1") >/dev/null 2>&1; }

# ---- volume add ----
fresh_store() { rm -rf "$1" && mkdir -p "$1"; }
runs=0 wrong=0
fresh_store "$W/add0"
# shellcheck disable=SC2046
for cn in $(count_calls "$BROKER" volume add --uuid "$U" --policy "$W/p.json" $(store "$W/add0") | tr ' ' ':'); do
	c=${cn%%:*} max=${cn#*:}
	for n in $(seq 1 "$max"); do
		d=$W/add; fresh_store "$d"
		# shellcheck disable=SC2046
		crash_at "$c" "$n" "$BROKER" volume add --uuid "$U" --policy "$W/p.json" $(store "$d")
		s=$(state_of "$d"); runs=$((runs + 1))
		if [ "$s" != absent ] && [ "$s" != pending ]; then wrong=$((wrong + 1)); echo "  add killed at $c #$n: $s ($(cat "$d/list.err"))"; fi
		chain_ok "$d" || { wrong=$((wrong + 1)); echo "  add killed at $c #$n: the audit does not verify"; }
	done
done
if [ "$runs" -gt 5 ] && [ "$wrong" -eq 0 ]; then ok "volume add killed at each of $runs steps: absent or pending, chain intact"
else bad "volume add killed at each of $runs steps: $wrong wrong"; fi

# ---- volume import (no device: pending until confirm) ----
head -c 64 /dev/urandom > "$W/vk"
runs=0 wrong=0
fresh_store "$W/imp0"
# shellcheck disable=SC2046
for cn in $(STDIN=$W/vk count_calls "$BROKER" volume import --uuid "$U" --policy "$W/p.json" $(store "$W/imp0") | tr ' ' ':'); do
	c=${cn%%:*} max=${cn#*:}
	for n in $(seq 1 "$max"); do
		d=$W/imp; fresh_store "$d"
		# shellcheck disable=SC2046
		STDIN=$W/vk crash_at "$c" "$n" "$BROKER" volume import --uuid "$U" --policy "$W/p.json" $(store "$d")
		s=$(state_of "$d"); runs=$((runs + 1))
		case $s in
		absent) ;;
		pending) "$BROKER" volume confirm --uuid "$U" --key-file "$W/vk" $(store "$d") >/dev/null 2>&1 ||  # shellcheck disable=SC2046
			{ wrong=$((wrong + 1)); echo "  import killed at $c #$n: pending with another key"; } ;;
		*) wrong=$((wrong + 1)); echo "  import killed at $c #$n: $s" ;;
		esac
		chain_ok "$d" || { wrong=$((wrong + 1)); echo "  import killed at $c #$n: the audit does not verify"; }
	done
done
if [ "$runs" -gt 5 ] && [ "$wrong" -eq 0 ]; then ok "volume import killed at each of $runs steps: absent, or pending with the imported key"
else bad "volume import killed at each of $runs steps: $wrong wrong"; fi

# ---- rotate-master-key ----
base=$W/rot0; fresh_store "$base"
# shellcheck disable=SC2046
"$BROKER" volume import --uuid "$U" --policy "$W/p.json" $(store "$base") <"$W/vk" >/dev/null 2>&1
runs=0 wrong=0 old=0 new=0
reset_rot() { rm -rf "$W/rot" && cp -a "$base" "$W/rot"; }
reset_rot
# shellcheck disable=SC2046
for cn in $(count_calls "$BROKER" rotate-master-key --yes $(store "$W/rot") | tr ' ' ':'); do
	c=${cn%%:*} max=${cn#*:}
	for n in $(seq 1 "$max"); do
		reset_rot; d=$W/rot
		# shellcheck disable=SC2046
		crash_at "$c" "$n" "$BROKER" rotate-master-key --yes $(store "$d")
		s=$(state_of "$d"); runs=$((runs + 1))
		if cmp -s "$d/master.key" "$base/master.key"; then old=$((old + 1)); else new=$((new + 1)); fi
		# shellcheck disable=SC2046
		if [ "$s" != pending ] || [ -e "$d/master.key.new" ] || ! chain_ok "$d" ||
			! "$BROKER" volume confirm --uuid "$U" --key-file "$W/vk" $(store "$d") >/dev/null 2>&1; then
			wrong=$((wrong + 1)); echo "  rotate killed at $c #$n: state $s, $(ls "$d"), $(cat "$d/list.err")"
		fi
	done
done
if [ "$runs" -gt 10 ] && [ "$wrong" -eq 0 ] && [ "$old" -gt 0 ] && [ "$new" -gt 0 ]; then
	ok "rotate-master-key killed at each of $runs steps: $old left the old key, $new the new one; each opens, verifies and holds the key"
else bad "rotate-master-key killed at each of $runs steps: $wrong wrong ($old old, $new new)"; fi
reset_rot
# shellcheck disable=SC2046
if "$BROKER" rotate-master-key --yes $(store "$W/rot") >/dev/null 2>&1 && ! cmp -s "$W/rot/master.key" "$base/master.key" &&
	"$BROKER" volume confirm --uuid "$U" --key-file "$W/vk" $(store "$W/rot") >/dev/null 2>&1 && chain_ok "$W/rot"; then
	ok "rotate-master-key without a crash: a new key file, the same volume key, the chain intact"
else bad "rotate-master-key without a crash"; fi
# shellcheck disable=SC2046
"$BROKER" rotate-master-key $(store "$W/rot") >/dev/null 2>&1
if [ $? -eq 2 ]; then ok "rotate-master-key without --yes: a usage error (exit 2)"; else bad "rotate-master-key without --yes"; fi

# ---- restore ----
# shellcheck disable=SC2046
"$BROKER" backup --out "$W/backup.db" $(store "$base") >/dev/null 2>&1 || bad "backup for the restore test"
runs=0 wrong=0 done_=0
reset_res() { rm -rf "$W/res" && mkdir -p "$W/res" && cp -p "$base/master.key" "$W/res/"; }
reset_res
# shellcheck disable=SC2046
for cn in $(count_calls "$BROKER" restore --from "$W/backup.db" $(store "$W/res") | tr ' ' ':'); do
	c=${cn%%:*} max=${cn#*:}
	for n in $(seq 1 "$max"); do
		reset_res; d=$W/res
		# shellcheck disable=SC2046
		crash_at "$c" "$n" "$BROKER" restore --from "$W/backup.db" $(store "$d")
		runs=$((runs + 1))
		if [ -e "$d/keys.db" ]; then
			done_=$((done_ + 1))
			# shellcheck disable=SC2046
			if [ "$(state_of "$d")" != pending ] || ! chain_ok "$d" ||
				! "$BROKER" audit verify $(store "$d") 2>/dev/null | grep -q . ; then
				wrong=$((wrong + 1)); echo "  restore killed at $c #$n: a store that does not check"
			fi
		# shellcheck disable=SC2046
		elif ! "$BROKER" restore --from "$W/backup.db" $(store "$d") >/dev/null 2>"$d/retry.err"; then
			wrong=$((wrong + 1)); echo "  restore killed at $c #$n: no store, and a new restore fails: $(cat "$d/retry.err")"
		fi
	done
done
if [ "$runs" -gt 5 ] && [ "$wrong" -eq 0 ]; then ok "restore killed at each of $runs steps: no store ($((runs - done_)), a retry works) or the whole checked store ($done_)"
else bad "restore killed at each of $runs steps: $wrong wrong"; fi
