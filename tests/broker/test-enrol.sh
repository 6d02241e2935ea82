#!/bin/bash
# Enrolment that cannot lose a key (issue 15, item 1), with the real
# cryptsetup on file images (no device-mapper needed):
#  - the cocobroker(8) EXAMPLE enrolment, extracted from the man page and run
#    as written, leaves an active volume whose key is the image's volume key;
#  - a cryptsetup that fails (the old `--volume-key-file=-`, a missing image)
#    leaves the volume pending, never active (serve refuses a pending volume:
#    test-broker.sh, volume-pending);
#  - a reader that exits before taking the key: cocobroker is not killed by
#    SIGPIPE, reports the failed write and removes the volume;
#  - confirm refuses a header of another key or UUID, and a non-LUKS file;
#  - volume list before the first add is an empty list; remove needs --yes.
# usage: test-enrol.sh COCOBROKER WORKDIR
set -u
BROKER=$(realpath "$1") W=$2
MAN=$(dirname "$0")/../../docs/cocobroker.8
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
trap finish EXIT

if ! command -v cryptsetup >/dev/null; then
	skip=$((skip + 1)); echo "skip enrolment with cryptsetup: cryptsetup is not installed"; exit 0
fi

STORE=(--database "$W/keys.db" --master-key "$W/master.key")
# `cocobroker` as the example calls it: the binary under test on this store
mkdir -p "$W/bin"
printf '#!/bin/sh\nexec "%s" "$@" --database "%s" --master-key "%s"\n' "$BROKER" "$W/keys.db" "$W/master.key" \
	> "$W/bin/cocobroker"
chmod +x "$W/bin/cocobroker"
state() { "$BROKER" volume list "${STORE[@]}" | sed -n "s/.*\"uuid\":\"$1\".*\"state\":\"\([a-z]*\)\".*/\1/p"; }

out=$("$BROKER" --version); rc=$?
check "--version: one line naming the build and its TLS library ($out)" \
	test "$rc" -eq 0 -a -n "$(echo "$out" | grep -E '^cocobroker [^ ]+ \(Mbed TLS 3\.6\.[0-9]+\)$')"
# ---- before the first add ----
out=$("$BROKER" volume list "${STORE[@]}" 2>"$W/list0.err"); rc=$?
check "volume list before the first add: an empty list, exit 0 (rc=$rc: $(cat "$W/list0.err"))" test "$rc" -eq 0 -a -z "$out"
check "...and it creates nothing" test ! -e "$W/keys.db" -a ! -e "$W/master.key"
"$BROKER" volume list --config /nonexistent.json "${STORE[@]}" >/dev/null 2>&1
check "--config together with --database/--master-key is a usage error" test $? -eq 2

# ---- the man page's example, as written ----
sed -n '/^\.SH EXAMPLE/,/^\.SH /p' "$MAN" | sed -n '/^\.nf/,/^\.fi/{/^\.nf/d;/^\.fi/q;p}' |
	sed -e 's/\\-/-/g' -e 's/\\\\/\\/g' > "$W/example.sh"
check "the man page's EXAMPLE has the add | cryptsetup && confirm enrolment" \
	grep -qz 'cocobroker volume add.*cryptsetup luksFormat.*cocobroker volume confirm' "$W/example.sh"
echo '{"snp": {"measurements": ["'"$(printf 'a5%.0s' $(seq 48))"'"]}}' > "$W/web.json"
run_example() { # UUID DIR: runs example.sh in DIR with web.json, a 32 MiB root.img and a keyfile
	mkdir -p "$2" && cp "$W/web.json" "$2/"
	[ -e "$2/root.img" ] || truncate -s 32M "$2/root.img"
	head -c 32 /dev/urandom > "$2/keyfile"
	(cd "$2" && UUID=$1 PATH="$W/bin:$PATH" bash "$W/example.sh") >"$2/out" 2>&1
}
U1=5a1e2f3c-4d5e-4f60-8172-839405a6b7c8
run_example "$U1" "$W/ok"; rc=$?
check "the example runs (rc=$rc: $(tail -1 "$W/ok/out"))" test "$rc" -eq 0
check "the volume is active" test "$(state "$U1")" = active
check "the image is LUKS2 with the volume's UUID" test "$(cryptsetup luksUUID "$W/ok/root.img")" = "$U1"
# independent of confirm: cryptsetup itself takes the volume key out of the header with the keyslot passphrase...
cryptsetup luksDump --batch-mode --dump-volume-key --volume-key-file "$W/ok/vk" --key-file "$W/ok/keyfile" \
	"$W/ok/root.img" >/dev/null 2>&1
check "cryptsetup dumps a 64-byte volume key" test "$(stat -c %s "$W/ok/vk" 2>/dev/null)" = 64
# ...which opens the header (a new keyslot from it) and is the key the broker holds
head -c 16 /dev/urandom > "$W/ok/newpass"
check "that key opens the header (luksAddKey --volume-key-file)" \
	cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --volume-key-file "$W/ok/vk" \
	"$W/ok/root.img" "$W/ok/newpass"
"$BROKER" volume confirm --uuid "$U1" --key-file "$W/ok/vk" "${STORE[@]}" 2>"$W/ok/again.err"
check "the broker holds that same key (confirm --key-file: already active)" grep -q 'was already active' "$W/ok/again.err"
check "the admin audit has add and confirm by $(id -un)" \
	test "$(sqlite3 "$W/keys.db" "select group_concat(reason || '/' || client_key || '/' || measurement, ' ') from audit where volume='$U1'")" = \
	"volume-add/local-user:$(id -un)/policy-sha256:$(sha256sum < "$W/web.json" | cut -c1-64) volume-confirm/local-user:$(id -un)/luks2-header"
"$BROKER" audit verify "${STORE[@]}" >/dev/null
check "the audit chain verifies with the admin rows" test $? -eq 0

# ---- a cryptsetup that fails: the volume never becomes active ----
U2=6b2f3a4d-5e6f-4071-8283-94a5b6c7d8e9
sed 's|--volume-key-file /dev/stdin|--volume-key-file=-|' "$W/example.sh" > "$W/example-dash.sh"
mkdir -p "$W/dash" && cp "$W/web.json" "$W/dash/" && truncate -s 32M "$W/dash/root.img" && head -c 32 /dev/urandom > "$W/dash/keyfile"
(cd "$W/dash" && UUID=$U2 PATH="$W/bin:$PATH" bash "$W/example-dash.sh") >"$W/dash/out-dash" 2>&1; rc=$?
check "the old --volume-key-file=- form fails (rc=$rc: $(grep -m1 Cannot "$W/dash/out-dash"))" test "$rc" -ne 0
# pending if cocobroker wrote the key into the pipe before cryptsetup gave up,
# absent if cryptsetup exited first (EPIPE: cocobroker removes it); never active
s2=$(state "$U2")
check "...and its volume is not active (${s2:-absent})" test "$s2" != active
# a pending volume for what follows: the key went out, nothing was formatted
[ -n "$s2" ] || "$BROKER" volume add --uuid "$U2" --policy "$W/web.json" "${STORE[@]}" > "$W/dash/u2.key" 2>/dev/null
check "a volume added and never formatted is pending" test "$(state "$U2")" = pending
check "...confirm --device refuses the unformatted image" \
	bash -c "! '$BROKER' volume confirm --uuid $U2 --device '$W/dash/root.img' ${STORE[*]} 2>'$W/dash/confirm.err'"
check "...saying why" grep -q 'no LUKS2 header' "$W/dash/confirm.err"
check "...and it stays pending" test "$(state "$U2")" = pending
"$BROKER" volume add --uuid "$U2" --policy "$W/web.json" "${STORE[@]}" > "$W/dash/dup" 2>"$W/dash/dup.err"
check "add over the pending volume is refused (its key may be on a disk) and says how to go on" \
	test $? -ne 0 -a ! -s "$W/dash/dup" -a -n "$(grep 'remove it' "$W/dash/dup.err")"
"$BROKER" volume remove --uuid "$U2" "${STORE[@]}" > "$W/dash/rm0" 2>&1
check "remove without --yes: exit 2, nothing removed" test $? -eq 2 -a "$(state "$U2")" = pending
"$BROKER" volume remove --uuid "$U2" --yes "${STORE[@]}" > "$W/dash/rm" 2>&1
check "remove --yes prints what it removed" grep -q "^removed volume $U2 (pending, added 20[0-9-]*T[0-9:]*Z)$" "$W/dash/rm"
rm -f "$W/dash/root.img"
run_example "$U2" "$W/dash"; rc=$?
check "after remove, the example enrols it again (rc=$rc)" test "$rc" -eq 0 -a "$(state "$U2")" = active

U3=7c3a4b5e-6f70-4182-8394-a5b6c7d8e9fa
mkdir -p "$W/missing" && cp "$W/web.json" "$W/missing/" && head -c 32 /dev/urandom > "$W/missing/keyfile"
(cd "$W/missing" && UUID=$U3 PATH="$W/bin:$PATH" bash "$W/example.sh" </dev/null) >"$W/missing/out" 2>&1
s3=$(state "$U3")
check "cryptsetup failing on a missing image: the volume is never active (${s3:-absent})" test "$s3" != active

# ---- confirm checks the header, not the operator's word ----
U4=8d4b5c6f-7081-4293-84a5-b6c7d8e9fa0b
mkdir -p "$W/other"
"$BROKER" volume add --uuid "$U4" --policy "$W/web.json" "${STORE[@]}" > "$W/other/u4.key" 2>/dev/null
truncate -s 32M "$W/other/img" && head -c 32 /dev/urandom > "$W/other/pass"
cryptsetup luksFormat --batch-mode --type luks2 --uuid "$U4" --key-size 512 --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 "$W/other/img" "$W/other/pass" >/dev/null 2>&1
"$BROKER" volume confirm --uuid "$U4" --device "$W/other/img" "${STORE[@]}" 2>"$W/other/err"
check "confirm refuses a header formatted with another key" \
	test $? -ne 0 -a -n "$(grep 'is not the volume key of this LUKS2 header' "$W/other/err")" -a "$(state "$U4")" = pending
cryptsetup luksFormat --batch-mode --type luks2 --key-size 512 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--volume-key-file "$W/other/u4.key" "$W/other/img" "$W/other/pass" >/dev/null 2>&1
"$BROKER" volume confirm --uuid "$U4" --device "$W/other/img" "${STORE[@]}" 2>"$W/other/err"
check "confirm refuses the right key under another UUID" \
	test $? -ne 0 -a -n "$(grep "UUID is .*, not $U4" "$W/other/err")" -a "$(state "$U4")" = pending
cryptsetup luksUUID --batch-mode --uuid "$U4" "$W/other/img" >/dev/null 2>&1
# one byte of the JSON area changed: the header checksum catches it
cp "$W/other/img" "$W/other/img.bad"
printf 'X' | dd of="$W/other/img.bad" bs=1 seek=4200 conv=notrunc status=none
"$BROKER" volume confirm --uuid "$U4" --device "$W/other/img.bad" "${STORE[@]}" 2>"$W/other/err"
check "confirm refuses a header whose checksum does not match" test $? -ne 0 -a -n "$(grep checksum "$W/other/err")"
"$BROKER" volume confirm --uuid "$U4" --device "$W/other/img" "${STORE[@]}" 2>"$W/other/err"; rc=$?
check "with the right key and UUID it confirms ($(cat "$W/other/err"))" test $rc -eq 0 -a "$(state "$U4")" = active

# ---- the reader exits before taking the key ----
U5=9e5c6d70-8192-43a4-85b6-c7d8e9fa0b1c
"$BROKER" volume add --uuid "$U5" --policy "$W/web.json" "${STORE[@]}" 2>"$W/epipe.err" | { exec 0<&-; sleep 1; }
rc=${PIPESTATUS[0]}
check "a closed pipe: cocobroker is not killed by SIGPIPE, exits 1 (rc=$rc)" test "$rc" -eq 1
check "...reports the failed write precisely" grep -q 'failed after 0 of 64 bytes: Broken pipe' "$W/epipe.err"
check "...and keeps no volume" test -z "$(state "$U5")"

# ---- volume import: an existing disk's own key ----
U6=af6d7e81-92a3-44b5-96c7-d8e9fa0b1c2d
truncate -s 32M "$W/other/imp.img" && printf 'user passphrase' > "$W/other/imp.pass"
cryptsetup luksFormat --batch-mode --type luks2 --uuid "$U6" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	"$W/other/imp.img" "$W/other/imp.pass" >/dev/null 2>&1
cryptsetup luksDump --dump-volume-key --volume-key-file "$W/other/imp.key" --key-file "$W/other/imp.pass" \
	--batch-mode "$W/other/imp.img" >/dev/null 2>&1
rows() { sqlite3 "$W/keys.db" "select count(*) from audit"; }
before=$(rows)
head -c 63 "$W/other/imp.key" | "$BROKER" volume import --uuid "$U6" --policy "$W/web.json" "${STORE[@]}" 2>"$W/imp.err"
check "import of 63 bytes: refused, nothing stored" \
	test $? -ne 0 -a -n "$(grep 'stdin held 63 bytes' "$W/imp.err")" -a -z "$(state "$U6")" -a "$(rows)" = "$before"
cat "$W/other/imp.key" "$W/other/imp.key" | "$BROKER" volume import --uuid "$U6" --policy "$W/web.json" "${STORE[@]}" 2>"$W/imp.err"
check "import of more than 64 bytes: refused, nothing stored" \
	test $? -ne 0 -a -n "$(grep 'more than 64 bytes' "$W/imp.err")" -a -z "$(state "$U6")"
head -c 64 /dev/urandom | "$BROKER" volume import --uuid "$U6" --policy "$W/web.json" --device "$W/other/imp.img" \
	"${STORE[@]}" 2>"$W/imp.err"
check "import of a key the header does not verify: refused, nothing stored" \
	test $? -ne 0 -a -n "$(grep 'nothing stored' "$W/imp.err")" -a -z "$(state "$U6")" -a "$(rows)" = "$before"
"$BROKER" volume import --uuid "$U6" --policy "$W/web.json" --device "$W/other/imp.img" "${STORE[@]}" \
	< "$W/other/imp.key" 2>"$W/imp.err"; rc=$?
check "import with --device: active at once ($(grep -o 'is active.*' "$W/imp.err"))" test $rc -eq 0 -a "$(state "$U6")" = active
check "...audited as add and confirm by import" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where volume = '$U6' and decision = 'admin'")" = 2 -a \
	-n "$(sqlite3 "$W/keys.db" "select measurement from audit where volume = '$U6' and reason = 'volume-confirm'" | grep import)"
rm -f "$W/other/imp.key"

# ---- recovery passphrase: created before the format, for the keyslot it adds ----
U7=b07e8f92-a3b4-45c6-97d8-e9fa0b1c2d3e
truncate -s 32M "$W/other/rec.img"
"$BROKER" volume recovery-passphrase --out "$W/other/rec.txt" 2>"$W/rec.err"
check "recovery-passphrase: a 0600 file of 8 groups of 5 ($(stat -c %a "$W/other/rec.txt" 2>/dev/null))" \
	test "$(stat -c %a "$W/other/rec.txt")" = 600 -a -n "$(grep -xE '([a-km-z2-9]{5}-){7}[a-km-z2-9]{5}' "$W/other/rec.txt")"
"$BROKER" volume add --uuid "$U7" --policy "$W/web.json" "${STORE[@]}" 2>/dev/null |
	cryptsetup luksFormat --batch-mode --type luks2 --uuid "$U7" --key-size 512 --volume-key-file /dev/stdin \
		--key-file "$W/other/rec.txt" "$W/other/rec.img" >/dev/null 2>&1
check "...the keyslot it formatted is argon2id and opens with it" \
	sh -c "cryptsetup luksDump '$W/other/rec.img' | grep -q 'PBKDF:.*argon2id' &&
		cryptsetup open --test-passphrase --key-file '$W/other/rec.txt' '$W/other/rec.img'"
"$BROKER" volume confirm --uuid "$U7" --device "$W/other/rec.img" "${STORE[@]}" 2>/dev/null
check "...and the volume confirms as usual" test "$(state "$U7")" = active
"$BROKER" volume recovery-passphrase --out "$W/other/rec.txt" 2>"$W/rec2.err"
check "recovery-passphrase over an existing file: refused, the file kept" \
	test $? -ne 0 -a -n "$(grep 'File exists' "$W/rec2.err")" -a -s "$W/other/rec.txt"
rm -f "$W/other/rec.txt"
U8=c18f90a3-b4c5-46d7-88e9-fa0b1c2d3e4f

# ---- a policy with a JSON syntax error: where it is ----
printf '{\n  "snp": {\n    "allow_any_measurement": tru\n  }\n}\n' > "$W/syntax.json"
"$BROKER" volume add --uuid "$U8" --policy "$W/syntax.json" "${STORE[@]}" >/dev/null 2>"$W/syntax.err"
check "a policy's JSON syntax error is located (line 3, column 30) and nothing is stored" \
	test $? -ne 0 -a -n "$(grep 'JSON syntax error at line 3, column 30 (byte 42)' "$W/syntax.err")" -a -z "$(state "$U8")"

# ---- backup and restore: refusals leave nothing behind ----
"$BROKER" backup --out "$W/bk.db" "${STORE[@]}" >/dev/null 2>&1
check "backup of the enrolment store" test $? -eq 0 -a -s "$W/bk.db"
"$BROKER" backup --out "$W/bk.db" "${STORE[@]}" 2>"$W/bk.err" >/dev/null
check "backup over an existing file: refused" test $? -ne 0 -a -n "$(grep 'already exists' "$W/bk.err")"
head -c 32 /dev/urandom > "$W/other.mk" && chmod 600 "$W/other.mk"
"$BROKER" restore --from "$W/bk.db" --database "$W/r.db" --master-key "$W/other.mk" 2>"$W/r.err" >/dev/null; rc=$?
check "restore with another master key: refused, nothing left" \
	test $rc -ne 0 -a -n "$(grep 'master key does not match' "$W/r.err")" -a "$(ls "$W" | grep -c '^r\.db')" = 0
printf 'not a database' > "$W/junk.db"
"$BROKER" restore --from "$W/junk.db" --database "$W/r.db" --master-key "$W/master.key" 2>"$W/r.err" >/dev/null
check "restore of a file that is no store: refused, nothing left" test $? -ne 0 -a "$(ls "$W" | grep -c '^r\.db')" = 0
cp "$W/bk.db" "$W/bk-tampered.db"
sqlite3 "$W/bk-tampered.db" "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)" 2>/dev/null
"$BROKER" restore --from "$W/bk-tampered.db" --database "$W/r.db" --master-key "$W/master.key" 2>"$W/r.err" >/dev/null; rc=$?
check "restore of a backup whose audit chain was cut: refused ($(head -c 150 "$W/r.err"))" \
	test $rc -ne 0 -a "$(ls "$W" | grep -c '^r\.db')" = 0
"$BROKER" restore --from "$W/bk.db" --database "$W/r.db" --master-key "$W/master.key" >/dev/null 2>&1
check "restore with the right key: the store lists the same volumes" \
	test "$("$BROKER" volume list --database "$W/r.db" --master-key "$W/master.key" | wc -l)" = "$("$BROKER" volume list "${STORE[@]}" | wc -l)"
